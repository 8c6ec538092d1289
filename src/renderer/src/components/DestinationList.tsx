import { useState } from 'react'
import type { ChannelAirStatus, DestinationDto } from '../../../shared/contract/onair'
import { AIR_STATE_TEXT, reconnectCountdown } from '../lib/air-text'
import { formatBytesPerSecond } from '../lib/format'
import { useOnAir } from '../stores/onair'
import { AddDestinationForm } from './AddDestinationForm'
import { StreamKeyForm } from './StreamKeyForm'

/** The local server and every remote destination of a channel, each with its state, key and actions. */
const KIND_LABEL: Record<DestinationDto['kind'], string> = {
  twitch: 'Twitch',
  rtmp: 'RTMP',
  youtube: 'YouTube',
  facebook: 'Facebook',
  kick: 'Kick',
  srt: 'SRT'
}

export function DestinationList({
  air,
  now,
  onRetry
}: {
  air: ChannelAirStatus
  now: number
  onRetry: (id: string) => void
}) {
  const [adding, setAdding] = useState(false)
  return (
    <section className="destinations" aria-label="Destinations">
      <h3>Destinations</h3>
      <ul className="dest-list">
        <li className="dest">
          <div className="dest-head">
            <span className="dest-name">Local server</span>
            <span className="kind">built-in</span>
          </div>
          <div className="dest-target mono" title={air.rtmpUrl ?? undefined}>
            {air.rtmpUrl ?? 'starts with Go Live'}
          </div>
        </li>
        {air.destinations.map((d) => (
          <DestinationRow key={d.id} d={d} now={now} onRetry={() => onRetry(d.id)} />
        ))}
      </ul>
      {adding ? (
        <AddDestinationForm channelId={air.channelId} onDone={() => setAdding(false)} />
      ) : (
        <button type="button" className="btn" onClick={() => setAdding(true)}>
          + Add destination
        </button>
      )}
    </section>
  )
}

function DestinationRow({ d, now, onRetry }: { d: DestinationDto; now: number; onRetry: () => void }) {
  const update = useOnAir((s) => s.updateDestination)
  const remove = useOnAir((s) => s.removeDestination)
  const [editingKey, setEditingKey] = useState(false)
  return (
    <li className="dest" data-testid="destination" data-state={d.state}>
      <div className="dest-head">
        <span className="dest-name">{d.name}</span>
        <span className="kind">{KIND_LABEL[d.kind]}</span>
        <span className={`air-state small ${d.state}`}>{AIR_STATE_TEXT[d.state]}</span>
        {d.state === 'live' && d.kbps !== undefined && <span className="muted">{formatBytesPerSecond(d.kbps)}</span>}
      </div>
      <div className="dest-target mono" title={d.target}>
        {d.target}
      </div>
      <div className="dest-key">
        Key:{' '}
        <span className="mono" data-testid="key-masked">
          {d.keyMasked ?? 'none stored'}
        </span>
      </div>
      {d.state === 'reconnecting' && <p className="warn-text">{reconnectCountdown(d.nextRetryAt, d.attempt, now)}</p>}
      {d.message && (d.state === 'error' || d.state === 'reconnecting') && (
        <p className="error-text clamp" title={d.message}>
          {d.message}
        </p>
      )}
      <div className="dest-actions">
        <label className="switch small">
          <input
            type="checkbox"
            checked={d.enabled}
            onChange={(e) => void update({ id: d.id, enabled: e.target.checked })}
          />{' '}
          Enabled
        </label>
        {(d.state === 'reconnecting' || d.state === 'error') && (
          <button type="button" className="btn small" onClick={onRetry}>
            Retry now
          </button>
        )}
        <button type="button" className="btn small" onClick={() => setEditingKey((v) => !v)}>
          {d.keyMasked ? 'Replace key' : 'Set key'}
        </button>
        <button
          type="button"
          className="btn small ghost"
          onClick={() => void remove(d.channelId, d.id)}
          aria-label={`Remove destination ${d.name}`}
        >
          Remove
        </button>
      </div>
      {editingKey && <StreamKeyForm channelId={d.channelId} id={d.id} onDone={() => setEditingKey(false)} />}
    </li>
  )
}
