import { Channels } from './channels'
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
export { isPidAlive, sha256File } from './rows'
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
  private closed = false

  constructor(dataDir: string, options: LibraryOptions = {}) {
    const store = (this.store = new LibraryStore(dataDir, options))
    const trash = (this.trash = new MediaTrash(store))
    const playlist = (this.playlist = new Playlist(store))
    const media = new MediaFiles(store)
    const takes = (this.takes = new Takes(store, media, trash, playlist))
    const shots = (this.shots = new Shots(store, playlist, trash))
    const ingest = (this.ingest = new Ingest(store, media, shots, takes, playlist, trash))
    this.reconform = new Reconform(store, ingest, trash)
    this.channels = new Channels(store, playlist, trash, this.reconform)
    this.settings = new LibrarySettings(store)
    this.history = new EditHistory(store, playlist, this)
    ingest.recoverInterrupted()
  }

  get db(): LibraryStore['db'] {
    return this.store.db
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

  // Shots
  getShot: LibraryStore['getShot'] = (id) => this.store.getShot(id)
  createShot: Shots['createShot'] = (channelId, meta) => this.shots.createShot(channelId, meta)
  listShots: Shots['listShots'] = (q) => this.shots.listShots(q)
  updateShot: Shots['updateShot'] = (id, patch) => this.shots.updateShot(id, patch)
  failShot: Shots['failShot'] = (id, error) => this.shots.failShot(id, error)
  deleteShots: Shots['deleteShots'] = (ids) => this.shots.deleteShots(ids)

  // Ingest
  ingestFile: Ingest['ingestFile'] = (channelId, path, meta, opts) =>
    this.ingest.ingestFile(channelId, path, meta, opts)
  importFile: Ingest['importFile'] = (channelId, path, meta, opts) =>
    this.ingest.importFile(channelId, path, meta, opts)

  // Takes
  getTake: Takes['getTake'] = (id) => this.takes.getTake(id)
  takeOfJob: Takes['takeOfJob'] = (jobId) => this.takes.takeOfJob(jobId)
  listTakes: Takes['listTakes'] = (shotId) => this.takes.listTakes(shotId)
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
  addToPlaylist: Playlist['addToPlaylist'] = (channelId, shotIds, at) =>
    this.playlist.addToPlaylist(channelId, shotIds, at)
  movePlaylistItem: Playlist['movePlaylistItem'] = (itemId, to) => this.playlist.movePlaylistItem(itemId, to)
  reorderPlaylist: Playlist['reorderPlaylist'] = (channelId, itemIds) =>
    this.playlist.reorderPlaylist(channelId, itemIds)
  removePlaylistItems: Playlist['removePlaylistItems'] = (itemIds) => this.playlist.removePlaylistItems(itemIds)

  // Settings and on-air marks across processes
  getSetting: LibrarySettings['getSetting'] = (key) => this.settings.getSetting(key)
  setSetting: LibrarySettings['setSetting'] = (key, value) => this.settings.setSetting(key, value)
  markOnAir: LibrarySettings['markOnAir'] = (channelId, pid) => this.settings.markOnAir(channelId, pid)
  onAirElsewhere: LibrarySettings['onAirElsewhere'] = (channelId) => this.settings.onAirElsewhere(channelId)

  /** For diagnostics: every media file a ready row names that is missing or empty. */
  missingMedia: MediaTrash['missingMedia'] = () => this.trash.missingMedia()

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.reconform.close()
    this.store.db.close()
  }
}

export function openLibrary(dataDir: string, options?: LibraryOptions): Library {
  return new Library(dataDir, options)
}
