import { z } from 'zod'
import { backendSettingsSchema, type BackendSettings } from '../../shared/contract/generation'
import type { Library } from '../library'

/** Secret-store names. Tokens and keys live only there: never in SQLite, logs or errors. */
export const HF_TOKEN_SECRET = 'generation.hf-token'
export const LLM_KEY_SECRET = 'generation.llm-key'
export const FAL_KEY_SECRET = 'generation.fal-key'
/** A bearer token for ComfyUI servers behind a gateway (rented GPUs); sent only to servers marked for it. */
export const COMFYUI_TOKEN_SECRET = 'generation.comfyui-token'

export const DEFAULT_BACKENDS: BackendSettings = {
  video: { enabled: true, backend: 'offline', preset: 'zeroscope-v2', spaces: ['hysts/zeroscope-v2'] },
  upscale: { enabled: false, backend: 'offline', preset: 'zeroscope-xl', spaces: [] },
  interpolate: { enabled: false, backend: 'offline', preset: 'film', spaces: [] },
  music: { enabled: true, backend: 'offline', preset: 'musicgen', spaces: [] },
  concurrencyPerCopy: 1,
  localConcurrency: 1,
  maxAttempts: 5,
  retryBaseMs: 2000,
  callTimeoutMs: 15 * 60_000,
  comfyui: { endpoints: [] },
  offline: { seconds: 3, width: 512, height: 288 }
}

const llmSchema = z.object({ baseUrl: z.string(), model: z.string(), enabled: z.boolean() })
export type LlmConfig = z.infer<typeof llmSchema>
export const DEFAULT_LLM: LlmConfig = { baseUrl: 'https://api.openai.com/v1', model: 'gpt-4o-mini', enabled: false }

const autopilotSchema = z.object({
  enabled: z.boolean(),
  minutesAhead: z.number(),
  shotsPerSequence: z.number().int(),
  theme: z.string(),
  /** How many sequences the autopilot has asked for (varies the prompts). */
  sequences: z.number().int().default(0),
  lastError: z.string().nullable().default(null)
})
export type AutopilotConfig = z.infer<typeof autopilotSchema>
export const DEFAULT_AUTOPILOT: AutopilotConfig = {
  enabled: false,
  minutesAhead: 10,
  shotsPerSequence: 4,
  theme: '',
  sequences: 0,
  lastError: null
}

const backendsKey = (channelId: number): string => `generation.backends.${channelId}`
const autopilotKey = (channelId: number): string => `generation.autopilot.${channelId}`
const LLM_KEY = 'generation.llm'

function readJson<T>(lib: Library, key: string, schema: z.ZodType<T>, fallback: T): T {
  const raw = lib.getSetting(key)
  if (raw === undefined) return fallback
  try {
    const parsed = schema.safeParse(JSON.parse(raw))
    // A setting written by another version that no longer fits: defaults rather than a broken channel.
    return parsed.success ? parsed.data : fallback
  } catch {
    return fallback
  }
}

export function getBackends(lib: Library, channelId: number): BackendSettings {
  const stored = readJson(lib, backendsKey(channelId), backendSettingsSchema.partial(), {})
  return { ...DEFAULT_BACKENDS, ...stored }
}

export function setBackends(lib: Library, channelId: number, patch: Partial<BackendSettings>): BackendSettings {
  const next = backendSettingsSchema.parse({ ...getBackends(lib, channelId), ...patch })
  lib.setSetting(backendsKey(channelId), JSON.stringify(next))
  return next
}

export function getLlm(lib: Library): LlmConfig {
  return readJson(lib, LLM_KEY, llmSchema, DEFAULT_LLM)
}

export function setLlm(lib: Library, patch: Partial<LlmConfig>): LlmConfig {
  const next = llmSchema.parse({ ...getLlm(lib), ...patch })
  lib.setSetting(LLM_KEY, JSON.stringify(next))
  return next
}

export function getAutopilot(lib: Library, channelId: number): AutopilotConfig {
  return readJson(lib, autopilotKey(channelId), autopilotSchema, DEFAULT_AUTOPILOT)
}

export function setAutopilot(lib: Library, channelId: number, patch: Partial<AutopilotConfig>): AutopilotConfig {
  const next = autopilotSchema.parse({ ...getAutopilot(lib, channelId), ...patch })
  lib.setSetting(autopilotKey(channelId), JSON.stringify(next))
  return next
}

export function autopilotChannels(lib: Library): number[] {
  const rows = lib.settingsWithPrefix('generation.autopilot.')
  return rows.map((r) => Number(r.key.split('.').pop())).filter((n) => Number.isInteger(n) && n > 0)
}
