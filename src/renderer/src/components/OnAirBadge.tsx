import { useChannels } from '../stores/channels'
import { useChannelAir } from '../stores/onair'

const LABEL = {
  offline: 'OFF AIR',
  starting: 'STARTING',
  live: 'LIVE',
  reconnecting: 'RECONNECTING',
  stopping: 'STOPPING',
  error: 'ERROR'
} as const

/** The header's on-air light: exactly the state the engine last reported for this channel. */
export function OnAirBadge() {
  const channelId = useChannels((s) => s.selectedId)
  const air = useChannelAir(channelId)
  if (!air) return null
  return (
    <div
      className={`onair-badge ${air.state}`}
      data-testid="onair-badge"
      data-state={air.state}
      role="status"
      aria-live="polite"
      title={air.message}
    >
      {air.state === 'live' && <span className="rec-dot" aria-hidden="true" />}
      {LABEL[air.state]}
    </div>
  )
}
