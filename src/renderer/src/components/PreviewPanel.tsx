import { useEffect, useState } from 'react'
import { getClient } from '../api/bridge'
import type { TakeDto } from '../../../shared/contract/library'
import type { z } from 'zod'
import type { checkResultSchema } from '../../../shared/contract/gate'
import { formatDuration, formatLoudness } from '../lib/format'
import { usePreview } from '../stores/preview'
import { useGeneration } from '../stores/generation'
import { useTimeline } from '../stores/timeline'
import { useComfy } from '../stores/comfy'
import { TakeOriginLine } from './ComfyServers'
import { ErrorNotice } from './ErrorNotice'
import { PreviewVideo } from './PreviewVideo'

export function PreviewPanel() {
  const shot = usePreview((s) => s.shot)
  const shotId = usePreview((s) => s.shotId)
  const error = usePreview((s) => s.error)
  const setApproved = usePreview((s) => s.setApproved)
  const takes = usePreview((s) => s.takes)
  const playingTakeId = usePreview((s) => s.playingTakeId)
  const insert = useTimeline((s) => s.insert)

  if (shotId === null) {
    return (
      <section className="panel preview" aria-label="Preview">
        <div className="panel-head">
          <h2>Preview</h2>
        </div>
        <p className="empty">Select a shot in the library or on the timeline to preview it.</p>
      </section>
    )
  }

  const playing = takes.find((t) => t.id === playingTakeId && t.mp4Path) ?? null
  const media = playing ?? shot
  const src = media?.mp4Path ? getClient().bridge.mediaUrl(media.mp4Path) : null
  const poster = media?.posterPath ? getClient().bridge.mediaUrl(media.posterPath) : undefined
  const review = shot?.status === 'ready' ? (shot.approved ? 'approved' : 'awaiting review') : shot?.status
  return (
    <section className="panel preview" aria-label="Preview">
      <div className="panel-head">
        <h2>Preview</h2>
        {shot && (
          <span className={`badge inline status-${shot.status === 'ready' && !shot.approved ? 'review' : shot.status}`}>
            {review}
          </span>
        )}
        <span className="muted">Shot {shotId}</span>
      </div>
      <ErrorNotice message={error} />
      {src ? (
        // A new clip is a new player: its time and play state start over.
        <PreviewVideo
          key={src}
          src={src}
          poster={poster}
          label={playing ? `Preview of take ${playing.id} of shot ${shotId}` : `Preview of shot ${shotId}`}
          takeId={playing?.id}
        />
      ) : (
        <div className="preview-video">
          <div className="video-empty">
            {shot?.status === 'failed' ? 'This shot failed: no video.' : 'No video yet — the shot is still being made.'}
          </div>
        </div>
      )}
      {shot && (
        <div className="preview-body">
          <div className="preview-actions">
            <button
              type="button"
              className="btn approve"
              disabled={shot.status !== 'ready' || shot.approved}
              onClick={() => void setApproved(true)}
            >
              ✓ Approve
            </button>
            <button
              type="button"
              className="btn reject"
              disabled={shot.status !== 'ready' || !shot.approved}
              onClick={() => void setApproved(false)}
            >
              ✕ Reject
            </button>
            <button
              type="button"
              className="btn"
              disabled={shot.status !== 'ready'}
              onClick={() => void insert([shot.id])}
            >
              Add to timeline
            </button>
          </div>
          <dl className="meta">
            <dt>Duration</dt>
            <dd>{formatDuration(shot.durationMs)}</dd>
            <dt>Seed</dt>
            <dd>{shot.seed ?? '—'}</dd>
            <dt>Backend</dt>
            <dd>{shot.backend ?? (shot.sourceName ? 'imported file' : '—')}</dd>
            {shot.sourceName && (
              <>
                <dt>Source</dt>
                <dd title={shot.sourceName}>{shot.sourceName}</dd>
              </>
            )}
            {shot.width && (
              <>
                <dt>Format</dt>
                <dd>
                  {shot.width}×{shot.height}
                </dd>
              </>
            )}
            {shot.status === 'ready' && (
              <>
                {/* A whole row: the measurement is longer than half the panel. */}
                <dt className="meta-row">Loudness</dt>
                <dd
                  className="meta-row"
                  data-testid="shot-loudness"
                  title={shot.loudness ? `levelled to ${shot.loudness.targetLufs} LUFS at conform` : undefined}
                >
                  {formatLoudness(shot.loudness)}
                </dd>
              </>
            )}
          </dl>
          {shot.error && <p className="error-text">{shot.error}</p>}
          <PromptEditor
            key={`${shot.id}:${shot.prompt}`}
            shotId={shot.id}
            prompt={shot.prompt}
            seed={shot.seed}
            backend={shot.backend}
            canRegenerate={shot.status === 'ready' || shot.status === 'failed'}
          />
          <TakeList takes={takes} playingTakeId={playing?.id ?? null} />
          <ShotChecks shotId={shot.id} takeKey={takes.map((t) => `${t.id}:${t.status}:${t.chosen}`).join(',')} />
        </div>
      )}
    </section>
  )
}

/** Keyed by shot and saved prompt, so it starts from the shot's prompt whenever either changes. */
function PromptEditor({
  shotId,
  prompt,
  seed,
  backend,
  canRegenerate
}: {
  shotId: number
  prompt: string
  seed: number | null
  backend: string | null
  canRegenerate: boolean
}) {
  const savePrompt = usePreview((s) => s.savePrompt)
  const regenerate = useGeneration((s) => s.regenerate)
  const [draft, setDraft] = useState(prompt)
  // Only an offline shot pins the offline generator; anything else (a Space, an
  // imported clip) is made by whatever the channel's settings say now.
  const engine = backend === 'offline' ? ({ backend: 'offline' } as const) : {}
  return (
    <>
      <label className="field">
        <span>Prompt</span>
        <textarea rows={3} value={draft} onChange={(e) => setDraft(e.target.value)} maxLength={4000} />
      </label>
      <div className="preview-actions">
        <button type="button" className="btn" disabled={draft === prompt} onClick={() => void savePrompt(draft)}>
          Save prompt
        </button>
        <button
          type="button"
          className="btn"
          disabled={!canRegenerate || draft.trim().length < 3}
          title="Queue a new take of this shot; it shows under Takes when ready (the shot keeps its video until you use the take)"
          onClick={() => void regenerate(shotId, draft, engine)}
        >
          {draft === prompt ? 'Regenerate' : 'Regenerate with edited prompt'}
        </button>
        {seed !== null && draft === prompt && (
          <button
            type="button"
            className="btn ghost"
            disabled={!canRegenerate}
            onClick={() => void regenerate(shotId, draft, seed === null ? engine : { ...engine, seed })}
            title="A new take with the same prompt and seed"
          >
            Same seed
          </button>
        )}
      </div>
    </>
  )
}

function when(ms: number): string {
  const d = new Date(ms)
  const sameDay = d.toDateString() === new Date().toDateString()
  return sameDay
    ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })
    : d.toLocaleString([], { dateStyle: 'short', timeStyle: 'short' })
}

/** The shot's takes: play one in the preview, or use it (it airs from the next clip boundary). */
function TakeList({ takes, playingTakeId }: { takes: TakeDto[]; playingTakeId: number | null }) {
  const playTake = usePreview((s) => s.playTake)
  const chooseTake = usePreview((s) => s.chooseTake)
  const origins = useComfy((s) => s.origins)
  const shotId = takes[0]?.shotId
  const takeIds = takes.map((t) => `${t.id}:${t.status}`).join(',')
  useEffect(() => {
    if (shotId !== undefined) void useComfy.getState().loadOrigins(shotId)
  }, [shotId, takeIds])
  if (takes.length === 0) return null
  return (
    <section className="takes" aria-label="Takes">
      <h3>
        Takes <span className="muted">({takes.length})</span>
      </h3>
      <ol className="take-list">
        {takes.map((t, i) => {
          const ready = t.status === 'ready' && t.mp4Path !== null
          const label = `Take ${i + 1}`
          return (
            <li
              key={t.id}
              className={`take${t.chosen ? ' chosen' : ''}${playingTakeId === t.id ? ' playing' : ''}`}
              data-testid="take"
              data-take-id={t.id}
              aria-current={t.chosen ? 'true' : undefined}
            >
              {t.posterPath ? (
                <img className="take-poster" src={getClient().bridge.mediaUrl(t.posterPath)} alt="" />
              ) : (
                <div className="take-poster empty" aria-hidden="true" />
              )}
              <div className="take-info">
                <div>
                  <strong>{label}</strong> {t.chosen && <span className="badge inline take-chosen">in use</span>}
                  {!ready && <span className="badge inline status-conforming">{t.status}</span>}
                </div>
                <div className="muted" title={t.prompt}>
                  seed {t.seed ?? '—'} · {t.backend ?? 'imported file'} ·{' '}
                  {t.loudness && !t.loudness.silent ? `${formatLoudness(t.loudness).split(' · ')[0]} · ` : ''}
                  <time dateTime={new Date(t.createdAt).toISOString()}>{when(t.createdAt)}</time>
                </div>
                <TakeOriginLine origin={origins[t.id]} />
              </div>
              <div className="take-actions">
                <button
                  type="button"
                  className="btn small"
                  disabled={!ready}
                  aria-pressed={playingTakeId === t.id}
                  aria-label={`Play ${label.toLowerCase()} in the preview`}
                  onClick={() => playTake(playingTakeId === t.id ? null : t.id)}
                >
                  ▶ Play
                </button>
                <button
                  type="button"
                  className="btn small"
                  disabled={!ready || t.chosen}
                  aria-label={`Use ${label.toLowerCase()}`}
                  onClick={() => void chooseTake(t.id)}
                >
                  Use this take
                </button>
              </div>
            </li>
          )
        })}
      </ol>
    </section>
  )
}

type CheckResult = z.infer<typeof checkResultSchema>

/**
 * The quality gate's verdicts on the take in use: each check, its reason, and the
 * times of the frames that failed. Nothing when the gate did not check this take.
 */
function ShotChecks({ shotId, takeKey }: { shotId: number; takeKey: string }) {
  const [checks, setChecks] = useState<CheckResult[]>([])
  useEffect(() => {
    let live = true
    getClient()
      .bridge.invoke('gate.shots.checks', { shotIds: [shotId] })
      .then((r) => live && setChecks(r.shots[0]?.checks ?? []))
      .catch(() => live && setChecks([]))
    return () => {
      live = false
    }
  }, [shotId, takeKey])
  if (checks.length === 0) return null
  const failed = checks.filter((c) => c.verdict === 'fail').length
  return (
    <section className="checks" aria-label="Quality checks" data-testid="shot-checks">
      <h3>
        Checks <span className="muted">({failed ? `${failed} failed` : 'all passed'})</span>
      </h3>
      <ul className="check-list">
        {checks.map((c) => (
          <li key={c.check} className={`check check-${c.verdict}`} data-check={c.check}>
            <span className={`badge inline check-${c.verdict}`}>{c.verdict}</span> <strong>{c.check}</strong>{' '}
            <span className="muted">{c.reason}</span>
            {c.verdict === 'fail' && c.frames.length > 0 && (
              <span className="check-frames"> at {c.frames.map((t) => `${t.toFixed(1)} s`).join(', ')}</span>
            )}
          </li>
        ))}
      </ul>
    </section>
  )
}
