import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  watch,
  writeFileSync,
  type FSWatcher
} from 'node:fs'
import { isAbsolute, join, resolve } from 'node:path'
import { DEFAULT_HOUSE_FORMAT, houseFormatSchema, type HouseFormat } from '../../shared/house-format'

/**
 * What the playout needs from a channel's timeline. Kept small so the engine does
 * not depend on the library's storage: the library adapter and the file playlist
 * below both implement it.
 */
export interface AirChannel {
  id: number
  name: string
  format: HouseFormat
}

/** One clip that may go on air: ready, approved, with a conformed MPEG-TS file. */
export interface AirItem {
  itemId: number
  position: number
  label: string
  /** Absolute path of the clip in the channel's house format (MPEG-TS). */
  tsPath: string
  durationMs: number
}

/** Where the last pick was, so "next in order" survives edits around it. */
export interface AirCursor {
  itemId: number
  position: number
}

export interface TimelineSource {
  getChannel(ref: { id?: number; name?: string }): AirChannel | null
  /** The airable items of a channel's playlist, in timeline order. Read at every clip boundary. */
  airable(channelId: number): AirItem[]
  /** A clip could not be read: remember it so it is not picked again until fixed. */
  markUnplayable(channelId: number, itemId: number, reason: string): void
  /**
   * Calls back when a channel's timeline may have changed (null: any channel), for sources that know
   * it themselves; returns the unsubscribe. (The library's edits come on the core's bus instead.)
   */
  onChange?(listener: (channelId: number | null) => void): () => void
}

/**
 * "Next in order", looping: the item after the cursor; if the cursor's item was
 * removed, the first item at or after its old position (playlists renumber, so
 * the follower moves into the removed slot); past the end, the first.
 */
export function nextInOrder(
  items: readonly AirItem[],
  cursor: AirCursor | null,
  skip: ReadonlySet<number> = new Set()
): AirItem | null {
  const usable = items.filter((i) => !skip.has(i.itemId))
  if (usable.length === 0) return null
  if (!cursor) return usable[0]!
  const at = items.findIndex((i) => i.itemId === cursor.itemId)
  if (at >= 0) {
    for (let k = 1; k <= items.length; k++) {
      const cand = items[(at + k) % items.length]!
      if (!skip.has(cand.itemId)) return cand
    }
    return null
  }
  return usable.find((i) => i.position >= cursor.position) ?? usable[0]!
}

/** A stream name NMS accepts (^[a-zA-Z0-9_-]+$), stable for a channel. */
export function streamNameFor(channel: { id: number; name: string }): string {
  const slug = channel.name
    .normalize('NFKD')
    .replace(/[^\w-]+/g, '-')
    .replace(/_/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase()
    .slice(0, 48)
  return slug ? `${slug}` : `channel-${channel.id}`
}

// ---------------------------------------------------------------------------
// File playlists: a JSON file per channel. Used headless without a library (and
// by the benchmarks); edits are atomic file replacements, read at each boundary.

interface FileItem {
  itemId: number
  path: string
  approved?: boolean
  label?: string
  durationMs?: number
  unplayable?: string
}
interface FileChannel {
  id: number
  name: string
  format?: HouseFormat
  items: FileItem[]
}

export class FilePlaylistSource implements TimelineSource {
  private readonly listeners = new Set<(channelId: number | null) => void>()
  private watcher: FSWatcher | null = null

  constructor(readonly dir: string) {}

  /** Writes through this object are told at once; a file replaced by another process, through a watch on the folder. */
  onChange(listener: (channelId: number | null) => void): () => void {
    this.listeners.add(listener)
    if (!this.watcher) {
      try {
        mkdirSync(this.dir, { recursive: true })
        this.watcher = watch(this.dir, (_, name) => {
          const m = name ? /^channel-(\d+)\.json$/.exec(String(name)) : null
          if (name && !m) return // a temp file being written: its rename reports the channel
          this.emitChange(m ? Number(m[1]) : null)
        })
        this.watcher.on('error', () => this.stopWatching())
        this.watcher.unref()
      } catch {
        /* no watch here: in-process writes still tell, and the feeder reads the file at every boundary */
      }
    }
    return () => {
      this.listeners.delete(listener)
      if (this.listeners.size === 0) this.stopWatching()
    }
  }

  private stopWatching(): void {
    this.watcher?.close()
    this.watcher = null
  }

  private emitChange(channelId: number | null): void {
    for (const l of [...this.listeners]) l(channelId)
  }

  private file(id: number): string {
    return join(this.dir, `channel-${id}.json`)
  }

  read(id: number): FileChannel | null {
    const f = this.file(id)
    if (!existsSync(f)) return null
    try {
      return JSON.parse(readFileSync(f, 'utf8')) as FileChannel
    } catch {
      // A half-written file cannot happen (writes rename); a hand-edited broken one reads as empty.
      return null
    }
  }

  write(channel: FileChannel): void {
    mkdirSync(this.dir, { recursive: true })
    const f = this.file(channel.id)
    const tmp = `${f}.${process.pid}.tmp`
    writeFileSync(tmp, JSON.stringify(channel, null, 1))
    renameSync(tmp, f)
    this.emitChange(channel.id)
  }

  getChannel(ref: { id?: number; name?: string }): AirChannel | null {
    let ch: FileChannel | null = null
    if (ref.id !== undefined) ch = this.read(ref.id)
    else if (ref.name !== undefined && existsSync(this.dir)) {
      for (const f of readdirSync(this.dir)) {
        const m = /^channel-(\d+)\.json$/.exec(f)
        const c = m ? this.read(Number(m[1])) : null
        if (c && c.name.toLowerCase() === ref.name.toLowerCase()) ch = c
      }
    }
    if (!ch) return null
    const format = houseFormatSchema.safeParse(ch.format ?? DEFAULT_HOUSE_FORMAT)
    return { id: ch.id, name: ch.name, format: format.success ? format.data : DEFAULT_HOUSE_FORMAT }
  }

  airable(channelId: number): AirItem[] {
    const ch = this.read(channelId)
    if (!ch) return []
    return ch.items.flatMap((it, position) =>
      it.approved === false || it.unplayable
        ? []
        : [
            {
              itemId: it.itemId,
              position,
              label: it.label ?? it.path,
              tsPath: isAbsolute(it.path) ? it.path : resolve(this.dir, it.path),
              durationMs: it.durationMs ?? 0
            }
          ]
    )
  }

  markUnplayable(channelId: number, itemId: number, reason: string): void {
    const ch = this.read(channelId)
    const it = ch?.items.find((i) => i.itemId === itemId)
    if (ch && it) {
      it.unplayable = reason
      this.write(ch)
    }
  }
}

// ---------------------------------------------------------------------------
// The library adapter. The library service is duck-typed here so the on-air engine
// builds without it; only these methods are used.

interface LibraryChannelLike {
  id: number
  name: string
  format: HouseFormat
}
interface LibraryItemLike {
  itemId: number
  position: number
  shotId: number
  status: string
  approved: boolean
  durationMs: number | null
  tsPath: string | null
  prompt?: string
  /** The library's own verdict (ready, approved, conformed to the current format), when it gives one. */
  airable?: boolean
}
export interface LibraryLike {
  getChannel(id: number): LibraryChannelLike | null | undefined
  getChannelByName?(name: string): LibraryChannelLike | null | undefined
  listPlaylist(channelId: number): LibraryItemLike[] | { items: LibraryItemLike[] }
  failShot?(shotId: number, reason: string): unknown
}

export class LibraryTimelineSource implements TimelineSource {
  /** Items that failed to read, until their file changes (kept in memory: the library may have no such state). */
  private readonly broken = new Map<number, string>()

  constructor(
    private readonly library: LibraryLike,
    private readonly dataDir: string
  ) {}

  getChannel(ref: { id?: number; name?: string }): AirChannel | null {
    let ch: LibraryChannelLike | null | undefined
    try {
      ch =
        ref.id !== undefined
          ? this.library.getChannel(ref.id)
          : ref.name !== undefined
            ? this.library.getChannelByName?.(ref.name)
            : undefined
    } catch (err) {
      // The library throws not_found for unknown channels; anything else is a real failure.
      if ((err as { code?: string }).code === 'not_found') return null
      throw err
    }
    return ch ? { id: ch.id, name: ch.name, format: ch.format } : null
  }

  airable(channelId: number): AirItem[] {
    const raw = this.library.listPlaylist(channelId)
    const items = Array.isArray(raw) ? raw : raw.items
    return items.flatMap((it) =>
      !(it.airable ?? (it.status === 'ready' && it.approved)) || !it.tsPath || this.broken.has(it.itemId)
        ? []
        : [
            {
              itemId: it.itemId,
              position: it.position,
              label: it.prompt ? it.prompt.slice(0, 80) : `shot ${it.shotId}`,
              tsPath: isAbsolute(it.tsPath) ? it.tsPath : resolve(this.dataDir, it.tsPath),
              durationMs: it.durationMs ?? 0
            }
          ]
    )
  }

  markUnplayable(channelId: number, itemId: number, reason: string): void {
    this.broken.set(itemId, reason)
    const raw = this.library.listPlaylist(channelId)
    const items = Array.isArray(raw) ? raw : raw.items
    const it = items.find((i) => i.itemId === itemId)
    if (it && this.library.failShot) this.library.failShot(it.shotId, reason)
  }
}
