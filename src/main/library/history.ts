import { createHash } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { existsSync, mkdirSync, renameSync } from 'node:fs'
import { dirname } from 'node:path'
import { StudioError } from '../../shared/contract/define'
import type { HouseFormat } from '../../shared/house-format'
import type { ChannelLook } from '../../shared/channel-look'
import type { Channel, Shot, ShotRow, TakeRow, UpdateChannelInput } from './rows'
import type { LibraryStore } from './store'
import type { Playlist } from './playlist'
import type { TrashMove } from './trash'

/**
 * Undo/redo of the edits people make in the studio, per channel, kept in SQLite so
 * it survives a reload and is the same in every window. Each entry stores the state
 * before and after of exactly what the edit touched. An undo first checks that the
 * current state still IS the recorded "after" (another window, the `webtv` CLI or a
 * second process may have changed it since) and refuses, naming what changed, if
 * not; otherwise it puts the "before" back through the library's ordinary write
 * paths in one IMMEDIATE transaction, so the on-air engine sees it like any edit
 * (the playlist revision grows; it airs at the next clip boundary).
 */

/** How many undo steps each channel keeps; older ones are dropped as new edits come. */
export const HISTORY_LIMIT = 100

export type EditKind = 'playlist' | 'shot' | 'delete' | 'channel' | 'state'

/** One playlist item as the history keeps it: [itemId, shotId, addedAt]. */
type ItemTuple = [number, number, number]

/**
 * A playlist change, stored compactly: only the window that differs (the common head
 * and tail are left out) plus a digest of the whole list before and after, so a
 * 100 000-item timeline does not cost 100 000 items per step.
 */
interface PlaylistDiff {
  start: number
  before: ItemTuple[]
  after: ItemTuple[]
  /**
   * A single move: the window's first item went to its end ('toEnd') or its last to
   * its front ('toStart'). Then before/after hold just the moved item and the window (of
   * `length` items, all still on the timeline) is rotated back in place: moving one
   * shot across a 100 000-item timeline stores a few hundred bytes, not megabytes.
   */
  slide?: 'toEnd' | 'toStart'
  length?: number
  lengthBefore: number
  lengthAfter: number
  digestBefore: string
  digestAfter: string
}

interface ShotState {
  id: number
  approved: boolean
  prompt: string
  chosenTakeId: number | null
}

interface ChannelState {
  name: string
  theme: string
  style: string
  reviewPolicy: 'auto' | 'manual'
  maxClipSeconds: number
  format: HouseFormat
  look: ChannelLook
}

type EntryData =
  | { kind: 'playlist'; playlist: PlaylistDiff }
  | { kind: 'shot'; before: ShotState[]; after: ShotState[] }
  | { kind: 'channel'; before: ChannelState; after: ChannelState }
  /** A state another feature owns and registered (registerState), e.g. the show plan. */
  | { kind: 'state'; name: string; before: unknown; after: unknown }
  | {
      kind: 'delete'
      shotIds: number[]
      shots: ShotRow[]
      takes: TakeRow[]
      playlist: PlaylistDiff
      trashed: TrashMove[]
    }

export interface HistoryEntry {
  id: number
  label: string
  at: number
}

export interface HistoryState {
  channelId: number
  undo: HistoryEntry | null
  redo: HistoryEntry | null
  undoCount: number
  redoCount: number
}

/** The library's write paths the history replays through (the Library facade provides them). */
export interface HistoryWritePaths {
  updateShot(id: number, patch: { prompt?: string; approved?: boolean }): Shot
  chooseTake(takeId: number): Shot
  updateChannel(id: number, patch: UpdateChannelInput): { channel: Channel; reconforming: number }
  deleteShots(ids: number[]): { deleted: number; trashedFiles: number; trashed: TrashMove[] }
}

interface EntryRow {
  id: number
  channel_id: number
  state: 'done' | 'undone'
  kind: EditKind
  label: string
  data_json: string
  created_at: number
}

export function shotName(id: number): string {
  return `Shot ${id}`
}

function shotsName(ids: number[]): string {
  return ids.length === 1 ? shotName(ids[0]!) : `${ids.length} shots`
}

function digest(ids: number[]): string {
  return createHash('sha1').update(ids.join(',')).digest('hex')
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

/** How the history reads and puts back a state another feature owns (one row per state name). */
export interface TrackedState {
  /** What it is, for refusals: "the show plan". */
  what: string
  read(channelId: number): unknown
  write(channelId: number, state: unknown): void
}

export class EditHistory {
  private readonly events = new EventEmitter()
  private readonly states = new Map<string, TrackedState>()
  /**
   * Set where people edit: the studio's long-running processes (the desktop app,
   * `webtv serve`) and every `webtv` command (its edits are undo steps too). A process
   * that does not record (a script on the library) edits from elsewhere — respected
   * (an undo over it is refused) but not undoable.
   */
  recording = false

  constructor(
    private readonly store: LibraryStore,
    private readonly playlist: Playlist,
    private readonly paths: HistoryWritePaths
  ) {
    this.events.setMaxListeners(0)
  }

  onChange(listener: (channelId: number) => void): () => void {
    this.events.on('change', listener)
    return () => this.events.off('change', listener)
  }

  private get db(): LibraryStore['db'] {
    return this.store.db
  }

  // ------------------------------------------------------------ recording

  /** Reorder, move, add or remove on a channel's timeline (a null channel: not recorded). */
  trackPlaylist<R>(
    channelId: number | null,
    edit: () => R,
    label?: (before: ItemTuple[], after: ItemTuple[]) => string
  ): R {
    if (!this.recording || channelId === null) return edit()
    return this.track(channelId, () => {
      const before = this.items(channelId)
      const result = edit()
      const after = this.items(channelId)
      const diff = diffPlaylist(before, after)
      if (!diff) return { result }
      return {
        result,
        kind: 'playlist',
        label: label?.(before, after) ?? describePlaylistEdit(diff),
        data: { kind: 'playlist', playlist: compactSlide(diff) }
      }
    })
  }

  /** Approve/reject, prompt edit, take choice: the shots' own fields. */
  trackShots<R>(shotIds: number[], edit: () => R, label: (before: ShotState[], after: ShotState[]) => string): R {
    const channelId = this.recording ? this.channelOfShots(shotIds) : null
    if (channelId === null) return edit()
    return this.track(channelId, () => {
      const before = shotIds.map((id) => this.shotState(id))
      const result = edit()
      const after = shotIds.map((id) => this.shotState(id))
      if (sameJson(before, after)) return { result }
      return { result, kind: 'shot', label: label(before, after), data: { kind: 'shot', before, after } }
    })
  }

  /** Channel settings: name, theme, style, review policy, clip limit, format, look. */
  trackChannel<R>(channelId: number, edit: () => R): R {
    if (!this.recording) return edit()
    return this.track(channelId, () => {
      const before = this.channelState(channelId)
      const result = edit()
      const after = this.channelState(channelId)
      if (sameJson(before, after)) return { result }
      return {
        result,
        kind: 'channel',
        label: describeChannelEdit(before, after),
        data: { kind: 'channel', before, after }
      }
    })
  }

  /** Let a feature's own state (stored in its tables) be undone like the library's edits. */
  registerState(name: string, state: TrackedState): void {
    this.states.set(name, state)
  }

  /** An edit of a registered state: its whole value before and after is kept. */
  trackState<R>(channelId: number, name: string, label: string, edit: () => R): R {
    const state = this.states.get(name)
    if (!this.recording || !state) return edit()
    return this.track(channelId, () => {
      const before = state.read(channelId)
      const result = edit()
      const after = state.read(channelId)
      if (sameJson(before, after)) return { result }
      return { result, kind: 'state', label, data: { kind: 'state', name, before, after } }
    })
  }

  /** Delete shots to the trash; an undo brings the rows, their timeline places and their files back. */
  deleteShots(ids: number[]): ReturnType<HistoryWritePaths['deleteShots']> {
    const channelId = this.recording ? this.channelOfShots(ids) : null
    if (channelId === null) return this.paths.deleteShots(ids)
    return this.track(channelId, () => {
      const { data, result } = this.deleteRecorded(channelId, ids)
      return { result, kind: 'delete', label: `deletion of ${shotsName(ids)}`, data }
    })
  }

  private deleteRecorded(
    channelId: number,
    ids: number[]
  ): { data: EntryData & { kind: 'delete' }; result: ReturnType<HistoryWritePaths['deleteShots']> } {
    const shots = ids.map((id) => this.store.shotRow(id))
    const takes = this.db
      .prepare(`SELECT * FROM takes WHERE shot_id IN (${ids.map(() => '?').join(',')}) ORDER BY id`)
      .all(...ids) as TakeRow[]
    const before = this.items(channelId)
    const result = this.paths.deleteShots(ids)
    const playlist = diffPlaylist(before, this.items(channelId)) ?? emptyDiff(before)
    return { data: { kind: 'delete', shotIds: ids, shots, takes, playlist, trashed: result.trashed }, result }
  }

  /** The channel of these playlist items, when they all belong to one that exists (else the edit itself refuses them). */
  channelOfItems(itemIds: number[]): number | null {
    const get = this.db.prepare('SELECT channel_id FROM playlist_items WHERE id = ?')
    const channels = new Set(itemIds.map((id) => (get.get(id) as { channel_id: number } | undefined)?.channel_id))
    return channels.size === 1 ? ([...channels][0] ?? null) : null
  }

  /** The shots' channel, when they all belong to one (an edit across channels is not recorded). */
  private channelOfShots(ids: number[]): number | null {
    const get = this.db.prepare('SELECT channel_id FROM shots WHERE id = ?')
    const channels = new Set(ids.map((id) => (get.get(id) as { channel_id: number } | undefined)?.channel_id))
    return channels.size === 1 ? ([...channels][0] ?? null) : null
  }

  private track<R>(channelId: number, run: () => { result: R; kind?: EditKind; label?: string; data?: EntryData }): R {
    const { result, recorded } = this.db
      .transaction(() => {
        const out = run()
        if (!out.kind || !out.data || !out.label) return { result: out.result, recorded: false }
        this.push(channelId, out.kind, out.label, out.data)
        return { result: out.result, recorded: true }
      })
      .immediate()
    if (recorded) this.events.emit('change', channelId)
    return result
  }

  /** A new edit: it goes on top of the undo stack, and the redo stack is gone (as in every editor). */
  private push(channelId: number, kind: EditKind, label: string, data: EntryData): void {
    this.db.prepare("DELETE FROM edit_history WHERE channel_id = ? AND state = 'undone'").run(channelId)
    this.db
      .prepare(
        "INSERT INTO edit_history (channel_id, state, kind, label, data_json, created_at) VALUES (?, 'done', ?, ?, ?, ?)"
      )
      .run(channelId, kind, label, JSON.stringify(data), Date.now())
    this.db
      .prepare(
        `DELETE FROM edit_history WHERE channel_id = ? AND state = 'done' AND id NOT IN
           (SELECT id FROM edit_history WHERE channel_id = ? AND state = 'done' ORDER BY id DESC LIMIT ?)`
      )
      .run(channelId, channelId, HISTORY_LIMIT)
  }

  // ------------------------------------------------------------ reading

  state(channelId: number): HistoryState {
    this.store.getChannel(channelId)
    const top = (state: 'done' | 'undone'): HistoryEntry | null => {
      const row = this.db
        .prepare(
          `SELECT id, label, created_at FROM edit_history WHERE channel_id = ? AND state = ? ORDER BY id ${state === 'done' ? 'DESC' : 'ASC'} LIMIT 1`
        )
        .get(channelId, state) as Pick<EntryRow, 'id' | 'label' | 'created_at'> | undefined
      return row ? { id: row.id, label: row.label, at: row.created_at } : null
    }
    const count = (state: 'done' | 'undone'): number =>
      (
        this.db
          .prepare('SELECT COUNT(*) AS n FROM edit_history WHERE channel_id = ? AND state = ?')
          .get(channelId, state) as { n: number }
      ).n
    return { channelId, undo: top('done'), redo: top('undone'), undoCount: count('done'), redoCount: count('undone') }
  }

  // ------------------------------------------------------------ undo / redo

  /**
   * Undo the channel's last edit. `entryId` is the step the person saw on the button:
   * if another window moved the history on meanwhile, nothing happens.
   */
  undo(channelId: number, opts: StepOptions = {}): { label: string } {
    return this.step(channelId, 'undo', opts)
  }

  redo(channelId: number, opts: StepOptions = {}): { label: string } {
    return this.step(channelId, 'redo', opts)
  }

  private step(channelId: number, direction: 'undo' | 'redo', opts: StepOptions): { label: string } {
    const channel = this.store.getChannel(channelId)
    let label = ''
    try {
      this.db
        .transaction(() => {
          const row = this.db
            .prepare(
              `SELECT * FROM edit_history WHERE channel_id = ? AND state = ? ORDER BY id ${direction === 'undo' ? 'DESC' : 'ASC'} LIMIT 1`
            )
            .get(channelId, direction === 'undo' ? 'done' : 'undone') as EntryRow | undefined
          if (!row) {
            throw new StudioError('conflict', `Nothing to ${direction} on "${channel.name}".`, 'channelId')
          }
          label = row.label
          if (opts.entryId !== undefined && opts.entryId !== row.id) {
            throw new StudioError(
              'conflict',
              `The history of "${channel.name}" moved on in another window: the next step to ${direction} is now "${row.label}". Nothing was changed; look again and retry.`,
              'entryId'
            )
          }
          const data = JSON.parse(row.data_json) as EntryData
          const next = this.applyStep(direction, channel, data, row.label, opts)
          this.db
            .prepare('UPDATE edit_history SET state = ?, data_json = ? WHERE id = ?')
            .run(direction === 'undo' ? 'undone' : 'done', JSON.stringify(next), row.id)
        })
        .immediate()
    } finally {
      // A refused step changes nothing, but the windows may hold a stale view of the stacks.
      this.events.emit('change', channelId)
    }
    return { label }
  }

  private refuse(direction: 'undo' | 'redo', label: string, why: string): never {
    throw new StudioError('conflict', `Can't ${direction} ${label}: ${why} Nothing was changed.`, 'channelId')
  }

  /**
   * One step either way: the state must still be the side the step left (its "after"
   * for an undo, its "before" for a redo), and the other side is put back.
   */
  private applyStep(
    direction: 'undo' | 'redo',
    channel: Channel,
    data: EntryData,
    label: string,
    opts: StepOptions
  ): EntryData {
    const [current, wanted] = direction === 'undo' ? (['after', 'before'] as const) : (['before', 'after'] as const)
    switch (data.kind) {
      case 'playlist':
        this.checkPlaylist(channel, data.playlist, current, direction, label)
        this.restorePlaylist(channel, data.playlist, wanted, direction, label)
        return data
      case 'shot':
        this.checkShots(data[current], direction, label)
        this.applyShots(data[wanted], data[current])
        return data
      case 'channel':
        this.checkChannel(channel, data[current], direction, label)
        this.applyChannel(channel, data[wanted], opts.isOnAir)
        return data
      case 'delete':
        return direction === 'undo' ? this.restoreDeleted(channel, data, label) : this.deleteAgain(channel, data, label)
      case 'state': {
        const state = this.states.get(data.name)
        if (!state) this.refuse(direction, label, `this process does not know "${data.name}".`)
        if (!sameJson(state.read(channel.id), data[current]))
          this.refuse(direction, label, `${state.what} of "${channel.name}" was changed elsewhere since.`)
        state.write(channel.id, data[wanted])
        return data
      }
    }
  }

  private deleteAgain(channel: Channel, data: EntryData & { kind: 'delete' }, label: string): EntryData {
    for (const id of data.shotIds) {
      const row = this.db.prepare('SELECT channel_id FROM shots WHERE id = ?').get(id) as
        { channel_id: number } | undefined
      if (!row || row.channel_id !== channel.id)
        this.refuse('redo', label, `${shotName(id)} is no longer in the library of "${channel.name}".`)
    }
    this.checkPlaylist(channel, data.playlist, 'before', 'redo', label)
    // Deleted again from what the rows are NOW (the background worker may have re-conformed them).
    return this.deleteRecorded(channel.id, data.shotIds).data
  }

  // ------------------------------------------------------------ playlist

  private items(channelId: number): ItemTuple[] {
    return (
      this.db
        .prepare('SELECT id, shot_id, added_at FROM playlist_items WHERE channel_id = ? ORDER BY position')
        .all(channelId) as Array<{ id: number; shot_id: number; added_at: number }>
    ).map((r) => [r.id, r.shot_id, r.added_at])
  }

  /**
   * The timeline must be as the step left it; otherwise say what differs. Items
   * appended at the end since (what the generator and autopilot do all day) don't
   * count: the step's part of the timeline is untouched, and they stay where they are.
   */
  private checkPlaylist(
    channel: Channel,
    diff: PlaylistDiff,
    side: 'before' | 'after',
    direction: 'undo' | 'redo',
    label: string
  ): void {
    const current = this.items(channel.id)
    const ids = current.map((i) => i[0])
    const length = side === 'after' ? diff.lengthAfter : diff.lengthBefore
    const expectedDigest = side === 'after' ? diff.digestAfter : diff.digestBefore
    if (current.length >= length && digest(ids.slice(0, length)) === expectedDigest) return
    const expected = side === 'after' ? diff.after : diff.before
    const onIt = new Set(current.map((i) => i[1]))
    const gone = expected.filter((i) => !onIt.has(i[1])).map((i) => i[1])
    let what: string
    if (gone.length > 0) what = `${shotsName(gone)} ${gone.length === 1 ? 'is' : 'are'} no longer on it`
    else if (current.length < length) what = `${length - current.length} item(s) were removed from it`
    else if (current.length > length) what = `items were added to it, not only at its end`
    else what = 'its order changed'
    this.refuse(direction, label, `the timeline of "${channel.name}" was changed elsewhere since (${what}).`)
  }

  /** Put one side of a diff back: the window is rebuilt around the (unchanged) head and tail. */
  private restorePlaylist(
    channel: Channel,
    diff: PlaylistDiff,
    side: 'before' | 'after',
    direction: 'undo' | 'redo',
    label: string
  ): void {
    const current = this.items(channel.id)
    let target: ItemTuple[]
    if (diff.slide) {
      const end = diff.start + diff.length!
      const w = current.slice(diff.start, end)
      const firstToEnd = (diff.slide === 'toEnd') === (side === 'after')
      const rotated = firstToEnd ? [...w.slice(1), w[0]!] : [w[w.length - 1]!, ...w.slice(0, -1)]
      target = [...current.slice(0, diff.start), ...rotated, ...current.slice(end)]
    } else {
      const [from, to] = side === 'before' ? [diff.after, diff.before] : [diff.before, diff.after]
      target = [...current.slice(0, diff.start), ...to, ...current.slice(diff.start + from.length)]
    }
    const keep = new Set(target.map((i) => i[0]))
    const del = this.db.prepare('DELETE FROM playlist_items WHERE id = ?')
    for (const [id] of current) if (!keep.has(id)) del.run(id)
    const have = new Set(current.map((i) => i[0]))
    const insert = this.db.prepare(
      'INSERT INTO playlist_items (id, channel_id, shot_id, position, added_at) VALUES (?, ?, ?, ?, ?)'
    )
    let temp = -1_000_000_000
    for (const [id, shotId, addedAt] of target) {
      if (have.has(id)) continue
      const shot = this.db.prepare('SELECT channel_id FROM shots WHERE id = ?').get(shotId) as
        { channel_id: number } | undefined
      if (!shot || shot.channel_id !== channel.id)
        this.refuse(direction, label, `${shotName(shotId)} is no longer in the library of "${channel.name}".`)
      if (this.db.prepare('SELECT 1 FROM playlist_items WHERE id = ?').get(id)) {
        // Only a number reused by another channel's new item can collide; put this one back under a new number.
        insert.run(null, channel.id, shotId, temp--, addedAt)
        const newId = (this.db.prepare('SELECT last_insert_rowid() AS id').get() as { id: number }).id
        target.splice(
          target.findIndex((i) => i[0] === id),
          1,
          [newId, shotId, addedAt]
        )
      } else insert.run(id, channel.id, shotId, temp--, addedAt)
    }
    this.playlist.renumber(
      channel.id,
      target.map((i) => i[0])
    )
    this.store.changed(channel.id, 'playlist')
  }

  // ------------------------------------------------------------ shots

  private shotState(id: number): ShotState {
    const row = this.store.shotRow(id)
    const chosen = this.db
      .prepare('SELECT id FROM takes WHERE shot_id = ? AND chosen = 1 ORDER BY id DESC LIMIT 1')
      .get(id) as { id: number } | undefined
    return { id, approved: row.approved === 1, prompt: row.prompt, chosenTakeId: chosen?.id ?? null }
  }

  private checkShots(expected: ShotState[], direction: 'undo' | 'redo', label: string): void {
    for (const want of expected) {
      const exists = this.db.prepare('SELECT 1 FROM shots WHERE id = ?').get(want.id)
      if (!exists) this.refuse(direction, label, `${shotName(want.id)} was deleted since.`)
      const now = this.shotState(want.id)
      const changed: string[] = []
      if (now.approved !== want.approved) changed.push(now.approved ? 'it was approved' : 'it was rejected')
      if (now.chosenTakeId !== want.chosenTakeId)
        changed.push(now.chosenTakeId === null ? 'its take changed' : `take ${now.chosenTakeId} was chosen`)
      if (now.prompt !== want.prompt) changed.push('its prompt was edited')
      if (changed.length > 0)
        this.refuse(direction, label, `${shotName(want.id)} was changed elsewhere since (${changed.join(', ')}).`)
    }
  }

  private applyShots(target: ShotState[], from: ShotState[]): void {
    target.forEach((want, i) => {
      if (want.chosenTakeId !== null && want.chosenTakeId !== from[i]!.chosenTakeId)
        this.paths.chooseTake(want.chosenTakeId)
      const now = this.shotState(want.id)
      if (now.approved !== want.approved || now.prompt !== want.prompt)
        this.paths.updateShot(want.id, { approved: want.approved, prompt: want.prompt })
    })
  }

  // ------------------------------------------------------------ channel

  private channelState(id: number): ChannelState {
    const c = this.store.getChannel(id)
    return {
      name: c.name,
      theme: c.theme,
      style: c.style,
      reviewPolicy: c.reviewPolicy,
      maxClipSeconds: c.maxClipSeconds,
      format: c.format,
      look: c.look
    }
  }

  private checkChannel(channel: Channel, expected: ChannelState, direction: 'undo' | 'redo', label: string): void {
    const now = this.channelState(channel.id)
    const changed = (Object.keys(expected) as Array<keyof ChannelState>).filter((k) => !sameJson(now[k], expected[k]))
    if (changed.length > 0)
      this.refuse(
        direction,
        label,
        `the settings of "${channel.name}" were changed elsewhere since (${changed.map(channelFieldName).join(', ')}).`
      )
  }

  private applyChannel(channel: Channel, target: ChannelState, isOnAir?: (channelId: number) => boolean): void {
    if (!sameJson(target.format, channel.format) && isOnAir?.(channel.id)) {
      throw new StudioError(
        'conflict',
        `Channel "${channel.name}" is on air. End the stream before changing its format (undo would change it).`,
        'format'
      )
    }
    this.paths.updateChannel(channel.id, { ...target })
  }

  // ------------------------------------------------------------ delete / restore

  private restoreDeleted(channel: Channel, data: EntryData & { kind: 'delete' }, label: string): EntryData {
    for (const row of data.shots) {
      if (this.db.prepare('SELECT 1 FROM shots WHERE id = ?').get(row.id))
        this.refuse(
          'undo',
          label,
          `${shotName(row.id)}'s number is used by another shot made since; it can't be brought back under it.`
        )
    }
    for (const take of data.takes) {
      if (this.db.prepare('SELECT 1 FROM takes WHERE id = ?').get(take.id))
        this.refuse('undo', label, `take ${take.id}'s number is used by another take made since.`)
    }
    this.checkPlaylist(channel, data.playlist, 'after', 'undo', label)
    const missing = data.trashed.filter(
      (m) => !existsSync(this.store.abs(m.trashed)) && !existsSync(this.store.abs(m.path))
    )
    if (missing.length > 0)
      this.refuse(
        'undo',
        label,
        `${missing.length} of its media file(s) are no longer in the trash (e.g. ${missing[0]!.trashed}).`
      )
    // Files first (undone if the rows can't follow), then the rows, in this transaction.
    const restored: TrashMove[] = []
    try {
      for (const m of data.trashed) {
        const to = this.store.abs(m.path)
        if (existsSync(to)) continue // the same clip came back meanwhile (same content, same name)
        mkdirSync(dirname(to), { recursive: true })
        renameSync(this.store.abs(m.trashed), to)
        restored.push(m)
      }
      insertRows(this.db, 'shots', data.shots)
      insertRows(this.db, 'takes', data.takes)
      this.restorePlaylist(channel, data.playlist, 'before', 'undo', label)
    } catch (err) {
      for (const m of restored) {
        try {
          renameSync(this.store.abs(m.path), this.store.abs(m.trashed))
        } catch {
          /* left in place: a later delete trashes it again */
        }
      }
      throw err
    }
    this.store.changed(channel.id, 'shots')
    return { ...data, trashed: [] }
  }
}

export interface StepOptions {
  /** The step the person saw (on the button); refused if the history moved on meanwhile. */
  entryId?: number | undefined
  /** Whether the channel is on air anywhere: a format can't change under a running stream. */
  isOnAir?: ((channelId: number) => boolean) | undefined
}

function insertRows(db: LibraryStore['db'], table: 'shots' | 'takes', rows: Array<ShotRow | TakeRow>): void {
  for (const row of rows) {
    const cols = Object.keys(row)
    db.prepare(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`).run(row)
  }
}

function diffPlaylist(before: ItemTuple[], after: ItemTuple[]): PlaylistDiff | null {
  let start = 0
  while (start < before.length && start < after.length && before[start]![0] === after[start]![0]) start++
  let tail = 0
  while (
    tail < before.length - start &&
    tail < after.length - start &&
    before[before.length - 1 - tail]![0] === after[after.length - 1 - tail]![0]
  )
    tail++
  if (start === before.length && start === after.length) return null
  return {
    start,
    before: before.slice(start, before.length - tail),
    after: after.slice(start, after.length - tail),
    lengthBefore: before.length,
    lengthAfter: after.length,
    digestBefore: digest(before.map((i) => i[0])),
    digestAfter: digest(after.map((i) => i[0]))
  }
}

const SMALL_WINDOW = 64

/** The compact form of a single move (see PlaylistDiff.slide); any other diff as it is. */
function compactSlide(diff: PlaylistDiff): PlaylistDiff {
  // Small windows are kept whole: a refusal can then name every shot that left the timeline.
  if (diff.before.length <= SMALL_WINDOW) return diff
  const slide = slideOf(diff.before, diff.after)
  if (!slide) return diff
  // Only the moved item is kept (to name it if it is gone when the step is undone).
  const moved = slide === 'toEnd' ? diff.before[0]! : diff.before[diff.before.length - 1]!
  return { ...diff, before: [moved], after: [moved], slide, length: diff.before.length }
}

/** Whether the after window is the before window with one end item moved to the other end. */
function slideOf(before: ItemTuple[], after: ItemTuple[]): 'toEnd' | 'toStart' | null {
  const n = before.length
  if (n < 2 || after.length !== n) return null
  if (before[0]![0] === after[n - 1]![0] && before.slice(1).every((x, i) => x[0] === after[i]![0])) return 'toEnd'
  if (before[n - 1]![0] === after[0]![0] && before.slice(0, n - 1).every((x, i) => x[0] === after[i + 1]![0]))
    return 'toStart'
  return null
}

/** A delete that took nothing off the timeline. */
function emptyDiff(items: ItemTuple[]): PlaylistDiff {
  const d = digest(items.map((i) => i[0]))
  return {
    start: 0,
    before: [],
    after: [],
    lengthBefore: items.length,
    lengthAfter: items.length,
    digestBefore: d,
    digestAfter: d
  }
}

/** "move of Shot 12", "adding Shot 3 to the timeline", "removal of 2 shots from the timeline", "reorder of 5 shots". */
export function describePlaylistEdit(diff: PlaylistDiff): string {
  const { before, after } = diff
  const beforeIds = new Set(before.map((i) => i[0]))
  const afterIds = new Set(after.map((i) => i[0]))
  const added = after.filter((i) => !beforeIds.has(i[0])).map((i) => i[1])
  const removed = before.filter((i) => !afterIds.has(i[0])).map((i) => i[1])
  if (added.length > 0 && removed.length === 0) return `adding ${shotsName(added)} to the timeline`
  if (removed.length > 0 && added.length === 0) return `removal of ${shotsName(removed)} from the timeline`
  if (added.length > 0) return 'change of the timeline'
  // Same items, new order: one card moved if the window is that card plus a run that slid by one.
  const slide = slideOf(before, after)
  if (slide === 'toEnd') return `move of ${shotName(before[0]![1])}`
  if (slide === 'toStart') return `move of ${shotName(before[before.length - 1]![1])}`
  return `reorder of ${before.length} shots`
}

const CHANNEL_FIELDS: Record<keyof ChannelState, string> = {
  name: 'name',
  theme: 'theme',
  style: 'style',
  reviewPolicy: 'review policy',
  maxClipSeconds: 'clip length limit',
  format: 'format',
  look: 'look'
}

function channelFieldName(k: keyof ChannelState): string {
  return CHANNEL_FIELDS[k]
}

function describeChannelEdit(before: ChannelState, after: ChannelState): string {
  const changed = (Object.keys(before) as Array<keyof ChannelState>).filter((k) => !sameJson(before[k], after[k]))
  if (changed.length === 1 && changed[0] === 'name') return `rename of the channel to "${after.name}"`
  return `change of the channel's ${changed.map(channelFieldName).join(', ')}`
}
