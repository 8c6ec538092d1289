/**
 * A channel's gate policy (which checks, how many retries, the hourly budget of
 * takes), stored in the library's settings table under `gate.policy.<channelId>`.
 */
import { z } from 'zod'
import { StudioError } from '../../shared/contract/define'
import { checkNames } from './registry'

export const gatePolicySchema = z
  .object({
    /** Off: takes are neither checked nor held (until the owner turns the gate on for the channel). */
    enabled: z.boolean(),
    /** Regenerations of one shot after failed takes (0 = hold at once). */
    maxTries: z.number().int().min(0).max(10),
    /** Generated takes (first tries and regenerations) the gate may ask for per hour for this channel. */
    takesPerHour: z.number().int().min(0).max(1000),
    /** Check names that decide; the others are recorded only. */
    checks: z.array(z.string()).min(1),
    /** Ask the studio's judge (a vision model, webtv gate judge) about every take: costs a request per take. */
    judge: z.boolean()
  })
  .strict()
export type GatePolicy = z.infer<typeof gatePolicySchema>

/** Off by default for now: see the report of issue 21 (the test suite's fake generators burn text). */
export const DEFAULT_GATE_POLICY: GatePolicy = {
  enabled: false,
  maxTries: 2,
  takesPerHour: 12,
  checks: checkNames,
  judge: false
}

interface SettingsLike {
  getSetting(key: string): string | undefined
  setSetting(key: string, value: string): void
}

const key = (channelId: number): string => `gate.policy.${channelId}`

export function readPolicy(lib: SettingsLike, channelId: number): GatePolicy {
  const raw = lib.getSetting(key(channelId))
  if (!raw) return DEFAULT_GATE_POLICY
  const parsed = gatePolicySchema.safeParse({ ...DEFAULT_GATE_POLICY, ...(JSON.parse(raw) as object) })
  return parsed.success ? parsed.data : DEFAULT_GATE_POLICY
}

export function writePolicy(lib: SettingsLike, channelId: number, patch: Partial<GatePolicy>): GatePolicy {
  const unknown = (patch.checks ?? []).filter((c) => !checkNames.includes(c))
  if (unknown.length)
    throw new StudioError(
      'invalid_input',
      `Unknown check ${unknown.join(', ')}; the checks are ${checkNames.join(', ')}.`,
      'checks'
    )
  const current = readPolicy(lib, channelId)
  // Turning the judge on makes its verdict decide, unless this same change names the deciding checks.
  const checks =
    patch.judge === true && !patch.checks && !current.checks.includes('judge')
      ? { checks: [...current.checks, 'judge'] }
      : {}
  const parsed = gatePolicySchema.safeParse({ ...current, ...checks, ...patch })
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new StudioError(
      'invalid_input',
      `gate policy ${issue.path.join('.')}: ${issue.message}`,
      issue.path.join('.')
    )
  }
  lib.setSetting(key(channelId), JSON.stringify(parsed.data))
  return parsed.data
}
