import { EventEmitter } from 'node:events'
import { mkdirSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { openDatabase, type Db } from '../db/database'
import { isPidAlive } from '../process/pid-alive'
import {
  channelFromRow,
  notFound,
  shotFromRow,
  type Channel,
  type ChannelRow,
  type LibraryChange,
  type LibraryOptions,
  type Shot,
  type ShotRow,
  type TakeGate
} from './rows'

const DB_FILE = 'library.db'

/** shot_count and pending_count are kept by triggers (schema version 12): no count per read. */
export const CHANNEL_SELECT = `SELECT c.*, c.pending_count AS pending FROM channels c`

/**
 * What every part of the library shares: the database of one data folder, its media
 * paths, the change events, and the rows this process is converting. Also the plain
 * reads of a channel and a shot that every part needs.
 */
export class LibraryStore {
  readonly db: Db
  private readonly events = new EventEmitter()
  /** Shots this process is converting right now (a matching owner_pid from an earlier process with our pid is stale). */
  readonly working = new Set<number>()
  /** Takes this process is converting right now. */
  readonly workingTakes = new Set<number>()
  /** The quality gate every new take passes (none until the checks feature attaches it). */
  gate: TakeGate | null = null

  constructor(
    readonly dataDir: string,
    readonly options: LibraryOptions = {}
  ) {
    mkdirSync(dataDir, { recursive: true })
    this.db = openDatabase(join(dataDir, DB_FILE))
    this.events.setMaxListeners(0)
  }

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

  changed(channelId: number | null, what: LibraryChange['what']): void {
    const revision = channelId !== null && what !== 'channels' ? this.playlistRevisionOf(channelId) : undefined
    this.events.emit('change', {
      channelId,
      what,
      ...(revision === undefined ? {} : { revision })
    } satisfies LibraryChange)
  }

  /** The channel's playlist revision (a trigger bumps it on every change a timeline item shows); undefined once it is gone. */
  private playlistRevisionOf(channelId: number): number | undefined {
    const row = this.db.prepare('SELECT playlist_rev FROM channels WHERE id = ?').get(channelId) as
      { playlist_rev: number } | undefined
    return row?.playlist_rev
  }

  /** Grows when ANY process commits a write to the database (SQLite's data_version). */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number
  }

  /** Whether the process that claimed a row for conversion still works on it. */
  ownerAlive(row: { id: number; owner_pid: number | null }, working: ReadonlySet<number> = this.working): boolean {
    if (row.owner_pid === null) return false
    if (row.owner_pid === process.pid) return working.has(row.id)
    return isPidAlive(row.owner_pid)
  }

  getChannel(id: number): Channel {
    const row = this.db.prepare(`${CHANNEL_SELECT} WHERE c.id = ?`).get(id) as ChannelRow | undefined
    if (!row) throw notFound('Channel', id)
    return channelFromRow(row)
  }

  shotRow(id: number): ShotRow {
    const row = this.db.prepare('SELECT * FROM shots WHERE id = ?').get(id) as ShotRow | undefined
    if (!row) throw notFound('Shot', id)
    return row
  }

  getShot(id: number): Shot {
    return shotFromRow(this.shotRow(id))
  }
}
