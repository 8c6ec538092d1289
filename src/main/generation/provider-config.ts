import { StudioError } from '../../shared/contract/define'
import type { FalConfig, HfInferenceConfig, StepName } from '../../shared/contract/generation'
import { modelPreset } from '../../shared/backend-presets'
import { isLoopbackHost } from './token-policy'

/** The two model-provider kinds (HF Inference Providers, fal): presets of ours, an optional gateway. */
type ProviderConfig = HfInferenceConfig | FalConfig

/** A provider step that cannot work: a preset made for another step, a key sent in clear to another machine. */
export function checkProviderConfig(cfg: ProviderConfig, name: StepName, sendsKey: boolean): void {
  const preset = modelPreset(cfg.preset)
  if (preset && preset.step !== (name === 'music' ? 'music' : 'video')) {
    throw new StudioError(
      'invalid_input',
      `The preset "${preset.label}" makes ${preset.step}, not ${name}.`,
      `settings.${name}.configs`
    )
  }
  if (cfg.gateway && new URL(cfg.gateway).protocol === 'http:' && sendsKey) {
    if (!isLoopbackHost(new URL(cfg.gateway).hostname)) {
      throw new StudioError(
        'invalid_input',
        `The gateway ${cfg.gateway} is plain http on another machine: a key is never sent there. Serve it over https.`,
        `settings.${name}.configs`
      )
    }
  }
}

/** "fal fal-ai/wan/… [preset] (frames 81, fps 16) · 2 at once via …" */
export function describeProvider(what: string, cfg: ProviderConfig, sendsKey: boolean): string {
  const params = Object.entries(cfg.params)
    .filter(([k]) => k !== 'extra')
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(', ')
  const gw = cfg.gateway ? ` via ${cfg.gateway} (key ${sendsKey ? 'sent' : 'not sent'})` : ''
  return `${what} [${cfg.preset}]${params ? ` (${params})` : ''} · ${cfg.concurrency} at once${gw}`
}
