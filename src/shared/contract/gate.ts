import { z } from 'zod'
import { call } from './define'

/**
 * The quality gate (issue 21): each channel's policy, the moderation blocklist, and
 * the checks' results on the takes that air. The checks themselves run in main after
 * every conform; these calls read and set what the owner decides.
 */

const id = z.number().int().positive()

export const gatePolicySchemaDto = z.object({
  /** Off: takes are neither checked nor held. */
  enabled: z.boolean(),
  /** Regenerations of one shot after failed takes (0 = hold at once). */
  maxTries: z.number().int(),
  /** Generated takes the gate may ask for per hour for this channel. */
  takesPerHour: z.number().int(),
  /** Check names that decide; the others are recorded only. */
  checks: z.array(z.string()),
  /** The studio's judge (a vision model) is asked about every take of the channel. */
  judge: z.boolean()
})

const policyState = z.object({
  channelId: id,
  policy: gatePolicySchemaDto,
  /** Regenerations the channel may still ask for this hour. */
  budgetLeft: z.number().int().nonnegative(),
  /** Every check the studio runs, with its title in plain words. */
  available: z.array(z.object({ name: z.string(), title: z.string() }))
})
export type GatePolicyStateDto = z.infer<typeof policyState>

export const checkResultSchema = z.object({
  check: z.string(),
  verdict: z.enum(['pass', 'fail', 'skip']),
  score: z.number(),
  /** Seconds into the take of the frames that failed. */
  frames: z.array(z.number()),
  reason: z.string()
})

const blocklistState = z.object({
  global: z.array(z.string()),
  /** The channel's own entries (null when no channel was named). */
  channel: z.array(z.string()).nullable()
})

const blockEdit = z
  .object({
    /** Absent: the global list, which every channel uses. */
    channelId: id.optional(),
    /** A word (matched whole, any case) or a /pattern/flags regular expression. */
    entry: z.string().trim().min(1).max(200)
  })
  .strict()

const serviceName = z.enum(['moderation', 'judge'])
const serviceState = z.object({
  service: serviceName,
  enabled: z.boolean(),
  baseUrl: z.string(),
  model: z.string(),
  /** Masked; null when no key is stored. */
  apiKey: z.string().nullable()
})
export type GateServiceStateDto = z.infer<typeof serviceState>

export const gateCalls = {
  'gate.service.get': call(
    z.object({ service: serviceName }).strict(),
    serviceState,
    "The studio's moderation service (/v1/moderations) or judge (a chat model that sees images): URL, model, key masked."
  ),
  'gate.service.set': call(
    z
      .object({
        service: serviceName,
        enabled: z.boolean().optional(),
        baseUrl: z.string().trim().url().max(500).optional(),
        model: z.string().trim().min(1).max(200).optional(),
        /** Write-only; "" removes it. */
        apiKey: z.string().max(500).optional()
      })
      .strict(),
    serviceState,
    'Set the moderation service or the judge (OpenAI-compatible); a bad URL changes nothing.'
  ),
  'gate.policy.get': call(
    z.object({ channelId: id }).strict(),
    policyState,
    "A channel's quality gate policy, its budget left this hour and the checks available."
  ),
  'gate.policy.set': call(
    z
      .object({
        channelId: id,
        enabled: z.boolean().optional(),
        maxTries: z.number().int().optional(),
        takesPerHour: z.number().int().optional(),
        checks: z.array(z.string()).optional(),
        judge: z.boolean().optional()
      })
      .strict(),
    policyState,
    "Change a channel's quality gate policy; refused, changing nothing, for an unknown check or a number out of range."
  ),
  'gate.blocklist.get': call(
    z.object({ channelId: id.optional() }).strict(),
    blocklistState,
    'The moderation blocklist: global entries and, for a channel, its own.'
  ),
  'gate.blocklist.add': call(
    blockEdit,
    blocklistState,
    'Block a word or /pattern/ (global, or for one channel); a bad pattern is refused.'
  ),
  'gate.blocklist.remove': call(
    blockEdit,
    blocklistState,
    'Remove a blocklist entry; an entry not on the list is refused.'
  ),
  'gate.shots.checks': call(
    z.object({ shotIds: z.array(id).max(500) }).strict(),
    z.object({
      shots: z.array(z.object({ shotId: id, takeId: id.nullable(), checks: z.array(checkResultSchema) }))
    }),
    "Each shot's chosen take and that take's check results (empty when it was not checked)."
  ),
  'gate.shots.failing': call(
    z.object({ channelId: id, check: z.string().optional() }).strict(),
    z.object({ shotIds: z.array(id) }),
    'Shots of a channel whose chosen take failed a check (the named one, or any), newest first.'
  )
}
