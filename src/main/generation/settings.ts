import { z } from 'zod'
import { backendSettingsSchema, type BackendSettings } from '../../shared/contract/generation'
import type { Library } from '../library'
import { hasUrlCredentials, withoutCredentials } from '../../shared/user-url'

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

/** Every string in a JSON value that is a URL with user:password@ in it, by its path ("video.spaces.0"). */
function scrubUrls(value: unknown, path: string, dropped: string[]): unknown {
  if (typeof value === 'string') {
    if (!hasUrlCredentials(value)) return value
    dropped.push(path)
    return withoutCredentials(value)
  }
  if (Array.isArray(value)) return value.map((v, i) => scrubUrls(v, `${path}.${i}`, dropped))
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, scrubUrls(v, path ? `${path}.${k}` : k, dropped)])
    )
  return value
}

/**
 * Settings written before URLs with user:password@ were refused (issue 19): the
 * credentials are dropped from the stored value (it would stay in library.db in
 * clear, and every `backends list` printed it), with a warning naming where — never
 * what. The URL itself is kept; its secret belongs in the secret store.
 */
export function scrubStoredCredentials(lib: Library, key: string, raw: string): string {
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    return raw
  }
  const dropped: string[] = []
  const clean = scrubUrls(value, '', dropped)
  if (dropped.length === 0) return raw
  const text = JSON.stringify(clean)
  lib.setSetting(key, text)
  process.emitWarning(
    `Removed a user name/password stored inside ${dropped.length === 1 ? 'a URL' : `${dropped.length} URLs`} of the setting ${key} (${dropped.join(', ')}). Put the secret in the secret store instead (Settings, \`webtv backends set … --*-stdin\` or \`webtv comfy token\`).`,
    { code: 'WEBTV_URL_CREDENTIALS' }
  )
  return text
}

/** Sweep every stored generation setting once (at start), so no old credential waits in library.db for a read. */
export function scrubAllStoredCredentials(lib: Library): void {
  const rows = lib.settingsWithPrefix('generation.')
  for (const r of rows) scrubStoredCredentials(lib, r.key, r.value)
}

function readJson<T>(lib: Library, key: string, schema: z.ZodType<T>, fallback: T): T {
  const stored = lib.getSetting(key)
  if (stored === undefined) return fallback
  const raw = scrubStoredCredentials(lib, key, stored)
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

/** A deleted channel's backend (ComfyUI servers included) and autopilot settings go with it (library/channel-forget.ts). */
export function forgetDeletedChannelSettings(lib: Library, liveIds: () => Set<number>): void {
  const rows = [...lib.settingsWithPrefix('generation.backends.'), ...lib.settingsWithPrefix('generation.autopilot.')]
  const live = liveIds()
  for (const { key } of rows) {
    const m = /^generation\.(?:backends|autopilot)\.(\d+)$/.exec(key)
    if (m && !live.has(Number(m[1]))) lib.deleteSetting(key)
  }
}
