import { createHash, randomBytes } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { createReadStream, copyFileSync, readFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { basename, extname, join, relative, sep } from 'node:path'
import { StudioError } from '../../shared/contract/define'
import type { ShotStatus } from '../../shared/contract/library'
import { DEFAULT_HOUSE_FORMAT, houseFormatSchema, type HouseFormat } from '../../shared/house-format'
import { conform, DEFAULT_TUNING, type ConformProgress, type EncoderTuning } from '../media/conform'
import { tuningKey } from '../media/conform-args'
import { checkClip, MediaRejectedError, probe } from '../media/probe'
import { AbortedError } from '../media/run-ffmpeg'
import { openDatabase, type Db } from './db'
import { ftsQuery } from './search'
import type { ChannelLook, LoudnessInfo } from '../../shared/channel-look'
import type { LoudnessDecision } from '../media/loudness'
import { clipLook, clipLookKey, lookFromJson, type ClipFacts } from './look'

export interface Channel {
  id: number
  name: string
  theme: string
  style: string
  format: HouseFormat
  formatRev: number
  /** Loudness, logo, label, lower third, dips: burned in at conform. */
  look: ChannelLook
  /** Grows on every look change; a shot made with an older one is re-conformed in the background while it keeps airing. */
  lookRev: number
  /** Shots still waiting for the current look (or format). */
  reconformPending: number
  reviewPolicy: 'auto' | 'manual'
  maxClipSeconds: number
  shotCount: number
  playlistRevision: number
  createdAt: number
  updatedAt: number
}

export interface CreateChannelInput {
  name: string
  theme?: string | undefined
  style?: string | undefined
  format?: Partial<HouseFormat> | undefined
  reviewPolicy?: 'auto' | 'manual' | undefined
  maxClipSeconds?: number | undefined
}
export type UpdateChannelInput = Partial<CreateChannelInput> & {
  /** The complete new look (library/look.ts applyLookPatch validates and completes a patch). */
  look?: ChannelLook | undefined
  /** Re-conform every shot with the current look even if it did not change. */
  reconform?: boolean | undefined
}

/** A shot as stored. Media paths are RELATIVE to the data folder (see Library.abs()). */
export interface Shot {
  id: number
  channelId: number
  sequenceId: number | null
  status: ShotStatus
  approved: boolean
  prompt: string
  seed: number | null
  backend: string | null
  sourceName: string | null
  durationMs: number | null
  width: number | null
  height: number | null
  mp4Path: string | null
  tsPath: string | null
  posterPath: string | null
  stripPath: string | null
  error: string | null
  extra: Record<string, unknown> | null
  formatRev: number | null
  /** Measured loudness of the source and the gain applied at conform (null: made before levelling, or no audio). */
  loudness: LoudnessInfo | null
  createdAt: number
  updatedAt: number
}

export interface ShotMeta {
  prompt?: string | undefined
  seed?: number | undefined
  backend?: string | undefined
  sequenceId?: number | undefined
  approved?: boolean | undefined
  extra?: Record<string, unknown> | undefined
  /** Fill this existing shot (e.g. one created by createShot while generating) instead of making a new one. */
  shotId?: number | undefined
  /** The generation job that made this clip: recorded on the shot's first take. */
  jobId?: number | undefined
}

/** One version of a shot (a generation, or the clip it was imported from). Media paths are RELATIVE to the data folder. */
export interface Take {
  id: number
  shotId: number
  jobId: number | null
  status: 'conforming' | 'ready' | 'failed'
  chosen: boolean
  prompt: string
  seed: number | null
  backend: string | null
  durationMs: number | null
  width: number | null
  height: number | null
  mp4Path: string | null
  tsPath: string | null
  posterPath: string | null
  stripPath: string | null
  formatRev: number | null
  loudness: LoudnessInfo | null
  error: string | null
  createdAt: number
}

/** What a regenerated clip says about itself when it is ingested as a new take. */
export interface TakeMeta {
  /** The job that made it; a job makes at most one take (a rerun after a crash finds or takes over the same row). */
  jobId: number | null
  prompt: string
  seed: number | null
  backend: string | null
}

export interface IngestOptions {
  signal?: AbortSignal | undefined
  onProgress?: ((p: { percent: number; step: string }) => void) | undefined
}

export interface IngestResult {
  shot: Shot
  /** The same file was already in this channel; nothing was converted. */
  duplicate: boolean
}

/** One playlist entry for the on-air engine. Paths here are ABSOLUTE. */
export interface PlaylistItem {
  itemId: number
  position: number
  shotId: number
  status: ShotStatus
  approved: boolean
  /** ready, approved and conformed to the channel's current format. */
  airable: boolean
  durationMs: number | null
  tsPath: string | null
  mp4Path: string | null
  posterPath: string | null
  prompt: string
}

export interface ListShotsQuery {
  channelId: number
  status?: ShotStatus | undefined
  approved?: boolean | undefined
  search?: string | undefined
  limit?: number | undefined
  offset?: number | undefined
}

export interface LibraryChange {
  channelId: number | null
  what: 'shots' | 'playlist' | 'channels'
}

export interface LibraryOptions {
  tuning?: EncoderTuning
}

interface ShotRow {
  id: number
  channel_id: number
  sequence_id: number | null
  status: ShotStatus
  approved: number
  prompt: string
  seed: number | null
  backend: string | null
  extra_json: string | null
  source_name: string | null
  source_hash: string | null
  original_path: string | null
  media_hash: string | null
  mp4_path: string | null
  ts_path: string | null
  poster_path: string | null
  strip_path: string | null
  duration_ms: number | null
  width: number | null
  height: number | null
  format_rev: number | null
  look_rev: number | null
  loudness_json: string | null
  owner_pid: number | null
  error: string | null
  created_at: number
  updated_at: number
}

interface TakeRow {
  id: number
  shot_id: number
  job_id: number | null
  source_path: string | null
  seed: number | null
  backend: string | null
  chosen: number
  created_at: number
  status: 'conforming' | 'ready' | 'failed'
  prompt: string
  original_path: string | null
  media_hash: string | null
  mp4_path: string | null
  ts_path: string | null
  poster_path: string | null
  strip_path: string | null
  duration_ms: number | null
  width: number | null
  height: number | null
  format_rev: number | null
  look_rev: number | null
  loudness_json: string | null
  owner_pid: number | null
  error: string | null
}

/** The media columns shots and takes share: what decides whether a file is still used. */
type MediaRefs = Pick<ShotRow, 'media_hash' | 'mp4_path' | 'ts_path' | 'poster_path' | 'strip_path' | 'original_path'>

interface ChannelRow {
  id: number
  name: string
  theme: string
  style: string
  format_json: string
  format_rev: number
  look_json: string | null
  look_rev: number
  pending?: number
  review_policy: 'auto' | 'manual'
  max_clip_ms: number
  playlist_rev: number
  created_at: number
  updated_at: number
  shot_count?: number
}

const DB_FILE = 'library.db'
/** Bump when conformArgs changes what it produces, so media made by the old recipe is not reused. */
const CONFORM_RECIPE = 'conform-3'

/** Stored form of a loudness decision (JSON has no infinities: silence's peak is null). */
function loudnessJson(d: LoudnessDecision | null): string | null {
  if (!d) return null
  const fin = (n: number): number | null => (Number.isFinite(n) ? n : null)
  const info: LoudnessInfo = { integratedLufs: fin(d.integratedLufs), lraLu: fin(d.lraLu), truePeakDb: fin(d.truePeakDb), gainDb: d.gainDb, silent: d.silent, limited: d.limited, targetLufs: d.targetLufs }
  return JSON.stringify(info)
}
const loudnessFrom = (json: string | null): LoudnessInfo | null => (json ? (JSON.parse(json) as LoudnessInfo) : null)

function shotTitleOf(extra: Record<string, unknown> | null): string | undefined {
  return typeof extra?.title === 'string' ? extra.title : undefined
}

export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
  // A killed process nobody has reaped yet (common in containers, whose init may not reap) still answers signal 0.
  if (process.platform === 'linux') {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
      if (state === 'Z' || state === 'X') return false
    } catch {
      return false
    }
  }
  return true
}

export async function sha256File(file: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file, { signal })) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

function notFound(what: string, id: number | string): StudioError {
  return new StudioError('not_found', `${what} ${typeof id === 'string' ? `"${id}"` : id} does not exist.`)
}

/**
 * The shot library of one data folder. Synchronous SQLite (better-sqlite3) for
 * everything but conversion. Several processes may open the same folder at once:
 * WAL + busy timeout, and every multi-row edit is one IMMEDIATE transaction.
 */
export class Library {
  readonly db: Db
  private readonly events = new EventEmitter()
  /** Shots this process is converting right now (a matching owner_pid from an earlier process with our pid is stale). */
  private readonly working = new Set<number>()
  /** Takes this process is converting right now. */
  private readonly workingTakes = new Set<number>()
  private readonly worker = new AbortController()
  private workerRun: Promise<void> | null = null
  private workerAgain = false
  private closed = false

  constructor(
    readonly dataDir: string,
    private readonly options: LibraryOptions = {}
  ) {
    mkdirSync(dataDir, { recursive: true })
    this.db = openDatabase(join(dataDir, DB_FILE))
    this.events.setMaxListeners(0)
    this.recoverInterrupted()
  }

  // ---------------------------------------------------------------- paths & events

  /** Absolute path of a data-folder-relative media path. */
  abs(rel: string): string
  abs(rel: string | null): string | null
  abs(rel: string | null): string | null {
    return rel === null ? null : join(this.dataDir, ...rel.split('/'))
  }

  /** Data-folder-relative, '/'-separated form of an absolute media path (what contract outputs carry). */
  relPath(abs: string): string {
    return relative(this.dataDir, abs).split(sep).join('/')
  }

  onChange(listener: (change: LibraryChange) => void): () => void {
    this.events.on('change', listener)
    return () => this.events.off('change', listener)
  }

  private changed(channelId: number | null, what: LibraryChange['what']): void {
    this.events.emit('change', { channelId, what } satisfies LibraryChange)
  }

  /** Grows when ANY process commits a write to the database (SQLite's data_version). */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number
  }

  // ---------------------------------------------------------------- channels

  private channelFromRow(r: ChannelRow): Channel {
    const stored = JSON.parse(r.format_json) as Partial<HouseFormat>
    return {
      id: r.id,
      name: r.name,
      theme: r.theme,
      style: r.style,
      format: { ...DEFAULT_HOUSE_FORMAT, ...stored },
      formatRev: r.format_rev,
      look: lookFromJson(r.look_json),
      lookRev: r.look_rev,
      reconformPending: r.pending ?? 0,
      reviewPolicy: r.review_policy,
      maxClipSeconds: r.max_clip_ms / 1000,
      shotCount: r.shot_count ?? 0,
      playlistRevision: r.playlist_rev,
      createdAt: r.created_at,
      updatedAt: r.updated_at
    }
  }

  private static readonly CHANNEL_SELECT =
    `SELECT c.*, (SELECT COUNT(*) FROM shots s WHERE s.channel_id = c.id) AS shot_count,
       (SELECT COUNT(*) FROM shots s WHERE s.channel_id = c.id AND (s.status = 'queued' OR (s.status = 'ready' AND s.look_rev IS NOT c.look_rev))) AS pending
     FROM channels c`

  listChannels(): Channel[] {
    const rows = this.db.prepare(`${Library.CHANNEL_SELECT} ORDER BY c.name`).all() as ChannelRow[]
    return rows.map((r) => this.channelFromRow(r))
  }

  getChannel(id: number): Channel {
    const row = this.db.prepare(`${Library.CHANNEL_SELECT} WHERE c.id = ?`).get(id) as ChannelRow | undefined
    if (!row) throw notFound('Channel', id)
    return this.channelFromRow(row)
  }

  getChannelByName(name: string): Channel {
    const row = this.db.prepare(`${Library.CHANNEL_SELECT} WHERE c.name = ?`).get(name.trim()) as ChannelRow | undefined
    if (!row) {
      const known = this.listChannels().map((c) => c.name)
      throw new StudioError(
        'not_found',
        `No channel named "${name}".` +
          (known.length ? ` Channels: ${known.map((n) => `"${n}"`).join(', ')}.` : ' Create one with `webtv channel create NAME`.'),
        'channel'
      )
    }
    return this.channelFromRow(row)
  }

  private validFormat(patch: Partial<HouseFormat> | undefined, base: HouseFormat): HouseFormat {
    const merged = { ...base, ...(patch ?? {}) }
    const parsed = houseFormatSchema.safeParse(merged)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      const field = `format.${issue.path.map(String).join('.')}`
      throw new StudioError('invalid_input', `${field}: ${issue.message}`, field)
    }
    if (parsed.data.videoMaxKbps < parsed.data.videoKbps) {
      throw new StudioError('invalid_input', 'format.videoMaxKbps must be at least format.videoKbps.', 'format.videoMaxKbps')
    }
    return parsed.data
  }

  private checkName(name: string, exceptId?: number): string {
    const clean = name.trim()
    if (!clean) throw new StudioError('invalid_input', 'A channel needs a name.', 'name')
    const other = this.db.prepare('SELECT id FROM channels WHERE name = ?').get(clean) as { id: number } | undefined
    if (other && other.id !== exceptId) {
      throw new StudioError('conflict', `A channel named "${clean}" already exists. Pick another name.`, 'name')
    }
    return clean
  }

  createChannel(input: CreateChannelInput): Channel {
    const format = this.validFormat(input.format, DEFAULT_HOUSE_FORMAT)
    const now = Date.now()
    const id = this.db.transaction(() => {
      const name = this.checkName(input.name)
      const r = this.db
        .prepare(
          `INSERT INTO channels (name, theme, style, format_json, review_policy, max_clip_ms, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
        )
        .run(name, input.theme ?? '', input.style ?? '', JSON.stringify(format), input.reviewPolicy ?? 'auto',
          Math.round((input.maxClipSeconds ?? 600) * 1000), now, now)
      return Number(r.lastInsertRowid)
    }).immediate()
    this.changed(id, 'channels')
    return this.getChannel(id)
  }

  /** Returns the channel and how many shots now wait to be re-conformed (format change). */
  updateChannel(id: number, patch: UpdateChannelInput): { channel: Channel; reconforming: number } {
    const reconforming = this.db.transaction(() => {
      const current = this.getChannel(id)
      const name = patch.name === undefined ? current.name : this.checkName(patch.name, id)
      const format = this.validFormat(patch.format, current.format)
      const formatChanged = JSON.stringify(format) !== JSON.stringify(current.format)
      const look = patch.look ?? current.look
      const lookChanged = patch.reconform === true || JSON.stringify(look) !== JSON.stringify(current.look)
      this.db
        .prepare(
          `UPDATE channels SET name = ?, theme = ?, style = ?, format_json = ?, format_rev = format_rev + ?,
             review_policy = ?, max_clip_ms = ?, look_json = ?, look_rev = look_rev + ?, updated_at = ? WHERE id = ?`
        )
        .run(name, patch.theme ?? current.theme, patch.style ?? current.style, JSON.stringify(format), formatChanged ? 1 : 0,
          patch.reviewPolicy ?? current.reviewPolicy, Math.round((patch.maxClipSeconds ?? current.maxClipSeconds) * 1000),
          JSON.stringify(look), lookChanged ? 1 : 0, Date.now(), id)
      if (!formatChanged) {
        // A new look keeps every shot airing its current media until the new file is ready (drainQueue).
        if (!lookChanged) return 0
        return (this.db.prepare("SELECT COUNT(*) AS n FROM shots WHERE channel_id = ? AND status = 'ready'").get(id) as { n: number }).n
      }
      // Ready shots keep their old media until the new one exists, but stop being airable.
      const r = this.db
        .prepare(`UPDATE shots SET status = 'queued', owner_pid = NULL, updated_at = ? WHERE channel_id = ? AND status IN ('ready', 'conforming')`)
        .run(Date.now(), id)
      this.bumpPlaylist(id)
      return r.changes
    }).immediate()
    this.changed(id, 'channels')
    if (reconforming > 0) {
      this.changed(id, 'shots')
      this.changed(id, 'playlist')
      this.kickWorker()
    }
    return { channel: this.getChannel(id), reconforming }
  }

  /** Deletes the channel, its shots and playlist; media no other row uses goes to the trash folder. */
  deleteChannel(id: number, opts: { isOnAir?: ((channelId: number) => boolean) | undefined } = {}): { trashedFiles: number } {
    const channel = this.getChannel(id)
    if (opts.isOnAir?.(id)) {
      throw new StudioError('conflict', `Channel "${channel.name}" is on air. Stop it before deleting it.`)
    }
    const files = this.db.transaction(() => {
      const rows = this.db.prepare('SELECT * FROM shots WHERE channel_id = ?').all(id) as ShotRow[]
      const takes = this.db.prepare('SELECT t.* FROM takes t JOIN shots s ON s.id = t.shot_id WHERE s.channel_id = ?').all(id) as TakeRow[]
      this.db.prepare('DELETE FROM channels WHERE id = ?').run(id)
      return this.unreferencedFiles([...rows, ...takes])
    }).immediate()
    const trashed = this.moveToTrash(files)
    this.changed(id, 'channels')
    return { trashedFiles: trashed }
  }

  // ---------------------------------------------------------------- shots

  private shotFromRow(r: ShotRow): Shot {
    return {
      id: r.id,
      channelId: r.channel_id,
      sequenceId: r.sequence_id,
      status: r.status,
      approved: r.approved === 1,
      prompt: r.prompt,
      seed: r.seed,
      backend: r.backend,
      sourceName: r.source_name,
      durationMs: r.duration_ms,
      width: r.width,
      height: r.height,
      mp4Path: r.mp4_path,
      tsPath: r.ts_path,
      posterPath: r.poster_path,
      stripPath: r.strip_path,
      error: r.error,
      extra: r.extra_json ? (JSON.parse(r.extra_json) as Record<string, unknown>) : null,
      formatRev: r.format_rev,
      loudness: loudnessFrom(r.loudness_json),
      createdAt: r.created_at,
      updatedAt: r.updated_at
    }
  }

  /** What the channel's look may show of a shot: whether it was generated, its prompt and title. */
  private clipFacts(r: ShotRow): ClipFacts {
    return { backend: r.backend, prompt: r.prompt, title: shotTitleOf(r.extra_json ? (JSON.parse(r.extra_json) as Record<string, unknown>) : null) }
  }

  private shotRow(id: number): ShotRow {
    const row = this.db.prepare('SELECT * FROM shots WHERE id = ?').get(id) as ShotRow | undefined
    if (!row) throw notFound('Shot', id)
    return row
  }

  getShot(id: number): Shot {
    return this.shotFromRow(this.shotRow(id))
  }

  /**
   * A shot row without media yet (status 'pending'): what the generation engine
   * creates when it starts work, then fills with ingestFile(…, { shotId }).
   */
  createShot(channelId: number, meta: ShotMeta = {}): Shot {
    const channel = this.getChannel(channelId)
    const now = Date.now()
    const approved = meta.approved ?? channel.reviewPolicy === 'auto'
    const r = this.db
      .prepare(
        `INSERT INTO shots (channel_id, sequence_id, status, approved, prompt, seed, backend, extra_json, created_at, updated_at)
         VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?)`
      )
      .run(channelId, meta.sequenceId ?? null, approved ? 1 : 0, meta.prompt ?? '', meta.seed ?? null, meta.backend ?? null,
        meta.extra ? JSON.stringify(meta.extra) : null, now, now)
    this.changed(channelId, 'shots')
    return this.getShot(Number(r.lastInsertRowid))
  }

  listShots(q: ListShotsQuery): { shots: Shot[]; total: number } {
    const where = ['s.channel_id = @channelId']
    const params: Record<string, unknown> = { channelId: q.channelId, limit: q.limit ?? 50, offset: q.offset ?? 0 }
    if (q.status !== undefined) {
      where.push('s.status = @status')
      params.status = q.status
    }
    if (q.approved !== undefined) {
      where.push('s.approved = @approved')
      params.approved = q.approved ? 1 : 0
    }
    let from = 'shots s'
    let order = 's.id'
    if (q.search !== undefined && q.search.trim() !== '') {
      const match = ftsQuery(q.search)
      if (match === null) return { shots: [], total: 0 }
      // Driving the query from the FTS index (rowid order) is ~5x faster than `id IN (MATCH …)` at 100k rows.
      from = 'shots_fts f JOIN shots s ON s.id = f.rowid'
      order = 'f.rowid'
      where.unshift('shots_fts MATCH @match')
      params.match = match
    }
    const cond = where.join(' AND ')
    const rows = this.db.prepare(`SELECT s.* FROM ${from} WHERE ${cond} ORDER BY ${order} DESC LIMIT @limit OFFSET @offset`).all(params) as ShotRow[]
    const { total } = this.db.prepare(`SELECT COUNT(*) AS total FROM ${from} WHERE ${cond}`).get(params) as { total: number }
    return { shots: rows.map((r) => this.shotFromRow(r)), total }
  }

  updateShot(id: number, patch: { prompt?: string | undefined; approved?: boolean | undefined; seed?: number | undefined; backend?: string | undefined; sequenceId?: number | undefined; extra?: Record<string, unknown> | undefined }): Shot {
    const row = this.shotRow(id)
    this.db.transaction(() => {
      this.db
        .prepare('UPDATE shots SET prompt = ?, approved = ?, seed = ?, backend = ?, sequence_id = ?, extra_json = ?, updated_at = ? WHERE id = ?')
        .run(patch.prompt ?? row.prompt, patch.approved === undefined ? row.approved : patch.approved ? 1 : 0, patch.seed ?? row.seed,
          patch.backend ?? row.backend, patch.sequenceId ?? row.sequence_id,
          patch.extra ? JSON.stringify(patch.extra) : row.extra_json, Date.now(), id)
      this.bumpPlaylistIfListed(id, row.channel_id)
    }).immediate()
    this.changed(row.channel_id, 'shots')
    return this.getShot(id)
  }

  /** Mark a shot failed (e.g. its generation failed); keeps any media it already had out of the air. */
  failShot(id: number, error: string): Shot {
    const row = this.shotRow(id)
    this.db.transaction(() => {
      this.db.prepare("UPDATE shots SET status = 'failed', error = ?, owner_pid = NULL, updated_at = ? WHERE id = ?").run(error, Date.now(), id)
      this.bumpPlaylistIfListed(id, row.channel_id)
    }).immediate()
    this.changed(row.channel_id, 'shots')
    return this.getShot(id)
  }

  deleteShots(ids: number[]): { deleted: number; trashedFiles: number } {
    const { rows, files } = this.db.transaction(() => {
      const rows = ids.map((id) => this.shotRow(id))
      const channels = new Set(rows.map((r) => r.channel_id))
      const takesOf = this.db.prepare('SELECT * FROM takes WHERE shot_id = ?')
      const takes = rows.flatMap((r) => takesOf.all(r.id) as TakeRow[])
      const del = this.db.prepare('DELETE FROM shots WHERE id = ?')
      for (const r of rows) del.run(r.id)
      for (const c of channels) this.renumber(c, this.playlistIds(c))
      return { rows, files: this.unreferencedFiles([...rows, ...takes]) }
    }).immediate()
    const trashed = this.moveToTrash(files)
    for (const c of new Set(rows.map((r) => r.channel_id))) {
      this.changed(c, 'shots')
      this.changed(c, 'playlist')
    }
    return { deleted: rows.length, trashedFiles: trashed }
  }

  /** Files of the given (just deleted) shot or take rows that no remaining shot or take refers to. Call inside the transaction. */
  private unreferencedFiles(rows: MediaRefs[]): string[] {
    const files: string[] = []
    const mediaUsedStmt = this.db.prepare('SELECT 1 FROM shots WHERE media_hash = @h UNION ALL SELECT 1 FROM takes WHERE media_hash = @h LIMIT 1')
    const originalUsedStmt = this.db.prepare('SELECT 1 FROM shots WHERE original_path = @p UNION ALL SELECT 1 FROM takes WHERE original_path = @p LIMIT 1')
    const mediaUsed = { get: (h: string): unknown => mediaUsedStmt.get({ h }) }
    const originalUsed = { get: (p: string): unknown => originalUsedStmt.get({ p }) }
    const seen = new Set<string>()
    for (const r of rows) {
      if (r.media_hash && !seen.has(r.media_hash) && !mediaUsed.get(r.media_hash)) {
        seen.add(r.media_hash)
        for (const p of [r.mp4_path, r.ts_path, r.poster_path, r.strip_path]) if (p) files.push(p)
      }
      if (r.original_path && !seen.has(r.original_path) && !originalUsed.get(r.original_path)) {
        seen.add(r.original_path)
        files.push(r.original_path)
      }
    }
    return files
  }

  private moveToTrash(relPaths: string[]): number {
    if (relPaths.length === 0) return 0
    const stamp = new Date().toISOString().replace(/[:.]/g, '-')
    const dir = join(this.dataDir, 'trash', stamp)
    mkdirSync(dir, { recursive: true })
    let moved = 0
    for (const p of relPaths) {
      const from = this.abs(p)
      if (!existsSync(from)) continue
      try {
        renameSync(from, join(dir, basename(from)))
        moved++
      } catch {
        /* another process trashed it first */
      }
    }
    return moved
  }

  // ---------------------------------------------------------------- ingest

  /** Probe → refuse with a plain reason → conform to the channel's format → media by content hash → row ready. */
  async ingestFile(channelId: number, sourcePath: string, meta: ShotMeta = {}, opts: IngestOptions = {}): Promise<Shot> {
    return (await this.importFile(channelId, sourcePath, meta, opts)).shot
  }

  async importFile(channelId: number, sourcePath: string, meta: ShotMeta = {}, opts: IngestOptions = {}): Promise<IngestResult> {
    const channel = this.getChannel(channelId)
    const progress = opts.onProgress ?? (() => {})
    progress({ percent: 0, step: 'probe' })
    let info
    try {
      info = await probe(sourcePath, opts.signal)
      checkClip(info, { minSeconds: 0.5, maxSeconds: channel.maxClipSeconds })
    } catch (err) {
      if (meta.shotId !== undefined && err instanceof MediaRejectedError) this.failShot(meta.shotId, err.message)
      throw err
    }
    progress({ percent: 1, step: 'hash' })
    const sourceHash = await sha256File(sourcePath, opts.signal)
    const claim = this.claimForIngest(channel, sourceHash, basename(sourcePath), meta)
    if (claim.duplicate) return { shot: this.getShot(claim.id), duplicate: true }
    const shotId = claim.id
    this.working.add(shotId)
    try {
      const original = this.keepOriginal(sourcePath, sourceHash)
      this.db.prepare('UPDATE shots SET original_path = ? WHERE id = ?').run(original, shotId)
      await this.conformInto(shotId, sourcePath, channel.id, opts.signal, (p) => progress({ percent: 2 + p.percent * 0.98, step: p.step }), sourceHash, meta.jobId)
      return { shot: this.getShot(shotId), duplicate: false }
    } catch (err) {
      this.afterIngestFailure(shotId, claim.created, err)
      throw err
    } finally {
      this.working.delete(shotId)
    }
  }

  /** Find or make the row this file goes into and mark it ours, in one IMMEDIATE transaction. */
  private claimForIngest(channel: Channel, sourceHash: string, sourceName: string, meta: ShotMeta): { id: number; created: boolean; duplicate: boolean } {
    const now = Date.now()
    const result = this.db.transaction(() => {
      // A shot the caller names (generation) is filled as is: two generations may well produce identical bytes.
      const existing =
        meta.shotId === undefined
          ? (this.db.prepare('SELECT * FROM shots WHERE channel_id = ? AND source_hash = ?').get(channel.id, sourceHash) as ShotRow | undefined)
          : undefined
      if (existing) {
        if (existing.status === 'ready' && existing.format_rev === channel.formatRev) return { id: existing.id, created: false, duplicate: true }
        if (existing.status === 'conforming' && existing.owner_pid !== null && this.ownerAlive(existing)) {
          throw new StudioError('conflict', `${sourceName} is being imported into "${channel.name}" by another process (pid ${existing.owner_pid}).`)
        }
        // Left over from an interrupted or failed run: take it over rather than duplicate it.
        this.db.prepare("UPDATE shots SET status = 'conforming', owner_pid = ?, error = NULL, updated_at = ? WHERE id = ?").run(process.pid, now, existing.id)
        return { id: existing.id, created: false, duplicate: false }
      }
      if (meta.shotId !== undefined) {
        const row = this.shotRow(meta.shotId)
        if (row.channel_id !== channel.id) throw new StudioError('invalid_input', `Shot ${meta.shotId} belongs to another channel.`, 'shotId')
        if (row.status === 'conforming' && this.ownerAlive(row)) {
          throw new StudioError('conflict', `Shot ${row.id} is being converted by another process (pid ${row.owner_pid}).`)
        }
        this.db
          .prepare(
            `UPDATE shots SET status = 'conforming', owner_pid = ?, source_hash = NULL, source_name = ?, error = NULL,
               prompt = COALESCE(?, prompt), seed = COALESCE(?, seed), backend = COALESCE(?, backend), sequence_id = COALESCE(?, sequence_id),
               approved = COALESCE(?, approved), extra_json = COALESCE(?, extra_json), updated_at = ? WHERE id = ?`
          )
          .run(process.pid, sourceName, meta.prompt ?? null, meta.seed ?? null, meta.backend ?? null, meta.sequenceId ?? null,
            meta.approved === undefined ? null : meta.approved ? 1 : 0, meta.extra ? JSON.stringify(meta.extra) : null, now, meta.shotId)
        return { id: meta.shotId, created: false, duplicate: false }
      }
      const approved = meta.approved ?? channel.reviewPolicy === 'auto'
      const r = this.db
        .prepare(
          `INSERT INTO shots (channel_id, sequence_id, status, approved, prompt, seed, backend, extra_json, source_name, source_hash,
             owner_pid, created_at, updated_at) VALUES (?, ?, 'conforming', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
        )
        .run(channel.id, meta.sequenceId ?? null, approved ? 1 : 0, meta.prompt ?? '', meta.seed ?? null, meta.backend ?? null,
          meta.extra ? JSON.stringify(meta.extra) : null, sourceName, sourceHash, process.pid, now, now)
      return { id: Number(r.lastInsertRowid), created: true, duplicate: false }
    }).immediate()
    if (!result.duplicate) this.changed(channel.id, 'shots')
    return result
  }

  private ownerAlive(row: { id: number; owner_pid: number | null }, working: ReadonlySet<number> = this.working): boolean {
    if (row.owner_pid === null) return false
    if (row.owner_pid === process.pid) return working.has(row.id)
    return isPidAlive(row.owner_pid)
  }

  private afterIngestFailure(shotId: number, created: boolean, err: unknown): void {
    const row = this.db.prepare('SELECT * FROM shots WHERE id = ?').get(shotId) as ShotRow | undefined
    if (!row) return
    if (created) {
      // A fresh import that failed leaves nothing behind but its result line.
      this.db.prepare('DELETE FROM shots WHERE id = ?').run(shotId)
      this.moveToTrash(this.unreferencedFiles([row]).filter((p) => p.startsWith('originals/')))
    } else {
      const message = err instanceof AbortedError ? 'Import cancelled.' : err instanceof Error ? err.message : String(err)
      this.db.prepare("UPDATE shots SET status = 'failed', error = ?, owner_pid = NULL, updated_at = ? WHERE id = ?").run(message, Date.now(), shotId)
    }
    this.changed(row.channel_id, 'shots')
  }

  /** Copy the untouched source into originals/ by hash (temp name, then rename) so a format change can redo the conform. */
  private keepOriginal(sourcePath: string, hash: string): string {
    const ext = extname(sourcePath).toLowerCase().replace(/[^.a-z0-9]/g, '').slice(0, 8)
    const rel = `originals/${hash.slice(0, 2)}/${hash}${ext}`
    const target = this.abs(rel)
    if (existsSync(target)) return rel
    mkdirSync(join(target, '..'), { recursive: true })
    const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.part`
    copyFileSync(sourcePath, tmp)
    renameSync(tmp, target)
    return rel
  }

  private tempDir(): string {
    const dir = join(this.dataDir, 'tmp', `${process.pid}-${randomBytes(6).toString('hex')}`)
    mkdirSync(dir, { recursive: true })
    return dir
  }

  /**
   * Media is named by what determines it: the source bytes, the house format and
   * the conform recipe (x264 output is not byte-reproducible across runs, so the
   * output's own hash would not find an earlier identical conversion).
   */
  private mediaKey(inputHash: string, format: HouseFormat, lookKey: string): string {
    const canonical = JSON.stringify(format, Object.keys(format).sort())
    const recipe = `${CONFORM_RECIPE}:${tuningKey(this.options.tuning ?? DEFAULT_TUNING)}`
    return createHash('sha256').update(`${inputHash}\n${canonical}\n${recipe}\n${lookKey}`).digest('hex')
  }

  /**
   * Conform `input` for shot `shotId` into temp files, move them into media/ under
   * their key, then flip the row to ready — in that order, so no ready row ever
   * points at a missing file. When the same source was already conformed to the
   * same format, its files are reused and ffmpeg is not run.
   */
  private async conformInto(
    shotId: number,
    input: string,
    channelId: number,
    signal: AbortSignal | undefined,
    onProgress: (p: ConformProgress) => void,
    inputHash?: string,
    jobId?: number,
    /** Re-doing the look of a shot that keeps airing: only replace its media if it is still this one (no take was chosen meanwhile). */
    expectMediaHash?: string | null
  ): Promise<boolean> {
    const channel = this.getChannel(channelId)
    const { mediaHash, finals, durationMs, loudness } = await this.produceMedia(input, channel, signal, onProgress, inputHash, this.clipFacts(this.shotRow(shotId)))
    const replaced = this.db.transaction(() => {
      if (expectMediaHash !== undefined && this.shotRow(shotId).media_hash !== expectMediaHash) return false
      const now = this.getChannel(channelId)
      // The format changed while we worked: this media is already stale. (A newer look just leaves it for the worker.)
      const status = now.formatRev === channel.formatRev ? 'ready' : 'queued'
      this.db
        .prepare(
          `UPDATE shots SET status = ?, media_hash = ?, mp4_path = ?, ts_path = ?, poster_path = ?, strip_path = ?, duration_ms = ?,
             width = ?, height = ?, format_rev = ?, look_rev = ?, loudness_json = ?, owner_pid = NULL, error = NULL, updated_at = ? WHERE id = ?`
        )
        .run(status, mediaHash, finals.mp4, finals.ts, finals.poster, finals.strip, durationMs, channel.format.width,
          channel.format.height, channel.formatRev, channel.lookRev, loudness, Date.now(), shotId)
      this.syncChosenTake(shotId, jobId)
      this.bumpPlaylistIfListed(shotId, channelId)
      return true
    }).immediate()
    this.changed(channelId, 'shots')
    return replaced
  }

  /**
   * The shot's media is what its chosen take holds: after the shot is (re)filled,
   * the chosen take follows it, or — the first time — becomes its first take. Call inside the transaction.
   */
  private syncChosenTake(shotId: number, jobId?: number): void {
    const r = this.shotRow(shotId)
    const chosen = this.db.prepare('SELECT id FROM takes WHERE shot_id = ? AND chosen = 1 ORDER BY id DESC LIMIT 1').get(shotId) as { id: number } | undefined
    const media = [r.original_path, r.media_hash, r.mp4_path, r.ts_path, r.poster_path, r.strip_path, r.duration_ms, r.width, r.height, r.format_rev, r.look_rev, r.loudness_json]
    if (chosen) {
      this.db
        .prepare(
          `UPDATE takes SET status = 'ready', original_path = ?, media_hash = ?, mp4_path = ?, ts_path = ?, poster_path = ?, strip_path = ?,
             duration_ms = ?, width = ?, height = ?, format_rev = ?, look_rev = ?, loudness_json = ?, owner_pid = NULL, error = NULL WHERE id = ?`
        )
        .run(...media, chosen.id)
      return
    }
    const jobFree = jobId !== undefined && !this.db.prepare('SELECT 1 FROM takes WHERE job_id = ?').get(jobId)
    this.db
      .prepare(
        `INSERT INTO takes (shot_id, job_id, seed, backend, prompt, chosen, status, created_at, original_path, media_hash, mp4_path, ts_path,
           poster_path, strip_path, duration_ms, width, height, format_rev, look_rev, loudness_json) VALUES (?, ?, ?, ?, ?, 1, 'ready', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
      )
      .run(shotId, jobFree ? jobId : null, r.seed, r.backend, r.prompt, Date.now(), ...media)
  }

  /**
   * Conform `input` into temp files and move them into media/ under their key
   * (source bytes + format + recipe); reused without running ffmpeg when they
   * are already there. Nothing in the database changes here.
   */
  private async produceMedia(
    input: string,
    channel: Channel,
    signal: AbortSignal | undefined,
    onProgress: (p: ConformProgress) => void,
    inputHash: string | undefined,
    facts: ClipFacts
  ): Promise<{ mediaHash: string; finals: { mp4: string; ts: string; poster: string; strip: string }; durationMs: number; loudness: string | null }> {
    const mediaHash = this.mediaKey(inputHash ?? (await sha256File(input, signal)), channel.format, clipLookKey(channel.look, facts))
    const base = `media/${mediaHash.slice(0, 2)}/${mediaHash}`
    const finals = { mp4: `${base}.mp4`, ts: `${base}.ts`, poster: `${base}.jpg`, strip: `${base}.strip.jpg` }
    const known = this.db
      .prepare(
        `SELECT duration_ms, loudness_json FROM shots WHERE media_hash = @h AND status IN ('ready', 'queued') AND duration_ms IS NOT NULL
         UNION ALL SELECT duration_ms, loudness_json FROM takes WHERE media_hash = @h AND status = 'ready' AND duration_ms IS NOT NULL LIMIT 1`
      )
      .get({ h: mediaHash }) as { duration_ms: number; loudness_json: string | null } | undefined
    const allThere = Object.values(finals).every((p) => existsSync(this.abs(p)) && statSync(this.abs(p)).size > 0)
    if (known && allThere) {
      onProgress({ percent: 100, step: 'done' })
      return { mediaHash, finals, durationMs: known.duration_ms, loudness: known.loudness_json }
    }
    const tmp = this.tempDir()
    try {
      const targets = { mp4: join(tmp, 'clip.mp4'), ts: join(tmp, 'clip.ts'), poster: join(tmp, 'poster.jpg'), strip: join(tmp, 'strip.jpg') }
      const result = await conform(input, targets, channel.format, {
        signal,
        onProgress,
        limits: { minSeconds: 0.5, maxSeconds: channel.maxClipSeconds },
        look: clipLook(channel.look, this.dataDir, facts),
        ...(this.options.tuning ? { tuning: this.options.tuning } : {})
      })
      mkdirSync(this.abs(`media/${mediaHash.slice(0, 2)}`), { recursive: true })
      // rename() replaces atomically: a reader holding an older copy keeps reading it.
      for (const key of ['ts', 'poster', 'strip', 'mp4'] as const) renameSync(targets[key], this.abs(finals[key]))
      return { mediaHash, finals, durationMs: result.durationMs, loudness: loudnessJson(result.loudness) }
    } finally {
      rmSync(tmp, { recursive: true, force: true })
    }
  }

  // ---------------------------------------------------------------- takes

  private takeFromRow(r: TakeRow): Take {
    return {
      id: r.id,
      shotId: r.shot_id,
      jobId: r.job_id,
      status: r.status,
      chosen: r.chosen === 1,
      prompt: r.prompt,
      seed: r.seed,
      backend: r.backend,
      durationMs: r.duration_ms,
      width: r.width,
      height: r.height,
      mp4Path: r.mp4_path,
      tsPath: r.ts_path,
      posterPath: r.poster_path,
      stripPath: r.strip_path,
      formatRev: r.format_rev,
      loudness: loudnessFrom(r.loudness_json),
      error: r.error,
      createdAt: r.created_at
    }
  }

  getTake(id: number): Take {
    const row = this.db.prepare('SELECT * FROM takes WHERE id = ?').get(id) as TakeRow | undefined
    if (!row) throw notFound('Take', id)
    return this.takeFromRow(row)
  }

  /** The take a generation job made (or is making), if any. */
  takeOfJob(jobId: number): Take | undefined {
    const row = this.db.prepare('SELECT * FROM takes WHERE job_id = ?').get(jobId) as TakeRow | undefined
    return row ? this.takeFromRow(row) : undefined
  }

  /** Every take of a shot, oldest first. */
  listTakes(shotId: number): Take[] {
    this.shotRow(shotId)
    return (this.db.prepare('SELECT * FROM takes WHERE shot_id = ? ORDER BY id').all(shotId) as TakeRow[]).map((r) => this.takeFromRow(r))
  }

  /**
   * Make a take the shot's media: its files, seed, backend and prompt are copied
   * into the shot row and it becomes the chosen one, in one transaction. The
   * on-air engine reads the shot's ts_path at each clip boundary, so the choice
   * airs at the next one. No file is deleted: the previous take keeps its media.
   */
  chooseTake(takeId: number): Shot {
    const channelId = this.db.transaction(() => {
      const take = this.db.prepare('SELECT * FROM takes WHERE id = ?').get(takeId) as TakeRow | undefined
      if (!take) throw notFound('Take', takeId)
      const shot = this.shotRow(take.shot_id)
      const channel = this.getChannel(shot.channel_id)
      if (take.status !== 'ready' || !take.mp4_path || !take.ts_path || !take.poster_path) {
        throw new StudioError('conflict', `Take ${takeId} is not ready yet (${take.status}); choose it once its video is made.`, 'takeId')
      }
      if (take.format_rev !== channel.formatRev) {
        throw new StudioError('conflict', `Take ${takeId} was made for an earlier format of "${channel.name}"; regenerate it to use it.`, 'takeId')
      }
      if (shot.status === 'conforming' || shot.status === 'queued') {
        throw new StudioError('conflict', `Shot ${shot.id} is being converted right now; choose a take once it is done.`, 'takeId')
      }
      this.db
        .prepare(
          `UPDATE shots SET status = 'ready', original_path = ?, media_hash = ?, mp4_path = ?, ts_path = ?, poster_path = ?, strip_path = ?,
             duration_ms = ?, width = ?, height = ?, format_rev = ?, look_rev = ?, loudness_json = ?, seed = ?, backend = ?, prompt = ?, error = NULL,
             owner_pid = NULL, approved = ?, updated_at = ? WHERE id = ?`
        )
        .run(take.original_path, take.media_hash, take.mp4_path, take.ts_path, take.poster_path, take.strip_path, take.duration_ms,
          take.width, take.height, take.format_rev, take.look_rev, take.loudness_json, take.seed, take.backend, take.prompt || shot.prompt,
          // On a channel that holds new material for review, a different take is new material: it waits for approval.
          channel.reviewPolicy === 'manual' && !take.chosen ? 0 : shot.approved,
          Date.now(), shot.id)
      this.db.prepare('UPDATE takes SET chosen = CASE WHEN id = ? THEN 1 ELSE 0 END WHERE shot_id = ?').run(takeId, shot.id)
      this.bumpPlaylistIfListed(shot.id, shot.channel_id)
      return shot.channel_id
    }).immediate()
    this.changed(channelId, 'shots')
    this.changed(channelId, 'playlist')
    // A take made with an earlier look airs as it is until the worker has redone it.
    this.kickWorker()
    return this.getShot(this.getTake(takeId).shotId)
  }

  /**
   * Ingest a clip as a NEW take of an existing shot: probe, conform (temp files,
   * then rename under the content key), then mark the take ready. The shot's own
   * media is untouched until the take is chosen. With a jobId, a rerun (after a
   * crash or a retry) returns or takes over that job's take instead of adding one.
   */
  async ingestTake(shotId: number, sourcePath: string, meta: TakeMeta, opts: IngestOptions = {}): Promise<Take> {
    const shot = this.getShot(shotId)
    const channel = this.getChannel(shot.channelId)
    if (meta.jobId !== null) {
      const done = this.takeOfJob(meta.jobId)
      if (done?.status === 'ready') return done
    }
    const progress = opts.onProgress ?? (() => {})
    progress({ percent: 0, step: 'probe' })
    const info = await probe(sourcePath, opts.signal)
    checkClip(info, { minSeconds: 0.5, maxSeconds: channel.maxClipSeconds })
    progress({ percent: 1, step: 'hash' })
    const sourceHash = await sha256File(sourcePath, opts.signal)
    const claim = this.claimTake(shotId, meta)
    if (claim.ready) return this.getTake(claim.id)
    this.workingTakes.add(claim.id)
    try {
      const original = this.keepOriginal(sourcePath, sourceHash)
      const facts: ClipFacts = { backend: meta.backend, prompt: meta.prompt || shot.prompt, title: shotTitleOf(shot.extra) }
      const media = await this.produceMedia(sourcePath, channel, opts.signal, (p) => progress({ percent: 2 + p.percent * 0.98, step: p.step }), sourceHash, facts)
      const { changes } = this.db
        .prepare(
          `UPDATE takes SET status = 'ready', original_path = ?, media_hash = ?, mp4_path = ?, ts_path = ?, poster_path = ?, strip_path = ?,
             duration_ms = ?, width = ?, height = ?, format_rev = ?, look_rev = ?, loudness_json = ?, owner_pid = NULL, error = NULL WHERE id = ?`
        )
        .run(original, media.mediaHash, media.finals.mp4, media.finals.ts, media.finals.poster, media.finals.strip, media.durationMs,
          channel.format.width, channel.format.height, channel.formatRev, channel.lookRev, media.loudness, claim.id)
      if (changes === 0) {
        // The shot (and so its takes) was deleted while this take was being made:
        // nothing refers to what we just produced, so it goes to the trash too.
        const made = { media_hash: media.mediaHash, mp4_path: media.finals.mp4, ts_path: media.finals.ts, poster_path: media.finals.poster, strip_path: media.finals.strip, original_path: original }
        this.moveToTrash(this.unreferencedFiles([made]))
        throw new StudioError('not_found', `Shot ${shotId} was deleted while its new take was being made.`, 'shotId')
      }
      this.changed(channel.id, 'shots')
      return this.getTake(claim.id)
    } catch (err) {
      // An unfinished take leaves nothing behind; the job that made it says why, and its rerun starts a fresh row.
      this.db.prepare("DELETE FROM takes WHERE id = ? AND status = 'conforming'").run(claim.id)
      this.changed(channel.id, 'shots')
      throw err
    } finally {
      this.workingTakes.delete(claim.id)
    }
  }

  /** Find (by job) or make the take row a clip goes into, and mark it ours, in one IMMEDIATE transaction. */
  private claimTake(shotId: number, meta: TakeMeta): { id: number; ready: boolean } {
    return this.db.transaction(() => {
      this.shotRow(shotId)
      const row = meta.jobId === null ? undefined : (this.db.prepare('SELECT * FROM takes WHERE job_id = ?').get(meta.jobId) as TakeRow | undefined)
      if (row) {
        if (row.shot_id !== shotId) throw new StudioError('conflict', `Job ${meta.jobId} already made a take of shot ${row.shot_id}.`)
        if (row.status === 'ready') return { id: row.id, ready: true }
        if (row.status === 'conforming' && this.ownerAlive(row, this.workingTakes)) {
          throw new StudioError('conflict', `Take ${row.id} is being converted by another process (pid ${row.owner_pid}).`)
        }
        this.db.prepare("UPDATE takes SET status = 'conforming', owner_pid = ?, error = NULL WHERE id = ?").run(process.pid, row.id)
        return { id: row.id, ready: false }
      }
      const r = this.db
        .prepare(
          `INSERT INTO takes (shot_id, job_id, seed, backend, prompt, chosen, status, owner_pid, created_at)
           VALUES (?, ?, ?, ?, ?, 0, 'conforming', ?, ?)`
        )
        .run(shotId, meta.jobId, meta.seed, meta.backend, meta.prompt, process.pid, Date.now())
      return { id: Number(r.lastInsertRowid), ready: false }
    }).immediate()
  }

  /**
   * Rows a dead process was converting. An interrupted re-conform (the row had
   * media and its original is kept) goes back to the queue; an interrupted first
   * ingest is marked failed — whoever started it (an import rerun, a generation
   * retry) takes the row over when it tries again. Stale temp folders are removed.
   */
  private recoverInterrupted(): void {
    const rows = this.db.prepare("SELECT * FROM shots WHERE status = 'conforming'").all() as ShotRow[]
    for (const r of rows) {
      if (this.ownerAlive(r)) continue
      const requeue = r.mp4_path !== null && r.original_path !== null && existsSync(this.abs(r.original_path))
      this.db
        .prepare("UPDATE shots SET status = ?, error = ?, owner_pid = NULL, updated_at = ? WHERE id = ? AND status = 'conforming' AND owner_pid IS ?")
        .run(requeue ? 'queued' : 'failed', requeue ? null : 'The import was interrupted. Import the file again.', Date.now(), r.id, r.owner_pid)
    }
    // A take a dead process was converting: dropped; the job that made it resumes and makes it again.
    const takes = this.db.prepare("SELECT id, owner_pid FROM takes WHERE status = 'conforming'").all() as Array<{ id: number; owner_pid: number | null }>
    for (const t of takes) {
      if (this.ownerAlive(t, this.workingTakes)) continue
      this.db.prepare("DELETE FROM takes WHERE id = ? AND status = 'conforming' AND owner_pid IS ?").run(t.id, t.owner_pid)
    }
    const tmpRoot = join(this.dataDir, 'tmp')
    if (!existsSync(tmpRoot)) return
    for (const name of readdirSync(tmpRoot)) {
      const pid = Number(name.split('-')[0])
      if (Number.isInteger(pid) && pid !== process.pid && !isPidAlive(pid)) rmSync(join(tmpRoot, name), { recursive: true, force: true })
    }
  }

  // ---------------------------------------------------------------- re-conform worker

  /** Start (or nudge) the background worker that re-conforms queued shots. */
  kickWorker(): void {
    if (this.closed) return
    if (this.workerRun) {
      this.workerAgain = true
      return
    }
    this.workerRun = this.drainQueue()
      .then(() => undefined)
      .catch((err: unknown) => {
        if (!(err instanceof AbortedError)) console.error('[library] re-conform worker stopped:', err instanceof Error ? err.message : err)
      })
      .finally(() => {
        this.workerRun = null
        if (this.workerAgain && !this.closed) {
          this.workerAgain = false
          this.kickWorker()
        }
      })
  }

  /** Resolves when the worker has nothing left to do (tests, `--wait`). */
  async idle(): Promise<void> {
    while (this.workerRun) await this.workerRun
  }

  /**
   * Re-conform, one at a time until none are left: first shots queued by a format
   * change (they cannot air meanwhile), then shots made with an earlier look of
   * their channel — those stay ready and keep airing their current media until
   * the new files are in place. Returns how many were done.
   */
  async drainQueue(signal: AbortSignal = this.worker.signal): Promise<number> {
    let done = 0
    for (;;) {
      if (signal.aborted) throw new AbortedError()
      const next = this.db.transaction(() => {
        const r = this.db.prepare("SELECT * FROM shots WHERE status = 'queued' ORDER BY id LIMIT 1").get() as ShotRow | undefined
        if (r) {
          this.db.prepare("UPDATE shots SET status = 'conforming', owner_pid = ?, updated_at = ? WHERE id = ?").run(process.pid, Date.now(), r.id)
          return { row: r, look: false }
        }
        const stale = this.db
          .prepare("SELECT s.* FROM shots s JOIN channels c ON c.id = s.channel_id WHERE s.status = 'ready' AND s.look_rev IS NOT c.look_rev ORDER BY s.id")
          .all() as ShotRow[]
        const l = stale.find((x) => !this.ownerAlive(x))
        if (!l) return undefined
        this.db.prepare('UPDATE shots SET owner_pid = ? WHERE id = ?').run(process.pid, l.id)
        return { row: l, look: true }
      }).immediate()
      if (!next) return done
      const { row, look } = next
      this.working.add(row.id)
      try {
        const source = row.original_path && existsSync(this.abs(row.original_path)) ? this.abs(row.original_path) : row.mp4_path ? this.abs(row.mp4_path) : null
        if (!source || !existsSync(source)) throw new Error('Its source file is gone; it cannot be re-conformed.')
        const previous = row.media_hash
        const replaced = await this.conformInto(row.id, source, row.channel_id, signal, () => {}, undefined, undefined, look ? row.media_hash : undefined)
        // The old media goes to the trash unless another row still uses it (or the bytes came out identical);
        // a player holding the old file open keeps reading it.
        if (previous && replaced) this.moveToTrash(this.unreferencedFiles([{ ...row, original_path: null }]))
        done++
      } catch (err) {
        if (look) {
          // The shot keeps airing with its previous look; say why, and do not retry it in a loop.
          const message = err instanceof AbortedError ? null : `Could not apply the channel's look: ${err instanceof Error ? err.message : String(err)}`
          this.db
            .prepare('UPDATE shots SET owner_pid = NULL, error = COALESCE(?, error), look_rev = CASE WHEN ? IS NULL THEN look_rev ELSE (SELECT look_rev FROM channels WHERE id = ?) END WHERE id = ?')
            .run(message, message, row.channel_id, row.id)
          this.changed(row.channel_id, 'shots')
          if (err instanceof AbortedError) throw err
        } else {
          if (err instanceof AbortedError) {
            this.db.prepare("UPDATE shots SET status = 'queued', owner_pid = NULL WHERE id = ?").run(row.id)
            throw err
          }
          this.afterIngestFailure(row.id, false, err)
        }
      } finally {
        this.working.delete(row.id)
      }
    }
  }

  // ---------------------------------------------------------------- playlist

  private playlistIds(channelId: number): number[] {
    return (this.db.prepare('SELECT id FROM playlist_items WHERE channel_id = ? ORDER BY position').all(channelId) as Array<{ id: number }>).map((r) => r.id)
  }

  /** Rewrite positions to 0..n-1 in the given order (inside a transaction). */
  private renumber(channelId: number, ids: number[]): void {
    // Move everything out of the way first: UNIQUE(channel_id, position) is checked row by row.
    this.db.prepare('UPDATE playlist_items SET position = -1 - position WHERE channel_id = ?').run(channelId)
    const set = this.db.prepare('UPDATE playlist_items SET position = ? WHERE id = ?')
    ids.forEach((id, i) => set.run(i, id))
    this.bumpPlaylist(channelId)
  }

  private bumpPlaylist(channelId: number): void {
    this.db.prepare('UPDATE channels SET playlist_rev = playlist_rev + 1 WHERE id = ?').run(channelId)
  }

  private bumpPlaylistIfListed(shotId: number, channelId: number): void {
    if (this.db.prepare('SELECT 1 FROM playlist_items WHERE shot_id = ? LIMIT 1').get(shotId)) this.bumpPlaylist(channelId)
  }

  /** Grows on every change to this channel's playlist or the shots in it. */
  playlistRevision(channelId: number): number {
    const row = this.db.prepare('SELECT playlist_rev FROM channels WHERE id = ?').get(channelId) as { playlist_rev: number } | undefined
    if (!row) throw notFound('Channel', channelId)
    return row.playlist_rev
  }

  listPlaylist(channelId: number): PlaylistItem[] {
    return this.readPlaylist(channelId).items
  }

  /** The playlist and its revision, read in one snapshot. */
  readPlaylist(channelId: number): { revision: number; items: PlaylistItem[] } {
    return this.db.transaction(() => {
      const channel = this.getChannel(channelId)
      const rows = this.db
        .prepare(
          `SELECT p.id AS item_id, p.position, s.id AS shot_id, s.status, s.approved, s.duration_ms, s.ts_path, s.mp4_path, s.poster_path,
             s.prompt, s.format_rev FROM playlist_items p JOIN shots s ON s.id = p.shot_id WHERE p.channel_id = ? ORDER BY p.position`
        )
        .all(channelId) as Array<{ item_id: number; position: number; shot_id: number; status: ShotStatus; approved: number; duration_ms: number | null;
          ts_path: string | null; mp4_path: string | null; poster_path: string | null; prompt: string; format_rev: number | null }>
      const items = rows.map((r) => ({
        itemId: r.item_id,
        position: r.position,
        shotId: r.shot_id,
        status: r.status,
        approved: r.approved === 1,
        airable: r.status === 'ready' && r.approved === 1 && r.format_rev === channel.formatRev,
        durationMs: r.duration_ms,
        tsPath: this.abs(r.ts_path),
        mp4Path: this.abs(r.mp4_path),
        posterPath: this.abs(r.poster_path),
        prompt: r.prompt
      }))
      return { revision: channel.playlistRevision, items }
    })()
  }

  /** Insert shots before the item at `atPosition` (default: at the end). Returns the new item ids. */
  addToPlaylist(channelId: number, shotIds: number[], atPosition?: number): number[] {
    const added = this.db.transaction(() => {
      this.getChannel(channelId)
      for (const id of shotIds) {
        const row = this.shotRow(id)
        if (row.channel_id !== channelId) throw new StudioError('invalid_input', `Shot ${id} belongs to another channel.`, 'shotIds')
      }
      const order = this.playlistIds(channelId)
      const insert = this.db.prepare('INSERT INTO playlist_items (channel_id, shot_id, position, added_at) VALUES (?, ?, ?, ?)')
      const now = Date.now()
      // Temporary negative positions, below anything renumber() produces.
      const base = -1_000_000_000
      const newIds = shotIds.map((shotId, i) => Number(insert.run(channelId, shotId, base - i, now).lastInsertRowid))
      const at = Math.max(0, Math.min(atPosition ?? order.length, order.length))
      order.splice(at, 0, ...newIds)
      this.renumber(channelId, order)
      return newIds
    }).immediate()
    this.changed(channelId, 'playlist')
    return added
  }

  movePlaylistItem(itemId: number, toPosition: number): number {
    const channelId = this.db.transaction(() => {
      const item = this.db.prepare('SELECT channel_id FROM playlist_items WHERE id = ?').get(itemId) as { channel_id: number } | undefined
      if (!item) throw notFound('Playlist item', itemId)
      const order = this.playlistIds(item.channel_id).filter((id) => id !== itemId)
      order.splice(Math.max(0, Math.min(toPosition, order.length)), 0, itemId)
      this.renumber(item.channel_id, order)
      return item.channel_id
    }).immediate()
    this.changed(channelId, 'playlist')
    return channelId
  }

  /** Returns the channels touched. Unknown ids fail the whole call (nothing removed). */
  removePlaylistItems(itemIds: number[]): number[] {
    const channels = this.db.transaction(() => {
      const touched = new Set<number>()
      const get = this.db.prepare('SELECT channel_id FROM playlist_items WHERE id = ?')
      for (const id of itemIds) {
        const item = get.get(id) as { channel_id: number } | undefined
        if (!item) throw notFound('Playlist item', id)
        touched.add(item.channel_id)
      }
      const del = this.db.prepare('DELETE FROM playlist_items WHERE id = ?')
      for (const id of itemIds) del.run(id)
      for (const c of touched) this.renumber(c, this.playlistIds(c))
      return [...touched]
    }).immediate()
    for (const c of channels) this.changed(c, 'playlist')
    return channels
  }

  // ---------------------------------------------------------------- settings

  getSetting(key: string): string | undefined {
    return (this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined)?.value
  }

  setSetting(key: string, value: string): void {
    this.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value)
  }

  // ------------------------------------------------------- on air, across processes

  /**
   * The on-air engine records which process airs a channel, so every process on
   * this data folder (a CLI next to `webtv air`, the desktop app) can refuse edits
   * that would break the stream. Null clears it.
   */
  markOnAir(channelId: number, pid: number | null): void {
    const key = `onair.pid.${channelId}`
    if (pid === null) this.db.prepare('DELETE FROM settings WHERE key = ?').run(key)
    else this.setSetting(key, String(pid))
  }

  /** The pid of another live process airing this channel, if any (a crashed one's mark is ignored). */
  onAirElsewhere(channelId: number): number | undefined {
    const pid = Number(this.getSetting(`onair.pid.${channelId}`))
    return Number.isInteger(pid) && pid > 0 && pid !== process.pid && isPidAlive(pid) ? pid : undefined
  }

  // ---------------------------------------------------------------- lifecycle

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.worker.abort()
    await this.idle()
    this.db.close()
  }

  /** For diagnostics: size of every media file a ready row names, missing ones listed. */
  missingMedia(): Array<{ shotId: number; path: string }> {
    const rows = this.db.prepare("SELECT id, mp4_path, ts_path, poster_path, strip_path FROM shots WHERE status = 'ready'").all() as Array<Pick<ShotRow, 'id' | 'mp4_path' | 'ts_path' | 'poster_path' | 'strip_path'>>
    const missing: Array<{ shotId: number; path: string }> = []
    for (const r of rows) {
      for (const p of [r.mp4_path, r.ts_path, r.poster_path, r.strip_path]) {
        if (!p || !existsSync(this.abs(p)) || statSync(this.abs(p)).size === 0) missing.push({ shotId: r.id, path: p ?? '(none)' })
      }
    }
    return missing
  }
}

export function openLibrary(dataDir: string, options?: LibraryOptions): Library {
  return new Library(dataDir, options)
}

export { MediaRejectedError }
