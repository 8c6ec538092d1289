import { useState, type FormEvent } from 'react'
import type { BackendKind, JobDto, JobState } from '../../../shared/contract/generation'
import { formatEta } from '../lib/format'
import { useNow } from '../lib/use-now'
import { jobStepChips } from '../lib/job-steps'
import { useSelectedChannel } from '../stores/channels'
import { useGeneration } from '../stores/generation'
import { usePreview } from '../stores/preview'
import { ErrorNotice } from './ErrorNotice'

export function GenerationPanel() {
  const channel = useSelectedChannel()
  if (!channel) return <p className="empty">Create a channel to generate shots for it.</p>
  return (
    <div className="generation">
      <AutopilotSwitches />
      <WriteForm defaultTheme={channel.theme} />
      <DraftEditor />
      <JobList />
    </div>
  )
}

function AutopilotSwitches() {
  const ap = useGeneration((s) => s.autopilot)
  const setAutopilot = useGeneration((s) => s.setAutopilot)
  if (!ap) return null
  return (
    <section className="autopilot" aria-label="Autopilot">
      <label className="switch">
        <input
          type="checkbox"
          checked={ap.enabled}
          onChange={(e) => void setAutopilot({ enabled: e.target.checked })}
        />
        <span>
          Autopilot <span className="muted">— keeps {ap.minutesAhead} min ready ahead of the air</span>
        </span>
      </label>
      <label className="switch">
        <input
          type="checkbox"
          checked={ap.reviewPolicy === 'manual'}
          onChange={(e) => void setAutopilot({ reviewPolicy: e.target.checked ? 'manual' : 'auto' })}
        />
        <span>
          Hold new shots for review{' '}
          <span className="muted">
            —{' '}
            {ap.reviewPolicy === 'manual'
              ? 'you approve each shot before it airs'
              : 'shots air as soon as they are ready'}
          </span>
        </span>
      </label>
      <p className="muted small">
        Ready ahead of the air: {formatEta(ap.runwaySeconds) || '0 s'}
        {ap.enabled && !ap.theme && ' · set a channel theme below for the autopilot to write from'}
      </p>
      {ap.lastError && <p className="error-text">Autopilot: {ap.lastError}</p>}
    </section>
  )
}

function WriteForm({ defaultTheme }: { defaultTheme: string }) {
  const write = useGeneration((s) => s.write)
  const writing = useGeneration((s) => s.writing)
  const writeError = useGeneration((s) => s.writeError)
  const hasDraft = useGeneration((s) => s.draft !== null)
  const [theme, setTheme] = useState(defaultTheme)
  const [count, setCount] = useState(4)
  const [writer, setWriter] = useState<'template' | 'llm'>('template')

  function submit(e: FormEvent) {
    e.preventDefault()
    void write({ theme: theme.trim(), count, writer })
  }
  if (hasDraft) return null
  return (
    <form className="write-form" onSubmit={submit} aria-label="Write shot prompts">
      <label className="field">
        <span>Theme</span>
        <textarea
          rows={2}
          value={theme}
          onChange={(e) => setTheme(e.target.value)}
          placeholder="e.g. a lighthouse keeper's night, stormy sea, warm lamp light"
          maxLength={2000}
        />
      </label>
      <div className="field-row">
        <label className="field compact">
          <span>Shots</span>
          <input
            type="number"
            min={1}
            max={50}
            value={count}
            onChange={(e) => setCount(Math.max(1, Math.min(50, Number(e.target.value) || 1)))}
          />
        </label>
        <label className="field compact grow">
          <span>Writer</span>
          <select value={writer} onChange={(e) => setWriter(e.target.value as 'template' | 'llm')}>
            <option value="template">Offline template</option>
            <option value="llm">LLM (Settings)</option>
          </select>
        </label>
      </div>
      <ErrorNotice message={writeError} />
      <button type="submit" className="btn primary" disabled={writing || theme.trim().length < 3}>
        {writing ? 'Writing prompts…' : 'Write prompts'}
      </button>
    </form>
  )
}

function DraftEditor() {
  const draft = useGeneration((s) => s.draft)
  const sending = useGeneration((s) => s.sending)
  const editShot = useGeneration((s) => s.editShot)
  const editDraft = useGeneration((s) => s.editDraft)
  const removeShot = useGeneration((s) => s.removeShot)
  const addShot = useGeneration((s) => s.addShot)
  const discard = useGeneration((s) => s.discardDraft)
  const send = useGeneration((s) => s.send)
  const [backend, setBackend] = useState<BackendKind>('offline')
  const [music, setMusic] = useState(true)
  if (!draft) return null
  const tooShort = draft.shots.some((s) => s.prompt.trim().length < 3)
  return (
    <section className="draft" aria-label="Prompts to send">
      <div className="draft-head">
        <h3>
          {draft.shots.length} prompts <span className="muted">by {draft.writer}</span>
        </h3>
      </div>
      {draft.warnings.length > 0 && (
        <ul className="warnings">
          {draft.warnings.map((w, i) => (
            <li key={i}>{w}</li>
          ))}
        </ul>
      )}
      <label className="field">
        <span>Style (repeated in every shot)</span>
        <textarea rows={2} value={draft.style} onChange={(e) => editDraft({ style: e.target.value })} />
      </label>
      <ol className="draft-shots">
        {draft.shots.map((s, i) => (
          <li key={s.key}>
            <label className="field">
              <span>
                Shot {i + 1}
                {s.seed !== undefined ? ` · seed ${s.seed}` : ''}
              </span>
              <textarea
                rows={3}
                value={s.prompt}
                onChange={(e) => editShot(s.key, e.target.value)}
                aria-label={`Prompt of shot ${i + 1}`}
              />
            </label>
            <button
              type="button"
              className="btn small ghost"
              onClick={() => removeShot(s.key)}
              aria-label={`Remove shot ${i + 1}`}
            >
              Remove
            </button>
          </li>
        ))}
      </ol>
      <button type="button" className="btn small" onClick={addShot}>
        + Add a shot
      </button>
      <div className="field-row wrap">
        <label className="field compact">
          <span>Render with</span>
          <select value={backend} onChange={(e) => setBackend(e.target.value as BackendKind)}>
            <option value="offline">Offline generator</option>
            <option value="gradio">Gradio Spaces (Settings)</option>
            <option value="hf-inference">HF Inference Providers (Settings)</option>
            <option value="fal">fal (Settings)</option>
            <option value="comfyui">ComfyUI servers (Settings)</option>
          </select>
        </label>
        <label className="switch small">
          <input type="checkbox" checked={music} onChange={(e) => setMusic(e.target.checked)} /> Music
        </label>
      </div>
      {tooShort && <p className="warn-text">Every prompt needs a few words.</p>}
      <div className="field-row">
        <button
          type="button"
          className="btn primary"
          disabled={sending || tooShort || draft.shots.length === 0}
          onClick={() => void send({ backend, music })}
        >
          {sending ? 'Sending…' : `Send ${draft.shots.length} to the queue`}
        </button>
        <button type="button" className="btn ghost" onClick={discard}>
          Discard
        </button>
      </div>
    </section>
  )
}

const ACTIVE: JobState[] = ['queued', 'running', 'upscaling', 'interpolating', 'conforming']

export function JobList() {
  const jobs = useGeneration((s) => s.jobs)
  const anyActive = jobs.some((j) => ACTIVE.includes(j.state))
  const now = useNow(1000, anyActive || jobs.some((j) => j.retryAt !== null))
  if (jobs.length === 0) return <p className="muted small jobs-empty">No jobs yet for this channel.</p>
  const active = jobs.filter((j) => ACTIVE.includes(j.state)).length
  return (
    <section className="jobs" aria-label="Jobs">
      <h3>
        Jobs <span className="muted">{active > 0 ? `${active} in progress` : 'all done'}</span>
      </h3>
      <ul>
        {jobs.map((j) => (
          <JobRow key={j.id} job={j} now={now} />
        ))}
      </ul>
    </section>
  )
}

function JobRow({ job, now }: { job: JobDto; now: number }) {
  const cancel = useGeneration((s) => s.cancel)
  const retry = useGeneration((s) => s.retry)
  const openPreview = usePreview((s) => s.open)
  const active = ACTIVE.includes(job.state)
  const chips = jobStepChips(job)
  const stepIndex = chips.findIndex((s) => s.state === job.state)
  const waitingRetry = job.retryAt !== null && job.retryAt > now
  return (
    <li className={`job job-${job.state}`} data-testid="job" data-state={job.state}>
      <div className="job-head">
        <span className={`job-state ${job.state}`}>{job.state}</span>
        <span className="job-title" title={job.prompt}>
          {job.kind === 'music' ? '♪ Music for the sequence' : `#${job.index + 1} ${job.prompt}`}
        </span>
      </div>
      {active && (
        <div className="job-steps" aria-label={`Job ${job.id} progress`}>
          {job.kind === 'shot' &&
            chips.map((s, i) => (
              <span key={s.state} className={`step ${i < stepIndex ? 'done' : i === stepIndex ? 'current' : ''}`}>
                {s.label}
              </span>
            ))}
          <progress
            max={100}
            value={job.state === 'queued' ? 0 : job.percent}
            aria-label={`${job.step ?? job.state} ${Math.round(job.percent)} %`}
          />
          <span className="muted small">
            {job.state === 'queued'
              ? job.queuePosition !== null
                ? `#${job.queuePosition} in queue`
                : 'queued'
              : `${job.step ?? job.state} ${Math.round(job.percent)} %`}
            {job.state !== 'queued' && job.queuePosition !== null && ` · #${job.queuePosition} in the provider's queue`}
            {job.etaSeconds !== null && ` · ETA ${formatEta(job.etaSeconds)}`}
            {job.runsOn && !(job.step ?? '').includes(job.runsOn) && ` · on ${job.runsOn}`}
            {waitingRetry && ` · retry ${job.attempts + 1} in ${Math.ceil((job.retryAt! - now) / 1000)} s`}
            {job.endpoint && <span data-testid="job-endpoint"> · on {job.endpoint}</span>}
          </span>
        </div>
      )}
      {job.error && (job.state === 'failed' || waitingRetry) && <p className="error-text small">{job.error}</p>}
      <div className="job-actions">
        {job.attempts > 1 && <span className="muted small">attempt {job.attempts}</span>}
        {job.state === 'ready' && job.shotId !== null && (
          <button type="button" className="btn small" onClick={() => void openPreview(job.shotId!)}>
            Preview
          </button>
        )}
        {active && (
          <button type="button" className="btn small ghost" onClick={() => void cancel(job.id)}>
            Cancel
          </button>
        )}
        {(job.state === 'failed' || job.state === 'canceled') && (
          <button type="button" className="btn small" onClick={() => void retry(job.id)}>
            Retry
          </button>
        )}
      </div>
    </li>
  )
}
