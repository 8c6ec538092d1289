import { useState } from 'react'
import { getClient } from '../api/bridge'
import { formatDuration } from '../lib/format'
import { usePreview } from '../stores/preview'
import { useGeneration } from '../stores/generation'
import { useTimeline } from '../stores/timeline'

export function PreviewPanel() {
  const shot = usePreview((s) => s.shot)
  const shotId = usePreview((s) => s.shotId)
  const error = usePreview((s) => s.error)
  const setApproved = usePreview((s) => s.setApproved)
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

  const src = shot?.mp4Path ? getClient().bridge.mediaUrl(shot.mp4Path) : null
  const poster = shot?.posterPath ? getClient().bridge.mediaUrl(shot.posterPath) : undefined
  const review = shot?.status === 'ready' ? (shot.approved ? 'approved' : 'awaiting review') : shot?.status
  return (
    <section className="panel preview" aria-label="Preview">
      <div className="panel-head">
        <h2>Preview</h2>
        {shot && <span className={`badge inline status-${shot.status === 'ready' && !shot.approved ? 'review' : shot.status}`}>{review}</span>}
        <span className="muted">Shot {shotId}</span>
      </div>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      <div className="preview-video">
        {src ? (
          <video key={src} src={src} poster={poster} controls autoPlay muted playsInline loop data-testid="preview-video" aria-label={`Preview of shot ${shotId}`} />
        ) : (
          <div className="video-empty">{shot?.status === 'failed' ? 'This shot failed: no video.' : 'No video yet — the shot is still being made.'}</div>
        )}
      </div>
      {shot && (
        <div className="preview-body">
          <div className="preview-actions">
            <button type="button" className="btn approve" disabled={shot.status !== 'ready' || shot.approved} onClick={() => void setApproved(true)}>
              ✓ Approve
            </button>
            <button type="button" className="btn reject" disabled={shot.status !== 'ready' || !shot.approved} onClick={() => void setApproved(false)}>
              ✕ Reject
            </button>
            <button type="button" className="btn" disabled={shot.status !== 'ready'} onClick={() => void insert([shot.id])}>
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
          </dl>
          {shot.error && <p className="error-text">{shot.error}</p>}
          <PromptEditor key={`${shot.id}:${shot.prompt}`} prompt={shot.prompt} seed={shot.seed} backend={shot.backend} />
        </div>
      )}
    </section>
  )
}

/** Keyed by shot and saved prompt, so it starts from the shot's prompt whenever either changes. */
function PromptEditor({ prompt, seed, backend }: { prompt: string; seed: number | null; backend: string | null }) {
  const savePrompt = usePreview((s) => s.savePrompt)
  const regenerate = useGeneration((s) => s.regenerate)
  const [draft, setDraft] = useState(prompt)
  const engine = backend === 'gradio' || backend?.startsWith('gradio') ? 'gradio' : 'offline'
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
          disabled={draft.trim().length < 3}
          title="Queue a new take of this shot; it joins the timeline when it is ready"
          onClick={() => void regenerate(draft, { backend: engine })}
        >
          {draft === prompt ? 'Regenerate' : 'Regenerate with edited prompt'}
        </button>
        {seed !== null && draft === prompt && (
          <button type="button" className="btn ghost" onClick={() => void regenerate(draft, { seed, backend: engine })} title="Same prompt and seed">
            Same seed
          </button>
        )}
      </div>
    </>
  )
}
