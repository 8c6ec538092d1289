import type { ShotDto, PlaylistDto, PlaylistPageDto, TakeDto } from '../../shared/contract/library'
import type { Channel, Library, Shot, Take } from './library'

/** What crosses the contract: the library's rows as the UI and the CLI see them. */
export function channelDto(c: Channel) {
  return {
    id: c.id,
    name: c.name,
    theme: c.theme,
    style: c.style,
    format: c.format,
    look: c.look,
    reconformPending: c.reconformPending,
    reviewPolicy: c.reviewPolicy,
    maxClipSeconds: c.maxClipSeconds,
    shotCount: c.shotCount,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt
  }
}

export function shotDto(s: Shot): ShotDto {
  return {
    id: s.id,
    channelId: s.channelId,
    sequenceId: s.sequenceId,
    status: s.status,
    approved: s.approved,
    prompt: s.prompt,
    seed: s.seed,
    backend: s.backend,
    sourceName: s.sourceName,
    durationMs: s.durationMs,
    width: s.width,
    height: s.height,
    mp4Path: s.mp4Path,
    tsPath: s.tsPath,
    posterPath: s.posterPath,
    stripPath: s.stripPath,
    loudness: s.loudness,
    error: s.error,
    mediaMissing: s.mediaMissing,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt
  }
}

export function takeDto(t: Take): TakeDto {
  return {
    id: t.id,
    shotId: t.shotId,
    jobId: t.jobId,
    status: t.status,
    chosen: t.chosen,
    prompt: t.prompt,
    seed: t.seed,
    backend: t.backend,
    durationMs: t.durationMs,
    width: t.width,
    height: t.height,
    mp4Path: t.mp4Path,
    tsPath: t.tsPath,
    posterPath: t.posterPath,
    stripPath: t.stripPath,
    loudness: t.loudness,
    error: t.error,
    createdAt: t.createdAt
  }
}

function playlistItemDto(
  i: ReturnType<Library['readPlaylistRelative']>['items'][number]
): PlaylistDto['items'][number] {
  return {
    itemId: i.itemId,
    position: i.position,
    shotId: i.shotId,
    status: i.status,
    approved: i.approved,
    durationMs: i.durationMs,
    mp4Path: i.mp4Path,
    tsPath: i.tsPath,
    posterPath: i.posterPath,
    prompt: i.prompt
  }
}

/** A window of the playlist with the whole list's count and length (a long timeline's first screen). */
export function playlistPageDto(lib: Library, channelId: number, offset: number, limit: number): PlaylistPageDto {
  const { revision, total, totalDurationMs, items } = lib.readPlaylistPage(channelId, offset, limit)
  return { channelId, revision, total, totalDurationMs, offset, items: items.map(playlistItemDto) }
}

export function playlistDto(lib: Library, channelId: number): PlaylistDto {
  // Stored paths are already data-folder-relative: no resolve/relative per item (seconds at 30,000 items).
  const { revision, items } = lib.readPlaylistRelative(channelId)
  return {
    channelId,
    revision,
    items: items.map(playlistItemDto)
  }
}
