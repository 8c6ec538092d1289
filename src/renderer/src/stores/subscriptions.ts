import { getClient } from '../api/bridge'
import { useGeneration } from './generation'
import { useOnAir } from './onair'
import { useOutputs } from './outputs'
import { onNotification } from './notifications'

/** Event subscriptions of the generation and on-air stores; each returns its unsubscribe functions. */
export function startFeatureSubscriptions(): Array<() => void> {
  const bridge = getClient().bridge
  const air = useOnAir.getState()
  return [
    bridge.on('onair.state', (e) => air.onState(e)),
    bridge.on('onair.stats', (e) => air.onStats(e)),
    bridge.on('onair.clip', (e) => air.onClip(e)),
    bridge.on('generation.job', (e) => useGeneration.getState().onJob(e)),
    bridge.on('outputs.asrun', (e) => useOutputs.getState().onAsrun(e)),
    bridge.on('outputs.state', (e) => useOutputs.getState().onState(e)),
    bridge.on('notifications.notification', (n) => onNotification(n)),
    // The guide follows every timeline edit.
    bridge.on('library.changed', (e) => {
      if (e.what === 'playlist') void useOutputs.getState().reloadGuide()
    })
  ]
}
