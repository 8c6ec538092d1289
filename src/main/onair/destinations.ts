import { randomUUID } from 'node:crypto'
import { credentialsRefusal, hasUrlCredentials } from '../../shared/user-url'
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { StudioError } from '../../shared/contract'

/** Twitch's global ingest (it routes to the closest server). */
export const TWITCH_DEFAULT_INGEST = 'ingest.global-contribute.live-video.net'

export interface DestinationConfig {
  id: string
  channelId: number
  /** A preset (onair/presets.ts); 'rtmp' is a custom RTMP/RTMPS URL. */
  kind: 'twitch' | 'rtmp' | 'youtube' | 'facebook' | 'kick' | 'srt'
  name: string
  /** Twitch: ingest host (optionally :port); srt: srt://host:port[?options]; others: URL up to (not including) the key. */
  target: string
  enabled: boolean
  /** rtmps for Twitch. */
  secure?: boolean
}

export interface ParsedRtmpUrl {
  /** scheme://host[:port]/app[/…] without the key segment. */
  base: string
  /**
   * The secret part: the last path segment beyond the app, with the query (some
   * ingests carry a token there), or the query alone ("?token=…") for a URL with no
   * key segment. Kept with the key in the secret store, never in settings.
   */
  key: string | null
}

/** Validates an RTMP/RTMPS URL and splits off its key; throws invalid_input naming the problem. */
export function parseRtmpUrl(raw: string, field = 'url'): ParsedRtmpUrl {
  const text = raw.trim()
  const bad = (why: string): never => {
    throw new StudioError(
      'invalid_input',
      `That destination URL is not usable: ${why}. Expected rtmp://host[:port]/app/key or rtmps://…`,
      field
    )
  }
  if (/\s/.test(text)) bad('it contains spaces')
  const m = /^(rtmps?):\/\/([^/?#]+)(\/[^?#]*)?(\?[^#]*)?$/i.exec(text)
  if (!m) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text))
      bad(`only rtmp:// and rtmps:// are supported, not ${text.split(':')[0]}://`)
    bad('it does not start with rtmp:// or rtmps://')
  }
  const [, scheme, hostPort, path = '', query = ''] = m!
  // Never echo user:password@ back (errors reach logs and the UI).
  if (hasUrlCredentials(text)) bad(credentialsRefusal('destination'))
  const hp = /^([a-z0-9.-]+|\[[0-9a-f:]+\])(?::(\d{1,5}))?$/i.exec(hostPort!)
  if (!hp) bad(`"${hostPort}" is not a host name`)
  if (hp![2] !== undefined && (Number(hp![2]) < 1 || Number(hp![2]) > 65535)) bad(`port ${hp![2]} is out of range`)
  const segments = path.split('/').filter(Boolean)
  if (segments.length === 0) bad('it has no application path (e.g. /app or /live)')
  const base = `${scheme!.toLowerCase()}://${hostPort}/${segments.slice(0, Math.max(1, segments.length - 1)).join('/')}`
  const key = (segments.length >= 2 ? segments[segments.length - 1]! : '') + (query === '?' ? '' : query)
  return { base, key: key || null }
}

export function validateIngestHost(server: string): string {
  const s = server
    .trim()
    .replace(/^rtmps?:\/\//i, '')
    .replace(/\/.*$/, '')
  if (!/^[a-z0-9.-]+(?::\d{1,5})?$/i.test(s)) {
    throw new StudioError(
      'invalid_input',
      `"${server}" is not an ingest server host name (e.g. ${TWITCH_DEFAULT_INGEST}).`,
      'server'
    )
  }
  return s
}

export function keySecretName(id: string): string {
  return `onair.dest.${id}.key`
}

export function destinationUrl(d: DestinationConfig, key: string): string {
  if (d.kind === 'twitch') return `${d.secure ? 'rtmps' : 'rtmp'}://${d.target}/app/${key}`
  // SRT platforms take the stream key as the streamid.
  if (d.kind === 'srt')
    return key ? `${d.target}${d.target.includes('?') ? '&' : '?'}streamid=${encodeURIComponent(key)}` : d.target
  // OBS appends the key after a slash even to YouTube's backup URL (…/live2?backup=1/KEY);
  // RTMP splits the app at the first slash, so the ingest reads app "live2?backup=1", stream KEY.
  return key.startsWith('?') ? `${d.target}${key}` : `${d.target}/${key}`
}

/** A new URL's secret part on update: a query alone keeps the stored key segment and replaces its query. */
export function mergeKey(stored: string | null, parsed: string | null): string | null {
  if (parsed === null || !parsed.startsWith('?') || !stored) return parsed
  const segment = stored.split('?')[0]!
  return segment ? `${segment}${parsed}` : parsed
}

/** Destination settings (never keys) in <dataDir>/onair/destinations.json, written atomically. */
export class DestinationStore {
  private readonly file: string
  constructor(dataDir: string) {
    this.file = join(dataDir, 'onair', 'destinations.json')
  }

  all(): DestinationConfig[] {
    if (!existsSync(this.file)) return []
    try {
      const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as unknown
      return Array.isArray(parsed) ? (parsed as DestinationConfig[]) : []
    } catch {
      throw new StudioError(
        'internal',
        `The destinations file ${this.file} is corrupt; fix or remove it and add the destinations again.`
      )
    }
  }

  private save(list: DestinationConfig[]): void {
    mkdirSync(dirname(this.file), { recursive: true })
    const tmp = `${this.file}.${process.pid}.tmp`
    writeFileSync(tmp, JSON.stringify(list, null, 1))
    renameSync(tmp, this.file)
  }

  forChannel(channelId: number): DestinationConfig[] {
    return this.all().filter((d) => d.channelId === channelId)
  }

  get(id: string): DestinationConfig {
    const d = this.all().find((x) => x.id === id)
    if (!d) throw new StudioError('not_found', `No destination with id "${id}".`, 'id')
    return d
  }

  add(d: Omit<DestinationConfig, 'id'>): DestinationConfig {
    const list = this.all()
    const created = { ...d, id: randomUUID().slice(0, 8) }
    list.push(created)
    this.save(list)
    return created
  }

  update(id: string, patch: Partial<Omit<DestinationConfig, 'id' | 'channelId' | 'kind'>>): DestinationConfig {
    const list = this.all()
    const i = list.findIndex((x) => x.id === id)
    if (i < 0) throw new StudioError('not_found', `No destination with id "${id}".`, 'id')
    list[i] = { ...list[i]!, ...patch }
    this.save(list)
    return list[i]!
  }

  /** Removes every destination of a channel not in `liveIds` (read after this file); returns what it removed. */
  removeDeletedChannels(liveIds: () => Set<number>): DestinationConfig[] {
    const list = this.all()
    const live = liveIds()
    const gone = list.filter((d) => !live.has(d.channelId))
    if (gone.length > 0) this.save(list.filter((d) => live.has(d.channelId)))
    return gone
  }

  remove(id: string): boolean {
    const list = this.all()
    const next = list.filter((x) => x.id !== id)
    if (next.length === list.length) return false
    this.save(next)
    return true
  }
}
