import { z } from 'zod'
import { StudioError } from '../../shared/contract/define'
import { HF_PROVIDERS } from '../../shared/contract/generation'
import type { VoiceSettingsDto } from '../../shared/contract/show'
import type { Library } from '../library/library'
import { VOICE_PROVIDER_IDS, voiceProvider } from '../voice/registry'
import { VOICE_ID, type VoiceProviderId, type VoiceSettings as ProviderVoiceSettings } from '../voice/types'
import { gatewaySettingsSchema, mergeGateway, type GatewayPatch, type GatewaySettings } from './hosted-gateway'

/** The stored voice settings: the providers' own, and the gateway of the hosted ones. */
export type VoiceSettings = ProviderVoiceSettings & GatewaySettings

/** The studio's voice (one for every channel for now), kept among the library's settings; its key in the secret store. */
export const VOICE_SETTING = 'voice.settings'
export const VOICE_KEY_SECRET = 'voice.apiKey'

/** A Hugging Face model id and a fal endpoint id, as the generation backends accept them. */
const HF_MODEL = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/
const FAL_ENDPOINT = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/

const settingsSchema = z.object({
  provider: z.enum(VOICE_PROVIDER_IDS as [VoiceProviderId, ...VoiceProviderId[]]).default('os'),
  openai: z.object({ baseUrl: z.string().url(), model: z.string().min(1) }).optional(),
  /** Hugging Face Inference Providers text-to-speech (the router picks the provider); the token is the backends' HF token. */
  hf: z.object({ provider: z.enum(HF_PROVIDERS).default('auto'), model: z.string().regex(HF_MODEL) }).optional(),
  /** A fal TTS endpoint; the key is the backends' fal key. */
  fal: z.object({ endpoint: z.string().regex(FAL_ENDPOINT).max(200) }).optional(),
  rate: z.number().min(0.5).max(2).optional(),
  /** The voice where a character or the narrator names none ('' = the provider's default). */
  voice: z.string().regex(VOICE_ID).optional(),
  ...gatewaySettingsSchema
})

export function getVoiceSettings(lib: Pick<Library, 'getSetting'>): VoiceSettings {
  const raw = lib.getSetting(VOICE_SETTING)
  const parsed = settingsSchema.safeParse(raw ? JSON.parse(raw) : {})
  return parsed.success ? parsed.data : { provider: 'os' }
}

export function setVoiceSettings(lib: Pick<Library, 'setSetting'>, input: unknown): VoiceSettings {
  const parsed = settingsSchema.parse(input)
  if (parsed.provider === 'openai' && !parsed.openai)
    throw new Error('The OpenAI-compatible voice needs a base URL and a model (e.g. http://127.0.0.1:8880/v1, kokoro).')
  lib.setSetting(VOICE_SETTING, JSON.stringify(parsed))
  return parsed
}

/** The settings as the UI sees them; the key only masked. */
export async function voiceSettingsDto(s: VoiceSettings, maskedKey: string | undefined): Promise<VoiceSettingsDto> {
  const os = voiceProvider({ provider: 'os' })
  return {
    provider: s.provider,
    osLabel: os.label,
    osMissing: await os.unavailable(),
    baseUrl: s.openai?.baseUrl ?? '',
    // The model of the provider chosen: the HF model id or the fal endpoint for those two.
    model:
      s.provider === 'hf'
        ? (s.hf?.model ?? '')
        : s.provider === 'fal'
          ? (s.fal?.endpoint ?? '')
          : (s.openai?.model ?? ''),
    voice: s.voice ?? '',
    rate: s.rate ?? 1,
    apiKey: maskedKey ?? null,
    gateway: s.gateway ?? '',
    keyToGateway: s.keyToGateway === true
  }
}

export interface VoicePatch extends GatewayPatch {
  provider?: VoiceProviderId | undefined
  baseUrl?: string | undefined
  model?: string | undefined
  voice?: string | undefined
  rate?: number | undefined
}

/**
 * A settings patch applied to the stored settings, checked field by field so a
 * refusal names the field: the server's URL and model are kept when the OS voice is
 * chosen (switching back finds them), and required only when the server speaks.
 */
export function mergeVoiceSettings(cur: VoiceSettings, patch: VoicePatch): VoiceSettings {
  const provider = patch.provider ?? cur.provider
  // "model" is the chosen provider's: the speech server's model, the HF model id or the fal endpoint; the others are kept.
  const modelOf = (p: VoiceProviderId): string | undefined => (provider === p ? patch.model : undefined)
  const baseUrl = (patch.baseUrl ?? cur.openai?.baseUrl ?? '').trim()
  const model = ((provider === 'os' ? patch.model : modelOf('openai')) ?? cur.openai?.model ?? '').trim()
  const hfModel = (modelOf('hf') ?? cur.hf?.model ?? '').trim()
  const falEndpoint = (modelOf('fal') ?? cur.fal?.endpoint ?? '').trim()
  if (provider === 'hf' && !HF_MODEL.test(hfModel))
    throw new StudioError(
      'invalid_input',
      hfModel
        ? `"${hfModel}" is not a Hugging Face model id: use owner/name, e.g. hexgrad/Kokoro-82M.`
        : 'The Hugging Face voice needs a text-to-speech model id (e.g. hexgrad/Kokoro-82M).',
      'model'
    )
  if (provider === 'fal' && !(FAL_ENDPOINT.test(falEndpoint) && falEndpoint.length <= 200))
    throw new StudioError(
      'invalid_input',
      falEndpoint
        ? `"${falEndpoint}" is not a fal endpoint id: use e.g. fal-ai/kokoro/american-english.`
        : 'The fal voice needs a text-to-speech endpoint id (e.g. fal-ai/kokoro/american-english).',
      'model'
    )
  const voice = (patch.voice ?? cur.voice ?? '').trim()
  if (baseUrl && !/^https?:\/\/[^\s/]+/i.test(baseUrl))
    throw new StudioError(
      'invalid_input',
      `"${baseUrl}" is not a server address: give an http(s) URL, e.g. http://127.0.0.1:8880/v1.`,
      'baseUrl'
    )
  if (provider === 'openai' && !baseUrl)
    throw new StudioError(
      'invalid_input',
      'The speech server needs its base URL (e.g. http://127.0.0.1:8880/v1).',
      'baseUrl'
    )
  if (provider === 'openai' && !model)
    throw new StudioError('invalid_input', 'The speech server needs a model (e.g. kokoro, tts-1).', 'model')
  if (!VOICE_ID.test(voice))
    throw new StudioError(
      'invalid_input',
      `"${voice}" is not a voice name: letters, digits and + - _ . only (e.g. alloy, en-us+f3).`,
      'voice'
    )
  return {
    provider,
    ...(baseUrl && model ? { openai: { baseUrl, model } } : {}),
    ...(hfModel ? { hf: { provider: cur.hf?.provider ?? 'auto', model: hfModel } } : {}),
    ...(falEndpoint ? { fal: { endpoint: falEndpoint } } : {}),
    ...((patch.rate ?? cur.rate) ? { rate: patch.rate ?? cur.rate } : {}),
    ...(voice ? { voice } : {}),
    ...mergeGateway(cur, patch)
  }
}
