import { useEffect, useState, type FormEvent } from 'react'
import type { EffectSettingsDto } from '../../../shared/contract/show'
import { dataUrlToBlob } from '../lib/data-url'
import { useSettings } from '../stores/settings'

type Provider = EffectSettingsDto['provider']

/** One row per effects provider (the core's registry, src/main/sfx/registry.ts): its name here and its model field. */
const PROVIDERS: Record<Provider, { label: string; model?: { label: string; placeholder: string } }> = {
  offline: { label: 'Offline synth (no account)' },
  hf: {
    label: 'Hugging Face Inference (the HF token in Backends)',
    model: { label: 'Text-to-audio model', placeholder: 'stabilityai/stable-audio-open-1.0' }
  },
  fal: {
    label: 'fal (the fal key in Backends)',
    model: { label: 'fal text-to-audio endpoint', placeholder: 'fal-ai/stable-audio' }
  },
  comfyui: { label: "ComfyUI (Stable Audio on the channels' ComfyUI servers)" },
  off: { label: 'Off (shots get no effect)' }
}

export function EffectSettings() {
  const effects = useSettings((s) => s.effects)
  if (!effects) return null
  return <EffectForm key={JSON.stringify(effects)} />
}

/**
 * What makes a shot's sound effect from its cue. The hosted rows use the backends' HF
 * token or fal key, which this form never sees: the core says only what is missing.
 * "Test effect" plays a short effect the core makes with the saved settings.
 */
function EffectForm() {
  const effects = useSettings((s) => s.effects)!
  const save = useSettings((s) => s.saveEffects)
  const test = useSettings((s) => s.testEffect)
  const testing = useSettings((s) => s.testingEffect)
  const [provider, setProvider] = useState<Provider>(effects.provider)
  // Each hosted row keeps its own model while another is chosen; the saved one shows for the saved provider.
  const [models, setModels] = useState<Partial<Record<Provider, string>>>({ [effects.provider]: effects.model })
  const [cue, setCue] = useState('')
  const [sample, setSample] = useState<{ audio: string; caption: string } | null>(null)
  const row = PROVIDERS[provider]
  const model = models[provider] ?? ''
  const dirty = provider !== effects.provider || (row.model !== undefined && model !== effects.model)
  function submit(e: FormEvent) {
    e.preventDefault()
    void save({ provider, ...(row.model ? { model } : {}) })
  }
  // The sample plays from a blob: URL (the page's CSP allows blob: media, not data:); freed when replaced or gone.
  useEffect(() => (sample ? () => URL.revokeObjectURL(sample.audio) : undefined), [sample])
  async function runTest() {
    const r = await test(cue.trim() ? { cue: cue.trim() } : {})
    if (r)
      setSample({
        audio: URL.createObjectURL(dataUrlToBlob(r.audio)),
        caption: `${r.provider} · “${r.cue}” · ${r.seconds.toFixed(1)} s`
      })
  }
  return (
    <form className="panel settings-card" onSubmit={submit} aria-label="Sound effects">
      <div className="panel-head">
        <h2>Sound effects (shot cues)</h2>
      </div>
      <div className="settings-body">
        <label className="field">
          <span>Makes the effects</span>
          <select value={provider} onChange={(e) => setProvider(e.target.value as Provider)}>
            {(Object.keys(PROVIDERS) as Provider[]).map((id) => (
              <option key={id} value={id}>
                {PROVIDERS[id].label}
              </option>
            ))}
          </select>
        </label>
        {row.model && (
          <label className="field">
            <span>{row.model.label}</span>
            <input
              type="text"
              maxLength={200}
              value={model}
              onChange={(e) => setModels({ ...models, [provider]: e.target.value })}
              placeholder={row.model.placeholder}
            />
          </label>
        )}
        {!dirty && provider !== 'off' && effects.missing && <p className="warn-text small">{effects.missing}</p>}
        <label className="field">
          <span>Test cue</span>
          <input
            type="text"
            maxLength={120}
            value={cue}
            onChange={(e) => setCue(e.target.value)}
            placeholder="rain on a tin roof"
          />
        </label>
        <div className="field-row">
          <button type="submit" className="btn primary" disabled={!dirty}>
            Save effects
          </button>
          <button
            type="button"
            className="btn"
            disabled={testing || dirty || effects.provider === 'off'}
            title={
              dirty
                ? 'Save first: the test uses the saved settings'
                : effects.provider === 'off'
                  ? 'Sound effects are off'
                  : 'Make a short effect from the test cue'
            }
            onClick={() => void runTest()}
          >
            {testing ? 'Making…' : 'Test effect'}
          </button>
        </div>
        {sample && (
          <div className="field">
            <audio controls autoPlay src={sample.audio} aria-label="Effect sample" />
            <span className="muted small">{sample.caption}</span>
          </div>
        )}
      </div>
    </form>
  )
}
