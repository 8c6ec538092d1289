import { useEffect, useState, type FormEvent } from 'react'
import type { ComfyEndpoint, ComfyStep, ComfyWorkflowId, TakeOrigin } from '../../../shared/contract/comfyui'
import type { StepName } from '../../../shared/contract/generation'
import { useComfy } from '../stores/comfy'
import { SecretInput } from './SecretInput'

const HEALTH_POLL_MS = 3000

/** The channel's ComfyUI GPU servers: address, prompts at once, token switch, and health as the workers see it. */
export function ComfyServers({ channelId }: { channelId: number }) {
  const load = useComfy((s) => s.load)
  const endpoints = useComfy((s) => s.endpoints)
  useEffect(() => {
    void load(channelId)
    const t = setInterval(() => void useComfy.getState().refreshStatus(), HEALTH_POLL_MS)
    return () => clearInterval(t)
  }, [channelId, load])
  return <ComfyForm key={JSON.stringify(endpoints)} />
}

function ComfyForm() {
  const saved = useComfy((s) => s.endpoints)
  const status = useComfy((s) => s.status)
  const token = useComfy((s) => s.token)
  const save = useComfy((s) => s.saveEndpoints)
  const [rows, setRows] = useState<ComfyEndpoint[]>(saved)
  const [adding, setAdding] = useState('')
  const [newToken, setNewToken] = useState('')
  function update(i: number, p: Partial<ComfyEndpoint>) {
    setRows(rows.map((r, j) => (j === i ? { ...r, ...p } : r)))
  }
  function submit(e: FormEvent) {
    e.preventDefault()
    const next = adding.trim() ? [...rows, { url: adding.trim(), concurrency: 2, sendToken: false }] : rows
    void save(next, newToken || undefined).then((ok) => {
      if (ok) {
        setAdding('')
        setNewToken('')
      }
    })
  }
  return (
    <form className="panel settings-card" onSubmit={submit} aria-label="ComfyUI servers">
      <div className="panel-head">
        <h2>ComfyUI servers</h2>
      </div>
      <div className="settings-body">
        <p className="muted small">
          GPUs running ComfyUI. Steps set to ComfyUI spread their jobs over these; a server that stops answering is
          taken out and tried again until it is back.
        </p>
        {rows.length === 0 && <p className="empty">No server yet.</p>}
        <ul className="test-results" aria-label="ComfyUI server list">
          {rows.map((r, i) => {
            const s = status.find((x) => x.url === r.url)
            const state = s?.state ?? 'unknown'
            return (
              <li
                key={r.url}
                className={state === 'up' ? 'ok' : state === 'down' ? 'bad' : ''}
                data-testid="comfy-server"
                data-state={state}
              >
                <div className="field-row wrap">
                  <strong className="grow" style={{ wordBreak: 'break-all' }}>
                    {state === 'up' ? '✓' : state === 'down' ? '✕' : '?'} {r.url}
                  </strong>
                  <label className="field compact">
                    <span>At once</span>
                    <input
                      type="number"
                      min={1}
                      max={8}
                      value={r.concurrency}
                      onChange={(e) =>
                        update(i, { concurrency: Math.max(1, Math.min(8, Number(e.target.value) || 1)) })
                      }
                      style={{ width: 52 }}
                    />
                  </label>
                  <label className="switch small">
                    <input
                      type="checkbox"
                      checked={r.sendToken}
                      onChange={(e) => update(i, { sendToken: e.target.checked })}
                    />{' '}
                    Send token
                  </label>
                  <button
                    type="button"
                    className="btn small"
                    onClick={() => setRows(rows.filter((_, j) => j !== i))}
                    aria-label={`Remove ${r.url}`}
                  >
                    Remove
                  </button>
                </div>
                <span className="muted small">
                  {state === 'unknown'
                    ? 'not used yet (Test connection checks it)'
                    : state === 'up'
                      ? `up · ${s!.running} running`
                      : `down${s!.retryAt ? ` · next try at ${new Date(s!.retryAt).toLocaleTimeString()}` : ''}`}
                  {s?.lastError && state === 'down' ? ` · ${s.lastError}` : ''}
                </span>
              </li>
            )
          })}
        </ul>
        <label className="field">
          <span>Add a server</span>
          <input
            value={adding}
            onChange={(e) => setAdding(e.target.value)}
            placeholder="http://192.168.1.20:8188"
            spellCheck={false}
          />
        </label>
        <SecretInput
          id="comfyui-token"
          label={`Token for a GPU gateway${token ? ` (stored: ${token})` : ' (none stored)'} — sent only to servers with "Send token", over https or to this computer`}
          value={newToken}
          onChange={setNewToken}
          placeholder="(leave empty to keep)"
        />
        <div className="field-row">
          <button type="submit" className="btn primary">
            Save servers
          </button>
        </div>
      </div>
    </form>
  )
}

const VIDEO_WORKFLOWS: Array<[ComfyWorkflowId, string]> = [
  ['wan22-t2v', 'Wan 2.2 5B text-to-video'],
  ['wan22-i2v', 'Wan 2.2 5B image-to-video'],
  ['custom', 'My workflow (API format)']
]
const MUSIC_WORKFLOWS: Array<[ComfyWorkflowId, string]> = [
  ['ace-step', 'ACE-Step music'],
  ['custom', 'My workflow (API format)']
]

/** Which workflow a step runs on ComfyUI; a custom one is pasted as exported with "Export (API)", with its mapping. */
export function ComfyWorkflowField({
  step,
  value,
  onChange
}: {
  step: StepName
  value: ComfyStep | undefined
  onChange: (v: ComfyStep) => void
}) {
  const current = value ?? { workflow: step === 'music' ? 'ace-step' : 'wan22-t2v' }
  const [graph, setGraph] = useState(current.custom ? JSON.stringify(current.custom.graph) : '')
  const [mapping, setMapping] = useState(
    current.custom
      ? JSON.stringify(current.custom.mapping)
      : '{"prompt":["6.text"],"seed":["3.seed"],"length":["55.length"]}'
  )
  const [problem, setProblem] = useState<string | null>(null)
  function setCustom(g: string, m: string) {
    setGraph(g)
    setMapping(m)
    try {
      onChange({
        ...current,
        workflow: 'custom',
        custom: { graph: JSON.parse(g) as never, mapping: JSON.parse(m) as never }
      })
      setProblem(null)
    } catch {
      setProblem(
        'Paste valid JSON: the workflow from ComfyUI\'s "Export (API)", and a mapping like {"prompt":["6.text"],"seed":["3.seed"]}.'
      )
    }
  }
  if (step === 'upscale' || step === 'interpolate')
    return <p className="error-text small">This step cannot run on ComfyUI yet.</p>
  return (
    <div className="field-row wrap">
      <label className="field compact">
        <span>Workflow</span>
        <select
          value={current.workflow}
          onChange={(e) => onChange({ ...current, workflow: e.target.value as ComfyWorkflowId })}
        >
          {(step === 'music' ? MUSIC_WORKFLOWS : VIDEO_WORKFLOWS).map(([id, label]) => (
            <option key={id} value={id}>
              {label}
            </option>
          ))}
        </select>
      </label>
      {step === 'video' && (
        <label className="field compact">
          <span>Seconds</span>
          <input
            type="number"
            min={0.5}
            max={60}
            step={0.5}
            value={current.seconds ?? ''}
            placeholder="5"
            onChange={(e) =>
              onChange({
                ...current,
                ...(e.target.value ? { seconds: Number(e.target.value) } : { seconds: undefined })
              })
            }
            style={{ width: 64 }}
          />
        </label>
      )}
      {current.workflow === 'custom' && (
        <>
          <label className="field">
            <span>Workflow (API format JSON)</span>
            <textarea rows={3} value={graph} onChange={(e) => setCustom(e.target.value, mapping)} spellCheck={false} />
          </label>
          <label className="field">
            <span>Mapping: node inputs for prompt, seed, length, startImage</span>
            <textarea rows={2} value={mapping} onChange={(e) => setCustom(graph, e.target.value)} spellCheck={false} />
          </label>
          {problem && <p className="error-text small">{problem}</p>}
        </>
      )}
    </div>
  )
}

/**
 * Lines under a take: where it was made and whether it continued from the previous shot;
 * and, for a narrated shot, how its clip was made as long as its line (continued ×N from
 * the last frame, slowed or held: generation/extend.ts).
 */
export function TakeOriginLine({ origin }: { origin: TakeOrigin | undefined }) {
  if (!origin) return null
  const where = !!(origin.endpoint || origin.continuedFrom || origin.continuityNote)
  return (
    <>
      {where && (
        <div className="muted small" data-testid="take-origin">
          {origin.workflow && `${origin.workflow}`}
          {origin.endpoint && ` on ${origin.endpoint}`}
          {origin.continuedFrom && <span className="badge inline"> continues shot #{origin.continuedFrom.shotId}</span>}
          {!origin.continuedFrom && origin.continuityNote && ` · ${origin.continuityNote}`}
        </div>
      )}
      {origin.lengthNote && (
        <div className="muted small" data-testid="take-length" title="How the clip was made as long as its line">
          Length: {origin.lengthNote}
        </div>
      )}
    </>
  )
}
