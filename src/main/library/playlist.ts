import { StudioError } from '../../shared/contract/define'
import type { ShotStatus } from '../../shared/contract/library'
import { notFound, type PlaylistItem } from './rows'
import type { LibraryStore } from './store'

/**
 * Each channel's playlist: ordered items, one revision that grows on every change to
 * the order or to a shot in it (what the on-air engine and the UIs watch).
 */
export class Playlist {
  /**
   * Each channel's summed playlist length at one playlist revision. The revision grows on
   * every change to the items or to what they show of their shots, length included
   * (schema 13's trigger), so the sum is the same at the same revision and item count: a
   * page of a 30,000-item timeline then costs its own rows and a count, not a join over
   * all 30,000 (which every page, the first screen's included, paid). The channel's
   * creation time is part of the key because a deleted channel's id can be given to a new one.
   */
  private readonly totals = new Map<number, { revision: number; createdAt: number; n: number; ms: number }>()

  constructor(private readonly store: LibraryStore) {}

  playlistIds(channelId: number): number[] {
    return (
      this.store.db
        .prepare('SELECT id FROM playlist_items WHERE channel_id = ? ORDER BY position')
        .all(channelId) as Array<{ id: number }>
    ).map((r) => r.id)
  }

  /** Which shot each of this channel's playlist items plays: item id → shot id. */
  playlistShotIds(channelId: number): Map<number, number> {
    const rows = this.store.db
      .prepare('SELECT id, shot_id FROM playlist_items WHERE channel_id = ?')
      .all(channelId) as Array<{ id: number; shot_id: number }>
    return new Map(rows.map((r) => [r.id, r.shot_id]))
  }

  /**
   * The titled sequence (a produced show sequence) each of this channel's playlist items
   * belongs to, through its shot: item id → sequence. Items of untitled sequences or
   * of none are left out (the guide lists those clip by clip). With itemIds, only those
   * items (what now/next asks for, without reading a long playlist).
   */
  playlistSequences(
    channelId: number,
    itemIds?: readonly number[]
  ): Map<number, { id: number; title: string; synopsis: string }> {
    if (itemIds?.length === 0) return new Map()
    const only = itemIds ? ` AND p.id IN (${itemIds.map(() => '?').join(',')})` : ''
    const rows = this.store.db
      .prepare(
        `SELECT p.id AS item_id, q.id AS id, q.title AS title, q.synopsis AS synopsis
         FROM playlist_items p JOIN shots s ON s.id = p.shot_id JOIN sequences q ON q.id = s.sequence_id
         WHERE p.channel_id = ? AND q.title != ''${only}`
      )
      .all(channelId, ...(itemIds ?? [])) as Array<{ item_id: number; id: number; title: string; synopsis: string }>
    return new Map(rows.map((r) => [r.item_id, { id: r.id, title: r.title, synopsis: r.synopsis }]))
  }

  /** The shot a playlist item plays and that shot's chosen take (what the as-run log records); null when the item is gone. */
  itemShotAndTake(itemId: number): { shotId: number; takeId: number | null } | null {
    const row = this.store.db
      .prepare(
        `SELECT p.shot_id AS shot_id, (SELECT t.id FROM takes t WHERE t.shot_id = p.shot_id AND t.chosen = 1 ORDER BY t.id DESC LIMIT 1) AS take_id
         FROM playlist_items p WHERE p.id = ?`
      )
      .get(itemId) as { shot_id: number; take_id: number | null } | undefined
    return row ? { shotId: row.shot_id, takeId: row.take_id } : null
  }

  /** Rewrite positions to 0..n-1 in the given order (inside a transaction), touching only the rows that move. */
  renumber(channelId: number, ids: number[]): void {
    const now = new Map(
      (
        this.store.db.prepare('SELECT id, position FROM playlist_items WHERE channel_id = ?').all(channelId) as Array<{
          id: number
          position: number
        }>
      ).map((r) => [r.id, r.position])
    )
    // A move or an append changes a few positions of a long playlist: rewriting all 30,000 took seconds.
    const moved = ids.flatMap((id, i) => (now.get(id) === i ? [] : [{ id, i }]))
    // Out of the way first (UNIQUE(channel_id, position) is checked row by row): -1-k is below every
    // position kept and above the temporary ones addToPlaylist gives new rows.
    const set = this.store.db.prepare('UPDATE playlist_items SET position = ? WHERE id = ?')
    moved.forEach((m, k) => set.run(-1 - k, m.id))
    for (const m of moved) set.run(m.i, m.id)
    this.bumpPlaylist(channelId)
  }

  bumpPlaylist(channelId: number): void {
    this.store.db.prepare('UPDATE channels SET playlist_rev = playlist_rev + 1 WHERE id = ?').run(channelId)
  }

  /** Grows on every change to this channel's playlist or to what its items show of their shots (schema 14's trigger). */
  playlistRevision(channelId: number): number {
    const row = this.store.db.prepare('SELECT playlist_rev FROM channels WHERE id = ?').get(channelId) as
      { playlist_rev: number } | undefined
    if (!row) throw notFound('Channel', channelId)
    return row.playlist_rev
  }

  listPlaylist(channelId: number): PlaylistItem[] {
    return this.readPlaylist(channelId).items
  }

  /** The playlist and its revision, read in one snapshot (media paths absolute: what the playout opens). */
  readPlaylist(channelId: number): { revision: number; items: PlaylistItem[] } {
    return this.readWith(channelId, (rel) => this.store.abs(rel))
  }

  /** The same, with the stored data-folder-relative paths (what the contract carries: no path work per item). */
  readPlaylistRelative(channelId: number): { revision: number; items: PlaylistItem[] } {
    return this.readWith(channelId, (rel) => rel)
  }

  /** Summed length (ms) of the items that can air (ready, approved, in the channel's current format): one query, no rows. */
  airableDurationMs(channelId: number): number {
    const channel = this.store.getChannel(channelId)
    const r = this.store.db
      .prepare(
        `SELECT COALESCE(SUM(s.duration_ms), 0) AS ms FROM playlist_items p JOIN shots s ON s.id = p.shot_id
         WHERE p.channel_id = ? AND s.status = 'ready' AND s.approved = 1 AND s.format_rev IS ?`
      )
      .get(channelId, channel.formatRev) as { ms: number }
    return r.ms
  }

  /**
   * One window of the playlist in air order (data-folder-relative paths), with the
   * whole list's count and length: what a screen needs to draw the first cards of a
   * long timeline before the rest has arrived. Read in one transaction, so the window,
   * count and revision agree.
   */
  readPlaylistPage(
    channelId: number,
    offset: number,
    limit: number
  ): { revision: number; total: number; totalDurationMs: number; items: PlaylistItem[] } {
    return this.store.db.transaction(() => {
      const channel = this.store.getChannel(channelId)
      // The count is read each time (from the index alone, a tenth of the sum's cost): a shot
      // deleted under an item takes the item with it (ON DELETE CASCADE) with no new revision.
      const count = this.store.db.prepare('SELECT COUNT(*) AS n FROM playlist_items WHERE channel_id = ?')
      const { n } = count.get(channelId) as { n: number }
      let totals = this.totals.get(channelId)
      if (
        !totals ||
        totals.revision !== channel.playlistRevision ||
        totals.createdAt !== channel.createdAt ||
        totals.n !== n
      ) {
        const { ms } = this.store.db
          .prepare(
            `SELECT COALESCE(SUM(s.duration_ms), 0) AS ms FROM playlist_items p JOIN shots s ON s.id = p.shot_id WHERE p.channel_id = ?`
          )
          .get(channelId) as { ms: number }
        totals = { revision: channel.playlistRevision, createdAt: channel.createdAt, n, ms }
        this.totals.set(channelId, totals)
      }
      const { revision, items } = this.readWith(channelId, (rel) => rel, { offset, limit })
      return { revision, total: totals.n, totalDurationMs: totals.ms, items }
    })()
  }

  private readWith(
    channelId: number,
    path: (rel: string | null) => string | null,
    window?: { offset: number; limit: number }
  ): { revision: number; items: PlaylistItem[] } {
    return this.store.db.transaction(() => {
      const channel = this.store.getChannel(channelId)
      const rows = this.store.db
        .prepare(
          `SELECT p.id AS item_id, p.position, s.id AS shot_id, s.status, s.approved, s.duration_ms, s.ts_path, s.mp4_path, s.poster_path,
             s.prompt, s.format_rev FROM playlist_items p JOIN shots s ON s.id = p.shot_id WHERE p.channel_id = ? ORDER BY p.position
             ${window ? 'LIMIT ? OFFSET ?' : ''}`
        )
        .all(channelId, ...(window ? [window.limit, window.offset] : [])) as Array<{
        item_id: number
        position: number
        shot_id: number
        status: ShotStatus
        approved: number
        duration_ms: number | null
        ts_path: string | null
        mp4_path: string | null
        poster_path: string | null
        prompt: string
        format_rev: number | null
      }>
      const items = rows.map((r) => ({
        itemId: r.item_id,
        position: r.position,
        shotId: r.shot_id,
        status: r.status,
        approved: r.approved === 1,
        airable: r.status === 'ready' && r.approved === 1 && r.format_rev === channel.formatRev,
        durationMs: r.duration_ms,
        tsPath: path(r.ts_path),
        mp4Path: path(r.mp4_path),
        posterPath: path(r.poster_path),
        prompt: r.prompt
      }))
      return { revision: channel.playlistRevision, items }
    })()
  }

  /** Insert shots before the item at `atPosition` (default: at the end). Returns the new item ids. */
  addToPlaylist(channelId: number, shotIds: number[], atPosition?: number): number[] {
    const added = this.store.db
      .transaction(() => {
        this.store.getChannel(channelId)
        for (const id of shotIds) {
          const row = this.store.shotRow(id)
          if (row.channel_id !== channelId)
            throw new StudioError('invalid_input', `Shot ${id} belongs to another channel.`, 'shotIds')
        }
        const order = this.playlistIds(channelId)
        const insert = this.store.db.prepare(
          'INSERT INTO playlist_items (channel_id, shot_id, position, added_at) VALUES (?, ?, ?, ?)'
        )
        const now = Date.now()
        // Temporary negative positions, below anything renumber() produces.
        const base = -1_000_000_000
        const newIds = shotIds.map((shotId, i) => Number(insert.run(channelId, shotId, base - i, now).lastInsertRowid))
        const at = Math.max(0, Math.min(atPosition ?? order.length, order.length))
        order.splice(at, 0, ...newIds)
        this.renumber(channelId, order)
        return newIds
      })
      .immediate()
    this.store.changed(channelId, 'playlist')
    return added
  }

  movePlaylistItem(itemId: number, toPosition: number): number {
    const channelId = this.store.db
      .transaction(() => {
        const item = this.store.db.prepare('SELECT channel_id FROM playlist_items WHERE id = ?').get(itemId) as
          { channel_id: number } | undefined
        if (!item) throw notFound('Playlist item', itemId)
        const order = this.playlistIds(item.channel_id).filter((id) => id !== itemId)
        order.splice(Math.max(0, Math.min(toPosition, order.length)), 0, itemId)
        this.renumber(item.channel_id, order)
        return item.channel_id
      })
      .immediate()
    this.store.changed(channelId, 'playlist')
    return channelId
  }

  /**
   * Put the whole playlist in the order given, in one transaction and one revision.
   * The list must name every item of the playlist exactly once: a list made from a
   * stale view (an item added or removed meanwhile) is refused and nothing moves.
   */
  reorderPlaylist(channelId: number, itemIds: number[]): void {
    const changed = this.store.db
      .transaction(() => {
        const channel = this.store.getChannel(channelId)
        const current = this.playlistIds(channelId)
        const known = new Set(current)
        const seen = new Set<number>()
        for (const id of itemIds) {
          if (seen.has(id))
            throw new StudioError(
              'invalid_input',
              `Playlist item ${id} is listed twice; list each item once.`,
              'itemIds'
            )
          seen.add(id)
          if (!known.has(id)) {
            throw new StudioError(
              'conflict',
              `Playlist item ${id} is not in the playlist of "${channel.name}" (any more); reload the playlist and try again.`,
              'itemIds'
            )
          }
        }
        const missing = current.filter((id) => !seen.has(id))
        if (missing.length > 0) {
          throw new StudioError(
            'conflict',
            `The new order leaves out ${missing.length} item(s) of the playlist of "${channel.name}" (e.g. item ${missing[0]}); reload the playlist and try again.`,
            'itemIds'
          )
        }
        if (itemIds.every((id, i) => current[i] === id)) return false
        this.renumber(channelId, itemIds)
        return true
      })
      .immediate()
    if (changed) this.store.changed(channelId, 'playlist')
  }

  /** Returns the channels touched. Unknown ids fail the whole call (nothing removed). */
  removePlaylistItems(itemIds: number[]): number[] {
    const channels = this.store.db
      .transaction(() => {
        const touched = new Set<number>()
        const get = this.store.db.prepare('SELECT channel_id FROM playlist_items WHERE id = ?')
        for (const id of itemIds) {
          const item = get.get(id) as { channel_id: number } | undefined
          if (!item) throw notFound('Playlist item', id)
          touched.add(item.channel_id)
        }
        const del = this.store.db.prepare('DELETE FROM playlist_items WHERE id = ?')
        for (const id of itemIds) del.run(id)
        for (const c of touched) this.renumber(c, this.playlistIds(c))
        return [...touched]
      })
      .immediate()
    for (const c of channels) this.store.changed(c, 'playlist')
    return channels
  }
}
