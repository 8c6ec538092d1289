/**
 * Moderation of every line bound for a generator or the air: the owner's blocklist
 * (words and /patterns/, global and per channel, in the settings table) and an
 * optional OpenAI-compatible /v1/moderations endpoint through the `openai` client.
 */
import OpenAI from 'openai'
import { StudioError } from '../../shared/contract/define'

interface SettingsLike {
  getSetting(key: string): string | undefined
  setSetting(key: string, value: string): void
}

export type BlockScope = 'global' | number

const key = (scope: BlockScope): string => `moderation.blocklist.${scope}`

/** A `/pattern/flags` entry as a RegExp, a word as a whole-word case-insensitive match. */
export function entryRegExp(entry: string): RegExp {
  const m = /^\/(.+)\/([a-z]*)$/.exec(entry)
  if (m) {
    try {
      return new RegExp(m[1]!, m[2]!.includes('i') ? m[2] : `${m[2]}i`)
    } catch (err) {
      throw new StudioError(
        'invalid_input',
        `The pattern ${entry} is not a valid regular expression (${(err as Error).message}).`,
        'entry'
      )
    }
  }
  const word = entry.trim()
  if (!word) throw new StudioError('invalid_input', 'Give a word or a /pattern/ to block.', 'entry')
  return new RegExp(`(?<![\\p{L}\\p{N}])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}\\p{N}])`, 'iu')
}

export function readBlocklist(lib: SettingsLike, scope: BlockScope): string[] {
  const raw = lib.getSetting(key(scope))
  return raw ? (JSON.parse(raw) as string[]) : []
}

export function addBlocked(lib: SettingsLike, scope: BlockScope, entry: string): string[] {
  entryRegExp(entry)
  const list = readBlocklist(lib, scope)
  if (!list.includes(entry)) list.push(entry)
  lib.setSetting(key(scope), JSON.stringify(list))
  return list
}

export function removeBlocked(lib: SettingsLike, scope: BlockScope, entry: string): string[] {
  const list = readBlocklist(lib, scope).filter((e) => e !== entry)
  lib.setSetting(key(scope), JSON.stringify(list))
  return list
}

export interface ModerationVerdict {
  allowed: boolean
  /** Why a line was refused, in words for the owner. */
  reason?: string
}

/** The blocklist alone (synchronous): global entries, then the channel's. */
export function checkBlocklist(lib: SettingsLike, channelId: number | null, text: string): ModerationVerdict {
  const scopes: BlockScope[] = channelId === null ? ['global'] : ['global', channelId]
  for (const scope of scopes) {
    for (const entry of readBlocklist(lib, scope)) {
      if (entryRegExp(entry).test(text))
        return {
          allowed: false,
          reason: `"${text.slice(0, 80)}" matches the ${scope === 'global' ? 'global' : "channel's"} blocklist entry ${entry}.`
        }
    }
  }
  return { allowed: true }
}

/**
 * Text a person types for air (a channel's name, the AI label, a prompt the lower
 * third shows) passes the blocklist before it is saved; a refusal names the field,
 * the entry it matched and what to do. `channelId` null: a channel not yet created.
 */
export function refuseBlocked(
  lib: SettingsLike,
  channelId: number | null,
  field: string,
  what: string,
  text: string | undefined
): void {
  if (text === undefined || text === '') return
  const v = checkBlocklist(lib, channelId, text)
  if (!v.allowed)
    throw new StudioError(
      'invalid_input',
      `The ${what} is refused: ${v.reason} Change the text, or remove the entry with webtv gate blocklist remove.`,
      field
    )
}

export interface ModerationEndpoint {
  baseURL: string
  apiKey?: string | undefined
  model?: string | undefined
  timeoutMs?: number | undefined
}

/** Blocklist, then (when configured) the moderation endpoint. A failing endpoint refuses: nothing unvetted goes out. */
export async function moderate(
  lib: SettingsLike,
  channelId: number,
  text: string,
  endpoint?: ModerationEndpoint | null
): Promise<ModerationVerdict> {
  return moderateLines(lib, channelId, [text], endpoint)
}

/** Longest text sent to the endpoint in one line (a prompt or a spoken line is far shorter). */
const MAX_LINE_CHARS = 4000

/**
 * Several lines at once (a plan's prompts, lines and titles): the blocklist on each,
 * then one request to the endpoint with all of them. The first refusal answers.
 */
export async function moderateLines(
  lib: SettingsLike,
  channelId: number,
  texts: string[],
  endpoint?: ModerationEndpoint | null
): Promise<ModerationVerdict> {
  const lines = texts.map((t) => t.trim()).filter(Boolean)
  for (const text of lines) {
    const local = checkBlocklist(lib, channelId, text)
    if (!local.allowed) return local
  }
  if (!endpoint || lines.length === 0) return { allowed: true }
  const client = new OpenAI({
    baseURL: endpoint.baseURL,
    apiKey: endpoint.apiKey || 'none',
    timeout: endpoint.timeoutMs ?? 15_000,
    maxRetries: 1
  })
  try {
    const r = await client.moderations.create({
      input: lines.map((t) => t.slice(0, MAX_LINE_CHARS)),
      ...(endpoint.model ? { model: endpoint.model } : {})
    })
    const at = r.results.findIndex((x) => x.flagged)
    if (at < 0) return { allowed: true }
    const hit = r.results[at]!
    const cats = Object.entries(hit.categories as unknown as Record<string, boolean>)
      .filter(([, v]) => v)
      .map(([k]) => k)
    return {
      allowed: false,
      reason: `The moderation service flagged "${(lines[at] ?? '').slice(0, 80)}" (${cats.join(', ') || 'flagged'}).`
    }
  } catch (err) {
    const raw = err instanceof Error ? err.message : String(err)
    // The key never travels in an error, whatever the server echoed back.
    const message = endpoint.apiKey ? raw.split(endpoint.apiKey).join('••••') : raw
    return {
      allowed: false,
      reason: `The moderation service at ${endpoint.baseURL} could not be asked (${message}); the line was not sent.`
    }
  }
}
