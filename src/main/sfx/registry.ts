import { comfyEffect, comfyEffectWhere, EFFECT_WORKFLOW } from './comfy-effect'
import { falEffect, falEffectWhere } from './fal-effect'
import { hfEffect, hfEffectWhere } from './hf-effect'
import { synthEffect } from './offline-synth'
import {
  EffectError,
  type EffectProvider,
  type EffectProviderId,
  type EffectRequest,
  type EffectSettings
} from './types'

/** The offline synth's version: part of its files' key, so a change to its sounds makes them anew. */
const SYNTH_VERSION = 'synth-1'

/** One row per provider: how to build it from the settings. */
const PROVIDERS: Record<EffectProviderId, (s: EffectSettings) => EffectProvider> = {
  offline: () => ({
    id: 'offline',
    label: 'Offline synth (no account)',
    key: SYNTH_VERSION,
    unavailable: async () => null,
    make: synthEffect
  }),
  hf: (s) => {
    const h = s.hf
    return {
      id: 'hf',
      label: h ? hfEffectWhere(h) : 'Hugging Face Inference text-to-audio',
      key: h ? `hf|${h.provider}|${h.model}` : 'hf',
      unavailable: async () =>
        !h
          ? 'No Hugging Face text-to-audio model is set: give one (e.g. stabilityai/stable-audio-open-1.0).'
          : h.token
            ? null
            : 'No Hugging Face token is set: paste one in Settings → Backends.',
      make: (req: EffectRequest, dir: string, signal?: AbortSignal) => {
        if (!h) throw new EffectError('No Hugging Face text-to-audio model is set.')
        return hfEffect(h, req, dir, signal)
      }
    }
  },
  fal: (s) => {
    const f = s.fal
    return {
      id: 'fal',
      label: f ? falEffectWhere(f) : 'fal text-to-audio',
      key: f ? `fal|${f.endpoint}` : 'fal',
      unavailable: async () =>
        !f
          ? 'No fal text-to-audio endpoint is set: give one (e.g. fal-ai/stable-audio).'
          : f.key
            ? null
            : 'No fal key is set: paste one in Settings → Backends.',
      make: (req: EffectRequest, dir: string, signal?: AbortSignal) => {
        if (!f) throw new EffectError('No fal text-to-audio endpoint is set.')
        return falEffect(f, req, dir, signal)
      }
    }
  },
  comfyui: (s) => {
    const c = s.comfyui ?? { servers: [] }
    return {
      id: 'comfyui',
      label: c.servers.length ? comfyEffectWhere(c) : `ComfyUI ${EFFECT_WORKFLOW.label}`,
      // Any server runs the same workflow: the effect depends on the workflow, not on where it ran.
      key: `comfyui|${EFFECT_WORKFLOW.id}`,
      unavailable: async () =>
        c.servers.length
          ? null
          : 'No ComfyUI server is listed: add one to a channel under Settings → ComfyUI servers (webtv comfy add URL --channel NAME).',
      make: (req: EffectRequest, dir: string, signal?: AbortSignal) => comfyEffect(c, req, dir, signal)
    }
  },
  off: () => ({
    id: 'off',
    label: 'No sound effects',
    key: 'off',
    unavailable: async () => 'Sound effects are off (webtv show effects --provider offline turns them on).',
    make: () => Promise.reject(new EffectError('Sound effects are off.'))
  })
}

export const EFFECT_PROVIDER_IDS = Object.keys(PROVIDERS) as EffectProviderId[]

export function effectProvider(settings: EffectSettings): EffectProvider {
  return PROVIDERS[settings.provider](settings)
}
