import { StudioError } from '../../shared/contract/define'
import { DEFAULT_HOUSE_FORMAT, houseFormatSchema, type HouseFormat } from '../../shared/house-format'
import {
  channelFromRow,
  type Channel,
  type ChannelRow,
  type CreateChannelInput,
  type ShotRow,
  type TakeRow,
  type UpdateChannelInput
} from './rows'
import { CHANNEL_SELECT, type LibraryStore } from './store'
import type { MediaTrash } from './trash'
import type { Playlist } from './playlist'
import type { Reconform } from './reconform'

/** Channels: name, theme, house format (a change re-queues every shot for re-conform), review policy. */
export class Channels {
  constructor(
    private readonly store: LibraryStore,
    private readonly playlist: Playlist,
    private readonly trash: MediaTrash,
    private readonly reconform: Reconform
  ) {}

  listChannels(): Channel[] {
    const rows = this.store.db.prepare(`${CHANNEL_SELECT} ORDER BY c.name`).all() as ChannelRow[]
    return rows.map((r) => channelFromRow(r))
  }

  /** Every channel's id and name, by id: the light read status pages and guides need. */
  channelNames(): Array<{ id: number; name: string }> {
    return this.store.db.prepare('SELECT id, name FROM channels ORDER BY id').all() as Array<{
      id: number
      name: string
    }>
  }

  getChannelByName(name: string): Channel {
    const row = this.store.db.prepare(`${CHANNEL_SELECT} WHERE c.name = ?`).get(name.trim()) as ChannelRow | undefined
    if (!row) {
      const known = this.listChannels().map((c) => c.name)
      throw new StudioError(
        'not_found',
        `No channel named "${name}".` +
          (known.length
            ? ` Channels: ${known.map((n) => `"${n}"`).join(', ')}.`
            : ' Create one with `webtv channel create NAME`.'),
        'channel'
      )
    }
    return channelFromRow(row)
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
      throw new StudioError(
        'invalid_input',
        'format.videoMaxKbps must be at least format.videoKbps.',
        'format.videoMaxKbps'
      )
    }
    return parsed.data
  }

  private checkName(name: string, exceptId?: number): string {
    const clean = name.trim()
    if (!clean) throw new StudioError('invalid_input', 'A channel needs a name.', 'name')
    const other = this.store.db.prepare('SELECT id FROM channels WHERE name = ?').get(clean) as
      { id: number } | undefined
    if (other && other.id !== exceptId) {
      throw new StudioError('conflict', `A channel named "${clean}" already exists. Pick another name.`, 'name')
    }
    return clean
  }

  createChannel(input: CreateChannelInput): Channel {
    const format = this.validFormat(input.format, DEFAULT_HOUSE_FORMAT)
    const now = Date.now()
    const id = this.store.db
      .transaction(() => {
        const name = this.checkName(input.name)
        const r = this.store.db
          .prepare(
            `INSERT INTO channels (name, theme, style, format_json, review_policy, max_clip_ms, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
          )
          .run(
            name,
            input.theme ?? '',
            input.style ?? '',
            JSON.stringify(format),
            input.reviewPolicy ?? 'auto',
            Math.round((input.maxClipSeconds ?? 600) * 1000),
            now,
            now
          )
        return Number(r.lastInsertRowid)
      })
      .immediate()
    this.store.changed(id, 'channels')
    return this.store.getChannel(id)
  }

  /** Returns the channel and how many shots now wait to be re-conformed (format change). */
  updateChannel(id: number, patch: UpdateChannelInput): { channel: Channel; reconforming: number } {
    const reconforming = this.store.db
      .transaction(() => {
        const current = this.store.getChannel(id)
        const name = patch.name === undefined ? current.name : this.checkName(patch.name, id)
        const format = this.validFormat(patch.format, current.format)
        const formatChanged = JSON.stringify(format) !== JSON.stringify(current.format)
        const look = patch.look ?? current.look
        const lookChanged = patch.reconform === true || JSON.stringify(look) !== JSON.stringify(current.look)
        this.store.db
          .prepare(
            `UPDATE channels SET name = ?, theme = ?, style = ?, format_json = ?, format_rev = format_rev + ?,
             review_policy = ?, max_clip_ms = ?, look_json = ?, look_rev = look_rev + ?, updated_at = ? WHERE id = ?`
          )
          .run(
            name,
            patch.theme ?? current.theme,
            patch.style ?? current.style,
            JSON.stringify(format),
            formatChanged ? 1 : 0,
            patch.reviewPolicy ?? current.reviewPolicy,
            Math.round((patch.maxClipSeconds ?? current.maxClipSeconds) * 1000),
            JSON.stringify(look),
            lookChanged ? 1 : 0,
            Date.now(),
            id
          )
        if (!formatChanged) {
          // A new look keeps every shot airing its current media until its new file is ready (reconform.ts).
          if (!lookChanged) return 0
          return (
            this.store.db
              .prepare("SELECT COUNT(*) AS n FROM shots WHERE channel_id = ? AND status = 'ready'")
              .get(id) as {
              n: number
            }
          ).n
        }
        // Ready shots keep their old media until the new one exists, but stop being airable.
        const r = this.store.db
          .prepare(
            `UPDATE shots SET status = 'queued', owner_pid = NULL, updated_at = ? WHERE channel_id = ? AND status IN ('ready', 'conforming')`
          )
          .run(Date.now(), id)
        this.playlist.bumpPlaylist(id)
        return r.changes
      })
      .immediate()
    this.store.changed(id, 'channels')
    if (reconforming > 0) {
      this.store.changed(id, 'shots')
      this.store.changed(id, 'playlist')
      this.reconform.kickWorker()
    }
    return { channel: this.store.getChannel(id), reconforming }
  }

  /** Deletes the channel, its shots and playlist; media no other row uses goes to the trash folder. */
  deleteChannel(
    id: number,
    opts: { isOnAir?: ((channelId: number) => boolean) | undefined } = {}
  ): { trashedFiles: number } {
    const channel = this.store.getChannel(id)
    if (opts.isOnAir?.(id)) {
      throw new StudioError('conflict', `Channel "${channel.name}" is on air. Stop it before deleting it.`)
    }
    const files = this.store.db
      .transaction(() => {
        const rows = this.store.db.prepare('SELECT * FROM shots WHERE channel_id = ?').all(id) as ShotRow[]
        const takes = this.store.db
          .prepare('SELECT t.* FROM takes t JOIN shots s ON s.id = t.shot_id WHERE s.channel_id = ?')
          .all(id) as TakeRow[]
        this.store.db.prepare('DELETE FROM channels WHERE id = ?').run(id)
        this.store.db.prepare('DELETE FROM settings WHERE key = ?').run(`onair.pid.${id}`)
        return this.trash.unreferencedFiles([...rows, ...takes])
      })
      .immediate()
    const trashed = this.trash.moveToTrash(files)
    this.store.changed(id, 'channels')
    return { trashedFiles: trashed }
  }
}
