import { shotFromRow, type ListShotsQuery, type Shot, type ShotMeta, type ShotRow, type TakeRow } from './rows'
import { ftsQuery } from './search'
import type { LibraryStore } from './store'
import type { MediaTrash, TrashMove } from './trash'
import type { Playlist } from './playlist'

/** A search's total is counted up to this many matches (more: `totalCapped`, "1000+"). */
export const SEARCH_COUNT_CAP = 1000

/** The named parameters a statement does not use (better-sqlite3 refuses unknown ones). */
function stripUnused(params: Record<string, unknown>, names: string[]): Record<string, unknown> {
  const out = { ...params }
  for (const n of names) delete out[n]
  return out
}

/** A channel's shots: create, list and search, edit, fail, delete (their unused media to the trash). */
export class Shots {
  constructor(
    private readonly store: LibraryStore,
    private readonly playlist: Playlist,
    private readonly trash: MediaTrash
  ) {}

  /**
   * A shot row without media yet (status 'pending'): what the generation engine
   * creates when it starts work, then fills with ingestFile(…, { shotId }).
   */
  createShot(channelId: number, meta: ShotMeta = {}): Shot {
    const channel = this.store.getChannel(channelId)
    const now = Date.now()
    const approved = meta.approved ?? channel.reviewPolicy === 'auto'
    const r = this.store.db
      .prepare(
        `INSERT INTO shots (channel_id, sequence_id, status, approved, prompt, seed, backend, extra_json, created_at, updated_at)
         VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?)`
      )
      .run(
        channelId,
        meta.sequenceId ?? null,
        approved ? 1 : 0,
        meta.prompt ?? '',
        meta.seed ?? null,
        meta.backend ?? null,
        meta.extra ? JSON.stringify(meta.extra) : null,
        now,
        now
      )
    this.store.changed(channelId, 'shots')
    return this.store.getShot(Number(r.lastInsertRowid))
  }

  /** The shot's planned sound as stored (show/sound.ts reads it), or null. */
  shotSoundJson(id: number): string | null {
    const row = this.store.db.prepare('SELECT sound_json FROM shots WHERE id = ?').get(id) as
      { sound_json: string | null } | undefined
    return row?.sound_json ?? null
  }

  setShotSoundJson(id: number, json: string | null): void {
    this.store.db.prepare('UPDATE shots SET sound_json = ? WHERE id = ?').run(json, id)
  }

  shotExists(id: number): boolean {
    return this.store.db.prepare('SELECT 1 FROM shots WHERE id = ?').get(id) !== undefined
  }

  /** Shots waiting for or in conversion to the house format, across channels (the conform backlog). */
  pendingConformCount(): number {
    const row = this.store.db
      .prepare("SELECT COUNT(*) AS n FROM shots WHERE status IN ('queued', 'conforming')")
      .get() as { n: number }
    return row.n
  }

  listShots(q: ListShotsQuery): { shots: Shot[]; total: number; totalCapped: boolean } {
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
    if (q.missing !== undefined) {
      where.push('s.media_missing = @missing')
      params.missing = q.missing ? 1 : 0
    }
    let from = 'shots s'
    let order = 's.id'
    let countCap: number | null = null
    if (q.search !== undefined && q.search.trim() !== '') {
      const match = ftsQuery(q.search)
      if (match === null) return { shots: [], total: 0, totalCapped: false }
      // The FTS index drives (rowid order, newest first), each match looked up in shots by primary key:
      // CROSS JOIN keeps that order whatever the planner's statistics say.
      from = 'shots_fts f CROSS JOIN shots s ON s.id = f.rowid'
      order = 'f.rowid'
      where.unshift('shots_fts MATCH @match')
      params.match = match
      // Counting every match costs one row lookup each (200 ms for "whale" at a million shots):
      // a search counts up to a cap and says so.
      countCap = SEARCH_COUNT_CAP
    }
    const cond = where.join(' AND ')
    // Keyset paging: "older than this id" reads one page whatever its depth (OFFSET walks every row before it).
    const keyset = q.beforeId !== undefined ? ` AND ${order} < @beforeId` : ''
    if (q.beforeId !== undefined) params.beforeId = q.beforeId
    const rows = this.store.db
      .prepare(
        `SELECT s.* FROM ${from} WHERE ${cond}${keyset} ORDER BY ${order} DESC LIMIT @limit${q.beforeId !== undefined ? '' : ' OFFSET @offset'}`
      )
      .all(q.beforeId !== undefined ? stripUnused(params, ['offset']) : params) as ShotRow[]
    const countSql =
      countCap === null
        ? `SELECT COUNT(*) AS total FROM ${from} WHERE ${cond}`
        : `SELECT COUNT(*) AS total FROM (SELECT 1 FROM ${from} WHERE ${cond} LIMIT ${countCap + 1})`
    // A channel's whole list: its count is kept by triggers (schema 12); counting a million rows took 50 ms a page.
    const unfiltered = where.length === 1 && countCap === null
    const { total } = ((unfiltered
      ? this.store.db.prepare('SELECT shot_count AS total FROM channels WHERE id = ?').get(q.channelId)
      : this.store.db.prepare(countSql).get(stripUnused(params, ['limit', 'offset', 'beforeId']))) as
      { total: number } | undefined) ?? { total: 0 }
    const capped = countCap !== null && total > countCap
    return { shots: rows.map((r) => shotFromRow(r)), total: capped ? countCap! : total, totalCapped: capped }
  }

  updateShot(
    id: number,
    patch: {
      prompt?: string | undefined
      approved?: boolean | undefined
      seed?: number | undefined
      backend?: string | undefined
      sequenceId?: number | undefined
      extra?: Record<string, unknown> | undefined
    }
  ): Shot {
    const row = this.store.shotRow(id)
    this.store.db
      .transaction(() => {
        this.store.db
          .prepare(
            'UPDATE shots SET prompt = ?, approved = ?, seed = ?, backend = ?, sequence_id = ?, extra_json = ?, updated_at = ? WHERE id = ?'
          )
          .run(
            patch.prompt ?? row.prompt,
            patch.approved === undefined ? row.approved : patch.approved ? 1 : 0,
            patch.seed ?? row.seed,
            patch.backend ?? row.backend,
            patch.sequenceId ?? row.sequence_id,
            patch.extra ? JSON.stringify(patch.extra) : row.extra_json,
            Date.now(),
            id
          )
      })
      .immediate()
    this.store.changed(row.channel_id, 'shots')
    return this.store.getShot(id)
  }

  /** Mark a shot failed (e.g. its generation failed); keeps any media it already had out of the air. */
  failShot(id: number, error: string): Shot {
    const row = this.store.shotRow(id)
    this.store.db
      .transaction(() => {
        this.store.db
          .prepare("UPDATE shots SET status = 'failed', error = ?, owner_pid = NULL, updated_at = ? WHERE id = ?")
          .run(error, Date.now(), id)
      })
      .immediate()
    this.store.changed(row.channel_id, 'shots')
    return this.store.getShot(id)
  }

  /** `trashed` says where each file went, so an undo can bring it back. */
  deleteShots(ids: number[]): { deleted: number; trashedFiles: number; trashed: TrashMove[] } {
    const { rows, files } = this.store.db
      .transaction(() => {
        const rows = ids.map((id) => this.store.shotRow(id))
        const channels = new Set(rows.map((r) => r.channel_id))
        const takesOf = this.store.db.prepare('SELECT * FROM takes WHERE shot_id = ?')
        const takes = rows.flatMap((r) => takesOf.all(r.id) as TakeRow[])
        const del = this.store.db.prepare('DELETE FROM shots WHERE id = ?')
        for (const r of rows) del.run(r.id)
        for (const c of channels) this.playlist.renumber(c, this.playlist.playlistIds(c))
        return { rows, files: this.trash.unreferencedFiles([...rows, ...takes]) }
      })
      .immediate()
    const trashed = this.trash.moveToTrashNoting(files)
    for (const c of new Set(rows.map((r) => r.channel_id))) {
      this.store.changed(c, 'shots')
      this.store.changed(c, 'playlist')
    }
    return { deleted: rows.length, trashedFiles: trashed.length, trashed }
  }
}
