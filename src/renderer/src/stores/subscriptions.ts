import { getClient } from '../api/bridge'
import { useGeneration } from './generation'
import { useOnAir } from './onair'

/** Event subscriptions of the generation and on-air stores; each returns its unsubscribe functions. */
export function startFeatureSubscriptions(): Array<() => void> {
  const bridge = getClient().bridge
  const air = useOnAir.getState()
  return [
    bridge.on('onair.state', (e) => air.onState(e)),
    bridge.on('onair.stats', (e) => air.onStats(e)),
    bridge.on('onair.clip', (e) => air.onClip(e)),
    bridge.on('generation.job', (e) => useGeneration.getState().onJob(e))
  ]
}
