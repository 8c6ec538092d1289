import { useState } from 'react'
import { AIR_STATE_TEXT, nowNextText, reconnectCountdown, type AirSequence } from '../lib/air-text'
import type { ChannelAirStatus } from '../../../shared/contract/onair'
import { droppedFramesLevel, formatBytesPerSecond, formatUptime } from '../lib/format'
import { useNow } from '../lib/use-now'
import { useSelectedChannel } from '../stores/channels'
import { useAirSequences } from '../stores/air-sequences'
import { useChannelAir, useOnAir } from '../stores/onair'
import { DestinationList } from './DestinationList'
import { ErrorNotice } from './ErrorNotice'
import { Monitor, monitorUrl } from './Monitor'
import { NotificationPermission } from './NotificationPermission'

export function GoLivePanel() {
  const channel = useSelectedChannel()
  const air = useChannelAir(channel?.id ?? null)
  const stats = useOnAir((s) => (channel ? s.stats[channel.id] : undefined))
  const requesting = useOnAir((s) => (channel ? s.requesting[channel.id] : undefined))
  const start = useOnAir((s) => s.start)
  const stop = useOnAir((s) => s.stop)
  const retryNow = useOnAir((s) => s.retryNow)
  const loadError = useOnAir((s) => s.error)
  const [buffer, setBuffer] = useState<number | null>(null)
  const reload = useOnAir((s) => s.load)
  const sequences = useAirSequences(channel?.id ?? null, air?.now?.itemId ?? null, air?.next?.itemId ?? null)
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
        <ErrorNotice message={`The on-air engine did not answer: ${loadError}`} />
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
    <div className="golive-panel">
      <div className="golive-top">
        <Monitor url={url} label={`Live monitor of ${channel.name}`} onBuffer={setBuffer} />
        <div className="air-row">
          <span className={`air-state ${air.state}`} data-testid="air-state" data-state={air.state}>
            {AIR_STATE_TEXT[air.state]}
          </span>
          {(air.state === 'live' || air.state === 'reconnecting') && (
            <span className="mono">{formatUptime((stats?.uptimeS ?? air.uptimeS) * 1000)}</span>
          )}
          <span className="muted">
            {air.viewers} viewer{air.viewers === 1 ? '' : 's'}
          </span>
          {onAir && buffer !== null && (
            <span
              className="monitor-latency"
              title="Buffered ahead of what the monitor shows"
              data-testid="monitor-buffer"
            >
              buffer {buffer.toFixed(1)} s
            </span>
          )}
        </div>
        <ErrorNotice message={air.state === 'error' && air.message} />
        {air.state === 'reconnecting' && (
          <p className="warn-text">{reconnectCountdown(air.nextRetryAt, air.attempt, now)}</p>
        )}
        {button}
      </div>
      <div className="golive-rest">
        {onAir && (
          <dl className="nownext">
            <dt>Now</dt>
            <NowNext clip={air.now} sequences={sequences} testId="air-now" />
            <dt>Next</dt>
            <NowNext clip={air.next} sequences={sequences} testId="air-next" />
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
        <DestinationList air={air} now={now} onRetry={(id) => void retryNow(channel.id, id)} />
        <NotificationPermission />
      </div>
    </div>
  )
}

/** One now/next entry: the show sequence's title when the clip belongs to one, then the shot. */
function NowNext({
  clip,
  sequences,
  testId
}: {
  clip: ChannelAirStatus['now']
  sequences: Map<number, AirSequence>
  testId: string
}) {
  if (!clip) return <dd data-testid={testId}>—</dd>
  const text = nowNextText(clip, clip.itemId === null ? undefined : sequences.get(clip.itemId))
  return (
    <dd data-testid={testId} title={text.tooltip}>
      {text.title !== null && (
        <>
          <strong className="nownext-title">{text.title}</strong> <span className="muted">· {text.clip}</span>
        </>
      )}
      {text.title === null && text.clip}
    </dd>
  )
}
