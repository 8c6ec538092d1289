import { z } from 'zod'
import type { Library } from '../library/library'
import { VOICE_PROVIDER_IDS } from '../voice/registry'
import type { VoiceProviderId, VoiceSettings } from '../voice/types'

/** The studio's voice (one for every channel for now), kept among the library's settings; its key in the secret store. */
export const VOICE_SETTING = 'voice.settings'
export const VOICE_KEY_SECRET = 'voice.apiKey'

const settingsSchema = z.object({
  provider: z.enum(VOICE_PROVIDER_IDS as [VoiceProviderId, ...VoiceProviderId[]]).default('os'),
  openai: z.object({ baseUrl: z.string().url(), model: z.string().min(1) }).optional(),
  rate: z.number().min(0.5).max(2).optional()
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
