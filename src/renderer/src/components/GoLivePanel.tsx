import { useState, type FormEvent } from 'react'
import type { ChannelAirStatus, DestinationDto } from '../../../shared/contract/onair'
import { droppedFramesLevel, formatBytesPerSecond, formatUptime } from '../lib/format'
import { useNow } from '../lib/use-now'
import { useSelectedChannel } from '../stores/channels'
import { useChannelAir, useOnAir } from '../stores/onair'
import { Monitor, monitorUrl } from './Monitor'

const STATE_TEXT = {
  offline: 'Off air',
  starting: 'Starting…',
  live: 'Live',
  reconnecting: 'Reconnecting',
  stopping: 'Stopping…',
  error: 'Error'
} as const

export function GoLivePanel() {
  const channel = useSelectedChannel()
  const air = useChannelAir(channel?.id ?? null)
  const stats = useOnAir((s) => (channel ? s.stats[channel.id] : undefined))
  const requesting = useOnAir((s) => (channel ? s.requesting[channel.id] : undefined))
  const start = useOnAir((s) => s.start)
  const stop = useOnAir((s) => s.stop)
  const retryNow = useOnAir((s) => s.retryNow)
  const loadError = useOnAir((s) => s.error)
  const reload = useOnAir((s) => s.load)
  const now = useNow(
    1000,
    air?.state === 'reconnecting' ||
      air?.state === 'live' ||
      (air?.destinations.some((d) => d.state === 'reconnecting') ?? false)
  )

  if (!channel) return <p className="empty">Create a channel to go live.</p>
  if (!air)
    return loadError ? (
      <div className="empty">
        <p className="error-text" role="alert">
          The on-air engine did not answer: {loadError}
        </p>
        <button type="button" className="btn" onClick={() => void reload(channel.id)}>
          Ask again
        </button>
      </div>
    ) : (
      <p className="empty">Asking the on-air engine…</p>
    )

  const onAir = air.state === 'live' || air.state === 'reconnecting' || air.state === 'starting'
  const url = onAir ? monitorUrl(air.stream, air.flvUrl) : null
  const drop = stats ? droppedFramesLevel(stats.droppedFrames, Math.max(1, stats.uptimeS * channel.format.fps)) : null

  let button
  if (requesting === 'start')
    button = (
      <button type="button" className="btn golive" disabled>
        Going live…
      </button>
    )
  else if (requesting === 'stop' || air.state === 'stopping')
    button = (
      <button type="button" className="btn endstream" disabled>
        Ending stream…
      </button>
    )
  else if (air.state === 'offline' || air.state === 'error')
    button = (
      <button type="button" className="btn golive" onClick={() => void start(channel.id)}>
        Go Live
      </button>
    )
  else
    button = (
      <button type="button" className="btn endstream" onClick={() => void stop(channel.id)}>
        {air.state === 'starting' ? 'Cancel (starting…)' : 'End Stream'}
      </button>
    )

  return (
    <div className="golive">
      <div className="golive-top">
        <Monitor url={url} label={`Live monitor of ${channel.name}`} />
        <div className="air-row">
          <span className={`air-state ${air.state}`} data-testid="air-state" data-state={air.state}>
            {STATE_TEXT[air.state]}
          </span>
          {(air.state === 'live' || air.state === 'reconnecting') && (
            <span className="mono">{formatUptime((stats?.uptimeS ?? air.uptimeS) * 1000)}</span>
          )}
          <span className="muted">
            {air.viewers} viewer{air.viewers === 1 ? '' : 's'}
          </span>
        </div>
        {air.state === 'error' && air.message && (
          <p className="error-text" role="alert">
            {air.message}
          </p>
        )}
        {air.state === 'reconnecting' && <p className="warn-text">{countdown(air.nextRetryAt, air.attempt, now)}</p>}
        {button}
      </div>
      <div className="golive-rest">
        {onAir && (
          <dl className="nownext">
            <dt>Now</dt>
            <dd data-testid="air-now">{air.now ? clipLabel(air.now) : '—'}</dd>
            <dt>Next</dt>
            <dd>{air.next ? clipLabel(air.next) : '—'}</dd>
          </dl>
        )}
        {onAir && stats && (
          <dl className="stats" aria-label="Stream health">
            <dt>Bitrate</dt>
            <dd>{formatBytesPerSecond(stats.kbps)}</dd>
            <dt>Speed</dt>
            <dd className={stats.speed > 0 && stats.speed < 0.95 ? (stats.speed < 0.8 ? 'bad' : 'warn') : ''}>
              {stats.speed.toFixed(2)}×
            </dd>
            <dt>Dropped</dt>
            <dd className={drop?.level} data-testid="dropped-frames" data-level={drop?.level}>
              {stats.droppedFrames} ({drop ? drop.percent.toFixed(1) : '0.0'} %)
            </dd>
            <dt>Restarts</dt>
            <dd className={stats.restarts > 0 ? 'warn' : ''}>{stats.restarts}</dd>
          </dl>
        )}
        <Destinations air={air} now={now} onRetry={(id) => void retryNow(channel.id, id)} />
      </div>
    </div>
  )
}

function clipLabel(c: NonNullable<ChannelAirStatus['now']>): string {
  return c.slate ? 'Standby slate' : c.label
}

function countdown(nextRetryAt: number | undefined, attempt: number | undefined, now: number): string {
  const secs = nextRetryAt ? Math.max(0, Math.ceil((nextRetryAt - now) / 1000)) : null
  return `Reconnecting${secs !== null ? ` in ${secs} s` : '…'}${attempt ? ` (attempt ${attempt})` : ''}`
}

function Destinations({ air, now, onRetry }: { air: ChannelAirStatus; now: number; onRetry: (id: string) => void }) {
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
        <AddDestination channelId={air.channelId} onDone={() => setAdding(false)} />
      ) : (
        <button type="button" className="btn" onClick={() => setAdding(true)}>
          + Add destination
        </button>
      )}
    </section>
  )
}

const KIND_LABEL: Record<DestinationDto['kind'], string> = { twitch: 'Twitch', rtmp: 'RTMP', youtube: 'YouTube', facebook: 'Facebook', kick: 'Kick', srt: 'SRT' }

function DestinationRow({ d, now, onRetry }: { d: DestinationDto; now: number; onRetry: () => void }) {
  const update = useOnAir((s) => s.updateDestination)
  const remove = useOnAir((s) => s.removeDestination)
  const [editingKey, setEditingKey] = useState(false)
  return (
    <li className="dest" data-testid="destination" data-state={d.state}>
      <div className="dest-head">
        <span className="dest-name">{d.name}</span>
        <span className="kind">{KIND_LABEL[d.kind]}</span>
        <span className={`air-state small ${d.state}`}>{STATE_TEXT[d.state]}</span>
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
      {d.state === 'reconnecting' && <p className="warn-text">{countdown(d.nextRetryAt, d.attempt, now)}</p>}
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
      {editingKey && <KeyForm channelId={d.channelId} id={d.id} onDone={() => setEditingKey(false)} />}
    </li>
  )
}

/** A stream key input that is masked unless the user asks to see it. */
export function SecretInput({
  id,
  label,
  value,
  onChange,
  placeholder
}: {
  id: string
  label: string
  value: string
  onChange: (v: string) => void
  placeholder?: string
}) {
  const [shown, setShown] = useState(false)
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="field-row">
        <input
          id={id}
          type={shown ? 'text' : 'password'}
          className="grow"
          value={value}
          onChange={(e) => onChange(e.target.value)}
          autoComplete="off"
          spellCheck={false}
          placeholder={placeholder}
          data-testid="stream-key-input"
        />
        <button
          type="button"
          className="btn small"
          aria-pressed={shown}
          aria-controls={id}
          onClick={() => setShown((v) => !v)}
        >
          {shown ? 'Hide' : 'Show'}
        </button>
      </div>
    </div>
  )
}

function KeyForm({ channelId, id, onDone }: { channelId: number; id: string; onDone: () => void }) {
  const setKey = useOnAir((s) => s.setKey)
  const [key, setKeyValue] = useState('')
  async function submit(e: FormEvent) {
    e.preventDefault()
    if (await setKey(channelId, id, key.trim())) onDone()
  }
  return (
    <form className="key-form" onSubmit={submit}>
      <SecretInput id={`key-${id}`} label="New stream key" value={key} onChange={setKeyValue} />
      <button type="submit" className="btn primary small" disabled={!key.trim()}>
        Save key
      </button>
    </form>
  )
}

function AddDestination({ channelId, onDone }: { channelId: number; onDone: () => void }) {
  const add = useOnAir((s) => s.addDestination)
  const [kind, setKind] = useState<'twitch' | 'rtmp'>('twitch')
  const [name, setName] = useState('')
  const [ingest, setIngest] = useState<'default' | 'custom'>('default')
  const [server, setServer] = useState('')
  const [url, setUrl] = useState('')
  const [key, setKey] = useState('')
  const [problem, setProblem] = useState<string | null>(null)

  async function submit(e: FormEvent) {
    e.preventDefault()
    setProblem(null)
    if (kind === 'rtmp' && !/^rtmps?:\/\/[^/\s]+\/\S+/i.test(url.trim())) {
      setProblem('Enter the ingest URL as rtmp://host/app (or rtmps://…), as your streaming service shows it.')
      return
    }
    if (kind === 'twitch' && !key.trim()) {
      setProblem('Paste your Twitch stream key (Twitch dashboard → Settings → Stream).')
      return
    }
    if (kind === 'twitch' && ingest === 'custom' && !server.trim()) {
      setProblem('Enter the ingest server host, or choose the default.')
      return
    }
    const ok = await add({
      channelId,
      kind,
      ...(name.trim() ? { name: name.trim() } : {}),
      ...(kind === 'twitch' && ingest === 'custom' ? { server: server.trim() } : {}),
      ...(kind === 'rtmp' ? { url: url.trim() } : {}),
      ...(key.trim() ? { key: key.trim() } : {})
    })
    if (ok) {
      setKey('')
      onDone()
    }
  }

  return (
    <form className="add-dest" onSubmit={submit} aria-label="Add destination">
      <div className="seg" role="radiogroup" aria-label="Destination type">
        <label className={kind === 'twitch' ? 'on' : ''}>
          <input type="radio" name="dest-kind" checked={kind === 'twitch'} onChange={() => setKind('twitch')} /> Twitch
        </label>
        <label className={kind === 'rtmp' ? 'on' : ''}>
          <input type="radio" name="dest-kind" checked={kind === 'rtmp'} onChange={() => setKind('rtmp')} /> Custom RTMP
        </label>
      </div>
      <label className="field">
        <span>Name (optional)</span>
        <input
          type="text"
          value={name}
          onChange={(e) => setName(e.target.value)}
          maxLength={80}
          placeholder={kind === 'twitch' ? 'Twitch' : 'My server'}
        />
      </label>
      {kind === 'twitch' ? (
        <>
          <label className="field">
            <span>Ingest server</span>
            <select value={ingest} onChange={(e) => setIngest(e.target.value as 'default' | 'custom')}>
              <option value="default">Twitch default (global ingest)</option>
              <option value="custom">Another ingest server…</option>
            </select>
          </label>
          {ingest === 'custom' && (
            <label className="field">
              <span>Ingest host</span>
              <input
                type="text"
                value={server}
                onChange={(e) => setServer(e.target.value)}
                placeholder="e.g. the host Twitch's Inspector recommends"
              />
            </label>
          )}
        </>
      ) : (
        <label className="field">
          <span>Server URL</span>
          <input
            type="url"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            placeholder="rtmp://host/app"
            data-testid="rtmp-url-input"
          />
        </label>
      )}
      <SecretInput
        id="new-dest-key"
        label={kind === 'twitch' ? 'Stream key' : 'Stream key (optional)'}
        value={key}
        onChange={setKey}
      />
      {problem && (
        <p className="error-text" role="alert">
          {problem}
        </p>
      )}
      <div className="field-row">
        <button type="submit" className="btn primary">
          Add destination
        </button>
        <button type="button" className="btn ghost" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  )
}
