import { useEffect } from 'react'
import { useSelectedChannel } from '../stores/channels'
import { useOutputs } from '../stores/outputs'
import { ErrorNotice } from './ErrorNotice'

function time(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })
}

/** HLS and recording of the selected channel, its program guide, the as-run log and platform checks. */
export function OutputsPanel() {
  const channel = useSelectedChannel()
  const { settings, guide, asrun, presets, outputState, error, load, update } = useOutputs()
  const channelId = channel?.id ?? null

  useEffect(() => {
    if (channelId !== null) void load(channelId)
  }, [channelId, load])

  if (!channel) return <p className="muted">Create a channel first.</p>
  return (
    <div className="outputs" data-testid="outputs-panel">
      <ErrorNotice message={error} />
      <h3>Outputs</h3>
      {settings && (
        <div className="outputs-settings">
          <label>
            <input type="checkbox" checked={settings.hls} onChange={(e) => void update({ hls: e.target.checked })} />{' '}
            HLS for phones
            {outputState.hls && (
              <span className={`air-state small ${outputState.hls.state}`}> {outputState.hls.state}</span>
            )}
          </label>
          {guide && settings.hls && <div className="mono muted">/hls/{guide.stream}/index.m3u8</div>}
          <label>
            <input
              type="checkbox"
              checked={settings.record}
              onChange={(e) => void update({ record: e.target.checked })}
            />{' '}
            Record what airs
            {outputState.recording && (
              <span className={`air-state small ${outputState.recording.state}`}> {outputState.recording.state}</span>
            )}
          </label>
          {settings.record && (
            <div className="muted">
              {settings.recordSegmentMinutes} min files, up to {settings.recordMaxGiB} GiB
              {settings.recordMaxAgeHours > 0 ? ` and ${settings.recordMaxAgeHours} h` : ''}, oldest removed first
            </div>
          )}
        </div>
      )}
      <h3>Program guide</h3>
      {guide && (
        <>
          <div className="mono muted">
            {guide.jsonPath} · {guide.xmltvPath}
          </div>
          {guide.entries.length === 0 ? (
            <p className="muted">
              {guide.onAir
                ? 'Nothing airable: the standby slate airs.'
                : 'Off air. The guide fills in when the channel goes live.'}
            </p>
          ) : (
            <ol className="guide" aria-label="Program guide" data-testid="guide">
              {guide.entries.slice(0, 12).map((e) => (
                <li key={`${e.start}-${e.itemId ?? 's'}`} className={e.now ? 'now' : ''}>
                  <span className="mono">{time(e.start)}</span> {e.now ? <strong>NOW</strong> : null} {e.title}
                </li>
              ))}
            </ol>
          )}
        </>
      )}
      <h3>As-run log</h3>
      {asrun.length === 0 ? (
        <p className="muted">Nothing has aired yet. Export with `webtv asrun`.</p>
      ) : (
        <table className="asrun" data-testid="asrun">
          <thead>
            <tr>
              <th>Start</th>
              <th>End</th>
              <th>Clip</th>
              <th>Destinations</th>
            </tr>
          </thead>
          <tbody>
            {asrun.map((e) => (
              <tr key={e.id}>
                <td className="mono">{time(e.startedAt)}</td>
                <td className="mono">{e.endedAt === null ? 'on air' : time(e.endedAt)}</td>
                <td title={e.label}>{e.slate ? 'Standby' : e.label}</td>
                <td>{e.destinations.join(', ') || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>Platform checks</h3>
      <ul className="preset-checks">
        {presets.map((p) => (
          <li key={p.id}>
            <strong>{p.label}</strong>:{' '}
            {p.unavailable ? (
              <span className="error-text">{p.unavailable}</span>
            ) : p.problems.length ? (
              <span className="error-text">{p.problems.join(' ')}</span>
            ) : (
              <span className="muted">this channel's format fits</span>
            )}
          </li>
        ))}
      </ul>
    </div>
  )
}
