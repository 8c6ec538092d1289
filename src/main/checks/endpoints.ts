/**
 * The gate's two optional OpenAI-compatible services, set once per studio: the
 * moderation endpoint (`/v1/moderations`, every written line) and the judge (a chat
 * model that accepts images). Base URL and model in the settings table, the key in
 * the secret store (never in SQLite, errors or logs). Both off by default.
 */
import { z } from 'zod'
import { StudioError } from '../../shared/contract/define'
import type { SecretStore } from '../secrets/store'

export type GateServiceName = 'moderation' | 'judge'

export const gateServiceSchema = z
  .object({
    enabled: z.boolean(),
    baseUrl: z.string().url(),
    model: z.string().trim().min(1).max(200)
  })
  .strict()
export type GateServiceConfig = z.infer<typeof gateServiceSchema>

export const GATE_SERVICE_DEFAULTS: Record<GateServiceName, GateServiceConfig> = {
  moderation: { enabled: false, baseUrl: 'https://api.openai.com/v1', model: 'omni-moderation-latest' },
  judge: { enabled: false, baseUrl: 'https://api.openai.com/v1', model: 'gpt-4o-mini' }
}

/** The secret store's name for the service's key. */
export const gateServiceSecret = (name: GateServiceName): string => `gate.${name}-key`

interface SettingsLike {
  getSetting(key: string): string | undefined
  setSetting(key: string, value: string): void
}

const key = (name: GateServiceName): string => `gate.service.${name}`

export function readGateService(lib: SettingsLike, name: GateServiceName): GateServiceConfig {
  const raw = lib.getSetting(key(name))
  if (!raw) return GATE_SERVICE_DEFAULTS[name]
  try {
    const parsed = gateServiceSchema.safeParse({ ...GATE_SERVICE_DEFAULTS[name], ...(JSON.parse(raw) as object) })
    return parsed.success ? parsed.data : GATE_SERVICE_DEFAULTS[name]
  } catch {
    return GATE_SERVICE_DEFAULTS[name]
  }
}

export function writeGateService(
  lib: SettingsLike,
  name: GateServiceName,
  patch: Partial<GateServiceConfig>
): GateServiceConfig {
  const parsed = gateServiceSchema.safeParse({ ...readGateService(lib, name), ...patch })
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new StudioError('invalid_input', `${name} ${issue.path.join('.')}: ${issue.message}`, issue.path.join('.'))
  }
  if (!/^https?:$/.test(new URL(parsed.data.baseUrl).protocol))
    throw new StudioError(
      'invalid_input',
      `The ${name} URL must be http(s)://… (e.g. http://127.0.0.1:8000/v1).`,
      'baseUrl'
    )
  lib.setSetting(key(name), JSON.stringify(parsed.data))
  return parsed.data
}

export interface ServiceEndpoint {
  baseURL: string
  apiKey?: string | undefined
  model: string
}

/** The service as the client needs it, or null when it is off. */
export async function gateEndpoint(
  lib: SettingsLike,
  secrets: Pick<SecretStore, 'get'>,
  name: GateServiceName
): Promise<ServiceEndpoint | null> {
  const cfg = readGateService(lib, name)
  if (!cfg.enabled) return null
  return { baseURL: cfg.baseUrl, model: cfg.model, apiKey: await secrets.get(gateServiceSecret(name)) }
}
