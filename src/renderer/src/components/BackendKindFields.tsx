import { useState } from 'react'
import type { BackendConfig, ModelParams, StepBackend, StepName } from '../../../shared/contract/generation'
import { BACKEND_KINDS, backendConfigSchema, HF_PROVIDERS, kindsForStep } from '../../../shared/contract/generation'
import {
  backendConfigOf,
  GRADIO_PRESET_INFO,
  hasConfig,
  MODEL_PRESETS,
  modelPreset
} from '../../../shared/backend-presets'

/** The kinds a step can run on, as the "Runs on" picker shows them (from the contract's table of kinds). */
export function kindOptions(step: StepName): Array<{ value: StepBackend['backend']; label: string }> {
  return kindsForStep(step, { pickable: true }).map((k) => ({ value: k, label: BACKEND_KINDS[k].label }))
}

/** Replace (or add) the entry of one kind in a step's configs. */
function withConfig(step: StepBackend, cfg: BackendConfig): Partial<StepBackend> {
  return { configs: [...(step.configs ?? []).filter((c) => c.kind !== cfg.kind), cfg] }
}

const NUM_FIELDS: Array<{
  key: Exclude<keyof ModelParams, 'extra' | 'negativePrompt' | 'resolution'>
  label: string
  step?: number
  music?: boolean
  video?: boolean
}> = [
  { key: 'frames', label: 'Frames', video: true },
  { key: 'fps', label: 'FPS', video: true },
  { key: 'steps', label: 'Steps' },
  { key: 'guidance', label: 'Guidance', step: 0.1, video: true },
  { key: 'seconds', label: 'Seconds per call', music: true },
  { key: 'seed', label: 'Fixed seed (empty: per shot)' }
]

/** The fields of the kind a step runs on: presets, model/endpoint, parameters, gateway and its key switch. */
export function BackendKindFields({
  step,
  value,
  onChange
}: {
  step: StepName
  value: StepBackend
  onChange: (p: Partial<StepBackend>) => void
}) {
  const id = (f: string): string => `${step}-${f}`
  if (value.backend === 'gradio') {
    return (
      <>
        <label className="field compact">
          <span>Preset</span>
          <select value={value.preset} onChange={(e) => onChange({ preset: e.target.value as StepBackend['preset'] })}>
            {Object.entries(GRADIO_PRESET_INFO).map(([pid, p]) => (
              <option key={pid} value={pid}>
                {p.label}
                {p.legacy ? ' (legacy)' : ''}
              </option>
            ))}
          </select>
        </label>
        {GRADIO_PRESET_INFO[value.preset]?.legacy && (
          <p className="muted small">
            Legacy: {GRADIO_PRESET_INFO[value.preset]!.note}. Inference Providers or fal run today&apos;s models.
          </p>
        )}
        <label className="switch small">
          <input
            type="checkbox"
            checked={value.tokenToCustomHost === true}
            onChange={(e) => onChange({ tokenToCustomHost: e.target.checked })}
          />{' '}
          Send my Hugging Face token to self-hosted Spaces (URLs outside huggingface.co; never over plain http to
          another machine)
        </label>
      </>
    )
  }
  if (value.backend !== 'hf-inference' && value.backend !== 'fal') {
    // A newer kind without a form of its own: its settings as JSON, checked against the contract's schema.
    return hasConfig(value.backend) ? (
      <ConfigJsonField key={value.backend} step={step} value={value} onChange={onChange} />
    ) : null
  }
  const cfg = backendConfigOf(value, value.backend, step)
  const set = (c: BackendConfig): void => onChange(withConfig(value, c))
  const presets = MODEL_PRESETS.filter((p) => p.step === (step === 'music' ? 'music' : 'video'))
  const setParam = (key: keyof ModelParams, raw: string): void => {
    const params: ModelParams = { ...cfg.params }
    if (raw === '') delete params[key]
    else if (key === 'negativePrompt' || key === 'resolution') params[key] = raw
    else if (key !== 'extra') params[key] = Number(raw)
    set({ ...cfg, params })
  }
  const gatewayOn = cfg.kind === 'fal' ? cfg.keyToGateway === true : cfg.tokenToGateway === true
  return (
    <div className="provider-fields" data-testid={`${step}-provider-fields`}>
      <div className="field-row wrap">
        <label className="field compact">
          <span>Preset</span>
          <select
            aria-label={`${step} model preset`}
            value={modelPreset(cfg.preset) ? cfg.preset : 'custom'}
            onChange={(e) => {
              const p = modelPreset(e.target.value)
              if (!p) return set({ ...cfg, preset: 'custom' })
              set(
                cfg.kind === 'fal'
                  ? { ...cfg, preset: p.id, endpoint: p.falEndpoint, params: { ...p.params } }
                  : { ...cfg, preset: p.id, model: p.hfModel, params: { ...p.params } }
              )
            }}
          >
            {presets.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label}
              </option>
            ))}
            <option value="custom">Custom</option>
          </select>
        </label>
        {cfg.kind === 'hf-inference' ? (
          <>
            <label className="field compact">
              <span>Provider</span>
              <select
                value={cfg.provider}
                onChange={(e) => set({ ...cfg, provider: e.target.value as (typeof HF_PROVIDERS)[number] })}
              >
                {HF_PROVIDERS.map((p) => (
                  <option key={p} value={p}>
                    {p}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span>Model id</span>
              <input
                id={id('model')}
                type="text"
                value={cfg.model}
                onChange={(e) => set({ ...cfg, model: e.target.value.trim(), preset: 'custom' })}
                placeholder="Wan-AI/Wan2.2-TI2V-5B"
              />
            </label>
          </>
        ) : (
          <label className="field">
            <span>Endpoint id</span>
            <input
              id={id('endpoint')}
              type="text"
              value={cfg.endpoint}
              onChange={(e) => set({ ...cfg, endpoint: e.target.value.trim(), preset: 'custom' })}
              placeholder="fal-ai/wan/v2.2-5b/text-to-video"
            />
          </label>
        )}
      </div>
      <div className="field-row wrap">
        {NUM_FIELDS.filter((f) => (step === 'music' ? !f.video : !f.music)).map((f) => (
          <label key={f.key} className="field compact">
            <span>{f.label}</span>
            <input
              type="number"
              step={f.step ?? 1}
              value={cfg.params[f.key] ?? ''}
              onChange={(e) => setParam(f.key, e.target.value)}
            />
          </label>
        ))}
        {step !== 'music' && (
          <label className="field compact">
            <span>Resolution</span>
            <input
              type="text"
              value={cfg.params.resolution ?? ''}
              onChange={(e) => setParam('resolution', e.target.value)}
              placeholder="720p"
            />
          </label>
        )}
        <label className="field compact">
          <span>At once</span>
          <input
            type="number"
            min={1}
            max={16}
            value={cfg.concurrency}
            onChange={(e) => set({ ...cfg, concurrency: Math.max(1, Math.min(16, Number(e.target.value) || 1)) })}
          />
        </label>
      </div>
      {step !== 'music' && (
        <label className="field">
          <span>Negative prompt</span>
          <input
            type="text"
            value={cfg.params.negativePrompt ?? ''}
            onChange={(e) => setParam('negativePrompt', e.target.value)}
          />
        </label>
      )}
      <details>
        <summary className="small">Self-hosted gateway</summary>
        <label className="field">
          <span>Gateway URL (empty: {cfg.kind === 'fal' ? 'queue.fal.run' : 'router.huggingface.co'})</span>
          <input
            type="url"
            value={cfg.gateway ?? ''}
            onChange={(e) => {
              const v = e.target.value.trim()
              const next = { ...cfg, gateway: v }
              if (!v) delete (next as { gateway?: string }).gateway
              set(next)
            }}
            placeholder="https://gateway.example.org"
          />
        </label>
        <label className="switch small">
          <input
            type="checkbox"
            checked={gatewayOn}
            onChange={(e) =>
              set(
                cfg.kind === 'fal'
                  ? { ...cfg, keyToGateway: e.target.checked }
                  : { ...cfg, tokenToGateway: e.target.checked }
              )
            }
          />{' '}
          Send my {cfg.kind === 'fal' ? 'fal key' : 'Hugging Face token'} to this gateway (off by default; never over
          plain http to another machine)
        </label>
      </details>
    </div>
  )
}

/** The settings of a kind that keeps them in `configs` and has no form of its own (e.g. RunPod), edited as JSON. */
function ConfigJsonField({
  step,
  value,
  onChange
}: {
  step: StepName
  value: StepBackend
  onChange: (p: Partial<StepBackend>) => void
}) {
  const kind = value.backend
  const cfg = hasConfig(kind) ? backendConfigOf(value, kind, step) : undefined
  const [text, setText] = useState(() => {
    if (!cfg) return ''
    const { kind: _kind, ...rest } = cfg
    void _kind
    return JSON.stringify(rest, null, 2)
  })
  const [problem, setProblem] = useState<string | null>(null)
  if (!cfg) return null
  function edit(next: string) {
    setText(next)
    let parsed: unknown
    try {
      parsed = JSON.parse(next)
    } catch (err) {
      setProblem(`Not JSON: ${err instanceof Error ? err.message : String(err)}`)
      return
    }
    const ok = backendConfigSchema.safeParse({ ...(parsed as object), kind })
    if (!ok.success) {
      const i = ok.error.issues[0]!
      setProblem(`${i.path.join('.') || 'value'}: ${i.message}`)
      return
    }
    setProblem(null)
    onChange(withConfig(value, ok.data))
  }
  return (
    <label className="field">
      <span>{BACKEND_KINDS[kind].label} settings (JSON)</span>
      <textarea
        rows={6}
        aria-label={`${step} ${kind} settings`}
        value={text}
        spellCheck={false}
        onChange={(e) => edit(e.target.value)}
      />
      {problem && (
        <span className="field-error" role="alert">
          {problem}
        </span>
      )}
    </label>
  )
}
