import { randomUUID } from 'node:crypto'
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve, sep } from 'node:path'
import type { Feature } from '../core/core'
import { StudioError } from '../../shared/contract/define'
import { PLAYLIST_EDIT_WINDOW } from '../../shared/contract/library'
import { MediaRejectedError } from '../media/probe'
import { LIBRARY, ON_AIR_CHANNELS } from '../services'
import { channelDto, playlistDto, playlistPageDto, shotDto, takeDto } from './dto'
import { openLibrary } from './library'
import { applyLookPatch } from './look'
import { historyHandlers } from './history-handlers'
import { shotName } from './history'
import { refuseBlocked } from '../checks/moderation'

const EXTERNAL_CHANGE_POLL_MS = 1000

const UPLOAD_MAX_AGE_MS = 24 * 3600 * 1000

/**
 * A browser upload (the headless server's /api/upload) is a temporary copy: once
 * imported — or refused — it goes, so each clip is not kept twice.
 */
function discardUpload(dataDir: string, file: string): void {
  const uploads = resolve(dataDir, 'uploads') + sep
  if (file.startsWith(uploads)) rmSync(dirname(file), { recursive: true, force: true })
}

/** Uploads a crashed or abandoned import left behind. */
function sweepUploads(dataDir: string): void {
  const uploads = resolve(dataDir, 'uploads')
  if (!existsSync(uploads)) return
  for (const name of readdirSync(uploads)) {
    const dir = join(uploads, name)
    try {
      if (Date.now() - statSync(dir).mtimeMs > UPLOAD_MAX_AGE_MS) rmSync(dir, { recursive: true, force: true })
    } catch {
      /* raced with another process: fine */
    }
  }
}

export const libraryFeature: Feature = (ctx) => {
  const lib = openLibrary(ctx.dataDir)
  ctx.services.provide(LIBRARY, lib)
  const unsubscribe = lib.onChange((c) => ctx.bus.emit('library.changed', c))
  const unsubscribeHistory = lib.history.onChange((channelId) => ctx.bus.emit('history.changed', { channelId }))
  // Re-conform work left by a format change is picked up by long-running processes
  // (serve, air, demo, the desktop app) — a short CLI run never begins work it would abandon.
  ctx.onBackground(() => {
    // The windows people edit in (desktop app, `webtv serve`) keep an undo history; a one-off CLI command doesn't.
    lib.history.recording = true
    // Not awaited: it runs in batches after the studio serves, its progress shown as it goes.
    void lib.checkMedia((p) => ctx.bus.emit('library.mediaCheck', p))
    lib.kickWorker()
    sweepUploads(ctx.dataDir)
  })
  // Another process (the CLI, a second studio) wrote to the library: tell our UIs to re-read.
  // data_version only moves for commits made by OTHER connections, so our own edits don't echo.
  let seenVersion = lib.dataVersion()
  const watcher = setInterval(() => {
    const v = lib.dataVersion()
    if (v === seenVersion) return
    seenVersion = v
    for (const what of ['channels', 'shots', 'playlist'] as const)
      ctx.bus.emit('library.changed', { channelId: null, what })
  }, EXTERNAL_CHANGE_POLL_MS)
  watcher.unref()
  ctx.onClose(async () => {
    clearInterval(watcher)
    unsubscribe()
    unsubscribeHistory()
    await lib.close()
  })
  /** On air in this process (when the on-air feature is installed), or in another one on the same data folder. */
  const isOnAir = (channelId: number): boolean =>
    ctx.services.find(ON_AIR_CHANNELS)?.isOnAir(channelId) === true || lib.onAirElsewhere(channelId) !== undefined

  return {
    'library.channels.list': () => ({ channels: lib.listChannels().map(channelDto) }),
    'library.channels.get': ({ id, name }) =>
      channelDto(id !== undefined ? lib.getChannel(id) : lib.getChannelByName(name!)),
    'library.channels.create': (input) => {
      refuseBlocked(lib, null, 'name', "channel's name", input.name)
      return channelDto(lib.createChannel(input))
    },
    'library.channels.update': async ({ id, look: lookPatch, ...patch }) => {
      const current = lib.getChannel(id)
      // What airs as typed passes the owner's blocklist first (the quality gate's moderation).
      refuseBlocked(lib, id, 'name', "channel's name", patch.name)
      refuseBlocked(lib, id, 'look.aiLabel.text', 'AI label', lookPatch?.aiLabel?.text)
      // Validated (and a new logo imported) before anything is stored: a refusal changes nothing.
      let look
      try {
        look = lookPatch ? await applyLookPatch(ctx.dataDir, current.look, lookPatch) : undefined
      } finally {
        // a logo the browser uploaded is copied into looks/ (or refused): its upload is done with either way
        if (lookPatch?.logo?.path) discardUpload(ctx.dataDir, resolve(lookPatch.logo.path))
      }
      const formatChanges =
        patch.format !== undefined &&
        Object.entries(patch.format).some(
          ([k, v]) => v !== undefined && current.format[k as keyof typeof current.format] !== v
        )
      if (formatChanges && isOnAir(id)) {
        // Airing copies clips as they are: a new size or frame rate cannot join a running stream.
        throw new StudioError(
          'conflict',
          `Channel "${current.name}" is on air. End the stream before changing its format.`,
          'format'
        )
      }
      const { channel, reconforming } = lib.history.trackChannel(id, () =>
        lib.updateChannel(id, { ...patch, ...(look ? { look } : {}) })
      )
      return { channel: channelDto(channel), reconforming }
    },
    'library.channels.previewLook': async ({ id, look: lookPatch }) => {
      const channel = lib.getChannel(id)
      try {
        const look = lookPatch ? await applyLookPatch(ctx.dataDir, channel.look, lookPatch) : channel.look
        return await lib.previewLook(channel, look)
      } finally {
        if (lookPatch?.logo?.path) discardUpload(ctx.dataDir, resolve(lookPatch.logo.path))
      }
    },
    'library.channels.delete': async ({ id }) => {
      const { name } = lib.getChannel(id)
      const { trashedFiles } = lib.deleteChannel(id, { isOnAir })
      // Destinations, keys, backend/ComfyUI/output settings, stream folders: nothing left for a later channel.
      await lib.forgetDeletedChannels({ id, name })
      return { id, trashedFiles }
    },
    'library.shots.list': (q) => {
      lib.getChannel(q.channelId)
      const { shots, total, totalCapped } = lib.listShots(q)
      return { shots: shots.map(shotDto), total, totalCapped }
    },
    'library.shots.get': ({ id }) => shotDto(lib.getShot(id)),
    'library.shots.update': ({ id, ...patch }) => {
      // An edited prompt is what the lower third shows and what a regeneration is sent.
      refuseBlocked(lib, lib.getShot(id).channelId, 'prompt', 'prompt', patch.prompt)
      return shotDto(
        lib.history.trackShots(
          [id],
          () => lib.updateShot(id, patch),
          ([before], [after]) =>
            before!.approved !== after!.approved
              ? `${after!.approved ? 'approval' : 'rejection'} of ${shotName(id)}`
              : `prompt edit of ${shotName(id)}`
        )
      )
    },
    'library.shots.delete': ({ ids }) => {
      const { deleted, trashedFiles } = lib.history.deleteShots(ids)
      return { deleted, trashedFiles }
    },
    'library.takes.list': ({ shotId }) => ({ shotId, takes: lib.listTakes(shotId).map(takeDto) }),
    'library.takes.choose': ({ takeId }) => {
      const shotId = lib.getTake(takeId).shotId
      return shotDto(
        lib.history.trackShots(
          [shotId],
          () => lib.chooseTake(takeId),
          () => `choice of take ${takeId} for ${shotName(shotId)}`
        )
      )
    },
    'library.import': async ({ channelId, channel, paths, approved, title, requestId = randomUUID() }) => {
      const target = channelId !== undefined ? lib.getChannel(channelId) : lib.getChannelByName(channel!)
      const results = []
      for (const [index, path] of paths.entries()) {
        const file = resolve(path)
        const emit = (percent: number, step: string, shotId?: number): void =>
          ctx.bus.emit('library.importProgress', {
            requestId,
            file: path,
            index,
            count: paths.length,
            percent,
            step,
            ...(shotId ? { shotId } : {})
          })
        try {
          const { shot, duplicate } = await lib.importFile(
            target.id,
            file,
            // One name everywhere (library, timeline, CLI): the file's name unless the person gave a title.
            { approved, prompt: title ?? basename(file) },
            { onProgress: (p) => emit(p.percent, p.step) }
          )
          emit(100, duplicate ? 'duplicate' : 'done', shot.id)
          results.push({ path, ok: true as const, shot: shotDto(shot), duplicate })
        } catch (err) {
          // One bad file never stops the others; only plain, expected reasons go back verbatim.
          const message =
            err instanceof MediaRejectedError || err instanceof StudioError
              ? err.message
              : `Could not import ${path}: ${err instanceof Error ? err.message : String(err)}`
          emit(100, 'failed')
          results.push({ path, ok: false as const, error: message })
        } finally {
          discardUpload(ctx.dataDir, file)
        }
      }
      return { results, requestId }
    },
    'library.playlist.get': ({ channelId }) => playlistDto(lib, channelId),
    'library.playlist.page': ({ channelId, offset, limit }) => playlistPageDto(lib, channelId, offset, limit),
    'library.playlist.sequences': ({ channelId, itemIds }) => ({
      items: [...lib.playlistSequences(channelId, itemIds)].map(([itemId, q]) => ({
        itemId,
        sequenceId: q.id,
        title: q.title,
        synopsis: q.synopsis
      }))
    }),
    'library.playlist.add': ({ channelId, shotIds, atPosition }) => {
      lib.history.trackPlaylist(channelId, () => lib.addToPlaylist(channelId, shotIds, atPosition))
      return playlistDto(lib, channelId)
    },
    'library.playlist.move': ({ itemId, toPosition }) =>
      playlistDto(
        lib,
        lib.history.trackPlaylist(lib.history.channelOfItems([itemId]), () => lib.movePlaylistItem(itemId, toPosition))
      ),
    'library.playlist.reorder': ({ channelId, itemIds }) => {
      lib.history.trackPlaylist(channelId, () => lib.reorderPlaylist(channelId, itemIds))
      return playlistPageDto(lib, channelId, 0, PLAYLIST_EDIT_WINDOW)
    },
    'library.playlist.remove': ({ itemIds }) =>
      playlistDto(
        lib,
        lib.history.trackPlaylist(lib.history.channelOfItems(itemIds), () => lib.removePlaylistItems(itemIds))[0]!
      ),
    ...historyHandlers(lib, isOnAir)
  }
}
