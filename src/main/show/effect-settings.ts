import { z } from 'zod'
import { StudioError } from '../../shared/contract/define'
import { HF_PROVIDERS, type BackendSettings } from '../../shared/contract/generation'
import type { EffectSettingsDto } from '../../shared/contract/show'
import { comfyToken } from '../generation/comfyui/backend'
import { FAL_KEY_SECRET, HF_TOKEN_SECRET } from '../generation/settings'
import type { Library } from '../library/library'
import { EFFECT_PROVIDER_IDS, effectProvider } from '../sfx/registry'
import type { EffectProvider, EffectProviderId, EffectSettings as ProviderEffectSettings } from '../sfx/types'
import {
  falGateway,
  gatewaySettingsSchema,
  hfGateway,
  mergeGateway,
  type GatewayPatch,
  type GatewaySettings
} from './hosted-gateway'

/** The stored effect settings: the providers' own, and the gateway of the hosted ones. */
export type EffectSettings = ProviderEffectSettings & GatewaySettings

/** The studio's sound effects (one choice for every channel, like the voice), kept among the library's settings. */
export const EFFECT_SETTING = 'sfx.settings'

/** A Hugging Face model id and a fal endpoint id, as the generation backends accept them. */
const HF_MODEL = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/
const FAL_ENDPOINT = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/

const settingsSchema = z.object({
  provider: z.enum(EFFECT_PROVIDER_IDS as [EffectProviderId, ...EffectProviderId[]]).default('offline'),
  /** Hugging Face Inference Providers text-to-audio; the token is the backends' HF token. */
  hf: z.object({ provider: z.enum(HF_PROVIDERS).default('auto'), model: z.string().regex(HF_MODEL) }).optional(),
  /** A fal text-to-audio endpoint; the key is the backends' fal key. */
  fal: z.object({ endpoint: z.string().regex(FAL_ENDPOINT).max(200) }).optional(),
  ...gatewaySettingsSchema
})

export function getEffectSettings(lib: Pick<Library, 'getSetting'>): EffectSettings {
  const raw = lib.getSetting(EFFECT_SETTING)
  const parsed = settingsSchema.safeParse(raw ? JSON.parse(raw) : {})
  return parsed.success ? parsed.data : { provider: 'offline' }
}

export function setEffectSettings(lib: Pick<Library, 'setSetting'>, s: EffectSettings): EffectSettings {
  const parsed = settingsSchema.parse(s)
  lib.setSetting(EFFECT_SETTING, JSON.stringify(parsed))
  return parsed
}

export interface EffectPatch extends GatewayPatch {
  provider?: EffectProviderId | undefined
  /** The HF model id or the fal endpoint, for the provider chosen. */
  model?: string | undefined
}

/**
 * A patch applied to the stored settings, checked so a refusal names the field: the
 * model field belongs to the provider chosen (HF model id or fal endpoint), and the
 * other provider's model is kept, so switching back finds it.
 */
export function mergeEffectSettings(cur: EffectSettings, patch: EffectPatch): EffectSettings {
  const provider = patch.provider ?? cur.provider
  const model = patch.model?.trim()
  const hfModel = ((provider === 'hf' ? model : undefined) ?? cur.hf?.model ?? '').trim()
  const falEndpoint = ((provider === 'fal' ? model : undefined) ?? cur.fal?.endpoint ?? '').trim()
  if (model && provider !== 'hf' && provider !== 'fal')
    throw new StudioError(
      'invalid_input',
      `The ${provider} effects take no model: choose hf or fal with a model (e.g. --provider hf --model stabilityai/stable-audio-open-1.0).`,
      'model'
    )
  if (provider === 'hf' && !HF_MODEL.test(hfModel))
    throw new StudioError(
      'invalid_input',
      hfModel
        ? `"${hfModel}" is not a Hugging Face model id: use owner/name, e.g. stabilityai/stable-audio-open-1.0.`
        : 'Hugging Face effects need a text-to-audio model id (e.g. stabilityai/stable-audio-open-1.0).',
      'model'
    )
  if (provider === 'fal' && !(FAL_ENDPOINT.test(falEndpoint) && falEndpoint.length <= 200))
    throw new StudioError(
      'invalid_input',
      falEndpoint
        ? `"${falEndpoint}" is not a fal endpoint id: use e.g. fal-ai/stable-audio.`
        : 'fal effects need a text-to-audio endpoint id (e.g. fal-ai/stable-audio).',
      'model'
    )
  return {
    provider,
    ...(hfModel ? { hf: { provider: cur.hf?.provider ?? 'auto', model: hfModel } } : {}),
    ...(falEndpoint ? { fal: { endpoint: falEndpoint } } : {}),
    ...mergeGateway(cur, patch)
  }
}

type SettingsReader = Pick<Library, 'getSetting' | 'settingsWithPrefix'>
type Secrets = { get(name: string): Promise<string | undefined> }

/**
 * The ComfyUI servers an effect may run on. Servers are listed per channel (a channel's
 * generation backends' pool) while the effect settings are the studio's: the producing
 * channel's own servers come first, then the other channels' — so one GPU listed on one
 * channel serves every channel's effects, and a channel with its own GPUs keeps its effects
 * there. Without a channel (a sample from the Sound effects panel) every channel's, in stored order.
 */
export function effectComfyServers(lib: Pick<Library, 'settingsWithPrefix'>, channelId?: number): string[] {
  const rows = lib.settingsWithPrefix('generation.backends.')
  const own = `generation.backends.${channelId}`
  const ordered = [...rows.filter((r) => r.key === own), ...rows.filter((r) => r.key !== own)]
  const urls = ordered.flatMap((r) => {
    try {
      return ((JSON.parse(r.value) as Partial<BackendSettings>).comfyui?.endpoints ?? []).map((e) => e.url)
    } catch {
      return []
    }
  })
  return [...new Set(urls)]
}

/**
 * The effects provider the settings choose, with the studio's HF token, fal key or ComfyUI
 * token read only for the one chosen (the ComfyUI token only for a server marked "send token"
 * that the token policy allows). `channelId`: the channel the effects are made for.
 */
export async function effectProviderFor(
  lib: SettingsReader,
  secrets: Secrets,
  channelId?: number
): Promise<EffectProvider> {
  const s = getEffectSettings(lib)
  if (s.provider === 'comfyui') {
    const servers = await Promise.all(
      effectComfyServers(lib, channelId).map(async (url) => ({ url, token: await comfyToken(lib, secrets, url) }))
    )
    return effectProvider({ ...s, comfyui: { servers } })
  }
  if (s.provider === 'hf' && s.hf)
    return effectProvider({ ...s, hf: { ...s.hf, token: await secrets.get(HF_TOKEN_SECRET), ...hfGateway(s) } })
  if (s.provider === 'fal' && s.fal)
    return effectProvider({ ...s, fal: { ...s.fal, key: await secrets.get(FAL_KEY_SECRET), ...falGateway(s) } })
  return effectProvider(s)
}

/** The settings as the UI and the CLI see them (no key: the effects use the backends' own). */
export async function effectSettingsDto(lib: SettingsReader, secrets: Secrets): Promise<EffectSettingsDto> {
  const s = getEffectSettings(lib)
  const p = await effectProviderFor(lib, secrets)
  return {
    provider: s.provider,
    model: s.provider === 'hf' ? (s.hf?.model ?? '') : s.provider === 'fal' ? (s.fal?.endpoint ?? '') : '',
    label: p.label,
    missing: await p.unavailable(),
    gateway: s.gateway ?? '',
    keyToGateway: s.keyToGateway === true
  }
}
