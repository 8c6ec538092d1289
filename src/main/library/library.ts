import { Channels } from './channels'
import { ChannelForgetters, type ChannelForgetter, type DeletedChannel } from './channel-forget'
import { Ingest } from './ingest'
import { MediaFiles } from './media-files'
import { Playlist } from './playlist'
import { Reconform } from './reconform'
import type { LibraryOptions, TakeGate } from './rows'
import { LibrarySettings } from './settings'
import { Shots } from './shots'
import { LibraryStore } from './store'
import { Takes } from './takes'
import { MediaTrash } from './trash'
import { EditHistory } from './history'
import { checkMedia, type MediaCheckProgress } from './media-check'
import { renderLookPreview } from './look'

export type {
  Channel,
  CreateChannelInput,
  UpdateChannelInput,
  Shot,
  ShotMeta,
  Take,
  TakeMeta,
  IngestOptions,
  IngestResult,
  PlaylistItem,
  ListShotsQuery,
  LibraryChange,
  LibraryOptions,
  GateInput,
  GateVerdict,
  TakeGate
} from './rows'
export { sha256File } from './rows'
export { MediaRejectedError } from '../media/probe'

/**
 * The shot library of one data folder: a facade over one part per concern (see the
 * files beside this one). Synchronous SQLite (better-sqlite3) for everything but
 * conversion. Several processes may open the same folder at once: WAL + busy timeout,
 * and every multi-row edit is one IMMEDIATE transaction.
 */
export class Library {
  private readonly store: LibraryStore
  private readonly channels: Channels
  private readonly shots: Shots
  private readonly trash: MediaTrash
  private readonly ingest: Ingest
  private readonly takes: Takes
  private readonly reconform: Reconform
  private readonly playlist: Playlist
  private readonly settings: LibrarySettings
  /** Undo/redo of the studio's edits, per channel (see history.ts). */
  readonly history: EditHistory
  private readonly forgetters = new ChannelForgetters()
  private closed = false
  private readonly mediaCheckStop = new AbortController()
  private mediaCheckRun: Promise<unknown> | null = null
  private mediaCheckLast: MediaCheckProgress | null = null

  constructor(dataDir: string, options: LibraryOptions = {}) {
    const store = (this.store = new LibraryStore(dataDir, options))
    const trash = (this.trash = new MediaTrash(store))
    const playlist = (this.playlist = new Playlist(store))
    const media = new MediaFiles(store)
    const takes = (this.takes = new Takes(store, media, trash))
    const shots = (this.shots = new Shots(store, playlist, trash))
    const ingest = (this.ingest = new Ingest(store, media, shots, takes, trash))
    this.reconform = new Reconform(store, ingest, trash)
    this.channels = new Channels(store, playlist, trash, this.reconform)
    this.settings = new LibrarySettings(store)
    this.history = new EditHistory(store, playlist, this)
    ingest.recoverInterrupted()
  }

  /**
   * The connection to this data folder's database, for a feature's OWN tables that
   * live in the same file (generation's jobs and sequences, on-air's as-run log), so
   * that their writes and the library's can share one transaction. The library's
   * tables (channels, shots, takes, playlist_items, settings, edit_history) are read
   * and written only through the methods below; test/main/library/no-side-door.test.ts
   * fails when SQL outside library/ names one.
   */
  featureDatabase(owner: 'generation' | 'asrun' | 'show' | 'checks'): LibraryStore['db'] {
    void owner
    return this.store.db
  }

  /** Run `fn` as one IMMEDIATE transaction (nested calls become savepoints): library calls and a feature's own writes commit together or not at all. */
  transaction<T>(fn: () => T): T {
    return this.store.db.transaction(fn).immediate()
  }
  get dataDir(): string {
    return this.store.dataDir
  }

  // Paths and change events
  /** Absolute path of a data-folder-relative media path. */
  abs(rel: string): string
  abs(rel: string | null): string | null
  abs(rel: string | null): string | null {
    return this.store.abs(rel)
  }
  relPath = (abs: string): string => this.store.relPath(abs)
  onChange: LibraryStore['onChange'] = (l) => this.store.onChange(l)
  dataVersion = (): number => this.store.dataVersion()

  // Channels
  listChannels: Channels['listChannels'] = () => this.channels.listChannels()
  getChannel: LibraryStore['getChannel'] = (id) => this.store.getChannel(id)
  getChannelByName: Channels['getChannelByName'] = (name) => this.channels.getChannelByName(name)
  createChannel: Channels['createChannel'] = (input) => this.channels.createChannel(input)
  updateChannel: Channels['updateChannel'] = (id, patch) => this.channels.updateChannel(id, patch)
  deleteChannel: Channels['deleteChannel'] = (id, opts) => this.channels.deleteChannel(id, opts)
  channelNames: Channels['channelNames'] = () => this.channels.channelNames()

  /** A still of the channel's look over one of its shots (see look.ts). */
  previewLook = (
    channel: Parameters<typeof renderLookPreview>[2],
    look: Parameters<typeof renderLookPreview>[3],
    signal?: AbortSignal
  ): ReturnType<typeof renderLookPreview> => renderLookPreview(this.store.db, this.store.dataDir, channel, look, signal)
  /** Ids of every channel that exists now. */
  channelIds = (): Set<number> =>
    new Set((this.store.db.prepare('SELECT id FROM channels').all() as Array<{ id: number }>).map((r) => r.id))
  /** A feature that keeps data by channel id elsewhere says how to forget a deleted channel's (channel-forget.ts). */
  onChannelDeleted = (fn: ChannelForgetter): (() => void) => this.forgetters.add(fn)
  /** Run every registered forgetter: after deleting `deleted`, or as a sweep (null). */
  forgetDeletedChannels = (deleted: DeletedChannel | null): Promise<void> =>
    this.forgetters.run({ liveIds: () => this.channelIds(), deleted })

  // Shots
  getShot: LibraryStore['getShot'] = (id) => this.store.getShot(id)
  createShot: Shots['createShot'] = (channelId, meta) => this.shots.createShot(channelId, meta)
  listShots: Shots['listShots'] = (q) => this.shots.listShots(q)
  updateShot: Shots['updateShot'] = (id, patch) => this.shots.updateShot(id, patch)
  failShot: Shots['failShot'] = (id, error) => this.shots.failShot(id, error)
  deleteShots: Shots['deleteShots'] = (ids) => this.shots.deleteShots(ids)
  shotExists: Shots['shotExists'] = (id) => this.shots.shotExists(id)
  shotSoundJson: Shots['shotSoundJson'] = (id) => this.shots.shotSoundJson(id)
  setShotSoundJson: Shots['setShotSoundJson'] = (id, json) => this.shots.setShotSoundJson(id, json)
  pendingConformCount: Shots['pendingConformCount'] = () => this.shots.pendingConformCount()

  // Ingest
  ingestFile: Ingest['ingestFile'] = (channelId, path, meta, opts) =>
    this.ingest.ingestFile(channelId, path, meta, opts)
  importFile: Ingest['importFile'] = (channelId, path, meta, opts) =>
    this.ingest.importFile(channelId, path, meta, opts)

  // Takes
  getTake: Takes['getTake'] = (id) => this.takes.getTake(id)
  takeOfJob: Takes['takeOfJob'] = (jobId) => this.takes.takeOfJob(jobId)
  takeCues: Takes['takeCues'] = (takeId) => this.takes.takeCues(takeId)
  listTakes: Takes['listTakes'] = (shotId) => this.takes.listTakes(shotId)
  chosenTakeIds: Takes['chosenTakeIds'] = (shotIds) => this.takes.chosenTakeIds(shotIds)
  shotsChoosing: Takes['shotsChoosing'] = (channelId, takeIds) => this.takes.shotsChoosing(channelId, takeIds)
  chooseTake: Takes['chooseTake'] = (takeId) => {
    const shot = this.takes.chooseTake(takeId)
    // A take made with an earlier look airs as it is until the worker has redone it.
    this.reconform.kickWorker()
    return shot
  }
  ingestTake: Takes['ingestTake'] = (shotId, path, meta, opts) => this.takes.ingestTake(shotId, path, meta, opts)

  /** Attach the quality gate every new take passes after conform (src/main/checks). */
  setGate(gate: TakeGate | null): void {
    this.store.gate = gate
  }

  // Background re-conform
  kickWorker: Reconform['kickWorker'] = () => this.reconform.kickWorker()
  idle: Reconform['idle'] = () => this.reconform.idle()
  drainQueue: Reconform['drainQueue'] = (signal) => this.reconform.drainQueue(signal)

  // Playlist
  playlistRevision: Playlist['playlistRevision'] = (channelId) => this.playlist.playlistRevision(channelId)
  listPlaylist: Playlist['listPlaylist'] = (channelId) => this.playlist.listPlaylist(channelId)
  readPlaylist: Playlist['readPlaylist'] = (channelId) => this.playlist.readPlaylist(channelId)
  readPlaylistRelative: Playlist['readPlaylistRelative'] = (channelId) => this.playlist.readPlaylistRelative(channelId)
  airableDurationMs: Playlist['airableDurationMs'] = (channelId) => this.playlist.airableDurationMs(channelId)
  readPlaylistPage: Playlist['readPlaylistPage'] = (channelId, offset, limit) =>
    this.playlist.readPlaylistPage(channelId, offset, limit)
  addToPlaylist: Playlist['addToPlaylist'] = (channelId, shotIds, at) =>
    this.playlist.addToPlaylist(channelId, shotIds, at)
  movePlaylistItem: Playlist['movePlaylistItem'] = (itemId, to) => this.playlist.movePlaylistItem(itemId, to)
  reorderPlaylist: Playlist['reorderPlaylist'] = (channelId, itemIds) =>
    this.playlist.reorderPlaylist(channelId, itemIds)
  removePlaylistItems: Playlist['removePlaylistItems'] = (itemIds) => this.playlist.removePlaylistItems(itemIds)
  playlistShotIds: Playlist['playlistShotIds'] = (channelId) => this.playlist.playlistShotIds(channelId)
  playlistSequences: Playlist['playlistSequences'] = (channelId, itemIds) =>
    this.playlist.playlistSequences(channelId, itemIds)
  itemShotAndTake: Playlist['itemShotAndTake'] = (itemId) => this.playlist.itemShotAndTake(itemId)

  // Settings and on-air marks across processes
  getSetting: LibrarySettings['getSetting'] = (key) => this.settings.getSetting(key)
  setSetting: LibrarySettings['setSetting'] = (key, value) => this.settings.setSetting(key, value)
  deleteSetting: LibrarySettings['deleteSetting'] = (key) => this.settings.deleteSetting(key)
  settingsWithPrefix: LibrarySettings['settingsWithPrefix'] = (prefix) => this.settings.settingsWithPrefix(prefix)
  markOnAir: LibrarySettings['markOnAir'] = (channelId, pid) => this.settings.markOnAir(channelId, pid)
  onAirElsewhere: LibrarySettings['onAirElsewhere'] = (channelId) => this.settings.onAirElsewhere(channelId)

  /** For diagnostics: every media file a ready row names that is missing or empty. */
  missingMedia: MediaTrash['missingMedia'] = () => this.trash.missingMedia()

  /**
   * Start the background check of every ready shot's media (once per process): batches that
   * yield to the loop, missing files marked on their shots. Resolves when the pass is done.
   */
  checkMedia(onProgress: (p: MediaCheckProgress) => void = () => {}): Promise<unknown> {
    this.mediaCheckRun ??= checkMedia(this.store, this.mediaCheckStop.signal, (p) => {
      this.mediaCheckLast = p
      onProgress(p)
    }).catch((err: unknown) => {
      if (!this.closed) console.error('[library] media check stopped:', err instanceof Error ? err.message : err)
    })
    return this.mediaCheckRun
  }
  /** Where the background media check is (null before it started). */
  mediaCheckProgress = (): MediaCheckProgress | null => this.mediaCheckLast

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.mediaCheckStop.abort()
    await this.mediaCheckRun
    await this.reconform.close()
    this.store.db.close()
  }
}

export function openLibrary(dataDir: string, options?: LibraryOptions): Library {
  return new Library(dataDir, options)
}
