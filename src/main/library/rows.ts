import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { StudioError } from '../../shared/contract/define'
import type { ShotStatus } from '../../shared/contract/library'
import { DEFAULT_HOUSE_FORMAT, type HouseFormat } from '../../shared/house-format'
import type { ConformTap } from '../media/conform-args'
import type { EncoderTuning } from '../media/house-encoder'
import type { LoudnessDecision } from '../media/loudness'
import type { ChannelLook, LoudnessInfo } from '../../shared/channel-look'
import { lookFromJson } from './look'

// The library's records: what callers get (Channel, Shot, Take…), the SQLite rows they come
// from, and the mapping between them.

export interface Channel {
  id: number
  name: string
  theme: string
  style: string
  format: HouseFormat
  formatRev: number
  /** Loudness, logo, label, lower third, dips: burned in at conform. */
  look: ChannelLook
  /** Grows on every look change; a shot made with an older one is re-conformed in the background while it keeps airing. */
  lookRev: number
  /** Shots still waiting for the current look (or format). */
  reconformPending: number
  reviewPolicy: 'auto' | 'manual'
  maxClipSeconds: number
  shotCount: number
  playlistRevision: number
  createdAt: number
  updatedAt: number
}

export interface CreateChannelInput {
  name: string
  theme?: string | undefined
  style?: string | undefined
  format?: Partial<HouseFormat> | undefined
  reviewPolicy?: 'auto' | 'manual' | undefined
  maxClipSeconds?: number | undefined
}
export type UpdateChannelInput = Partial<CreateChannelInput> & {
  /** The complete new look (library/look.ts applyLookPatch validates and completes a patch). */
  look?: ChannelLook | undefined
  /** Re-conform every shot with the current look even if it did not change. */
  reconform?: boolean | undefined
}

/** A shot as stored. Media paths are RELATIVE to the data folder (see Library.abs()). */
export interface Shot {
  id: number
  channelId: number
  sequenceId: number | null
  status: ShotStatus
  approved: boolean
  prompt: string
  seed: number | null
  backend: string | null
  sourceName: string | null
  durationMs: number | null
  width: number | null
  height: number | null
  mp4Path: string | null
  tsPath: string | null
  posterPath: string | null
  stripPath: string | null
  error: string | null
  /** Ready, but its clip was found missing or empty (the background media check marks it; it can't air until back). */
  mediaMissing: boolean
  extra: Record<string, unknown> | null
  formatRev: number | null
  /** Measured loudness of the source and the gain applied at conform (null: made before levelling, or no audio). */
  loudness: LoudnessInfo | null
  createdAt: number
  updatedAt: number
}

export interface ShotMeta {
  prompt?: string | undefined
  seed?: number | undefined
  backend?: string | undefined
  sequenceId?: number | undefined
  approved?: boolean | undefined
  extra?: Record<string, unknown> | undefined
  /** Fill this existing shot (e.g. one created by createShot while generating) instead of making a new one. */
  shotId?: number | undefined
  /** The generation job that made this clip: recorded on the shot's first take. */
  jobId?: number | undefined
}

/** One version of a shot (a generation, or the clip it was imported from). Media paths are RELATIVE to the data folder. */
export interface Take {
  id: number
  shotId: number
  jobId: number | null
  status: 'conforming' | 'ready' | 'failed'
  chosen: boolean
  prompt: string
  seed: number | null
  backend: string | null
  durationMs: number | null
  width: number | null
  height: number | null
  mp4Path: string | null
  tsPath: string | null
  posterPath: string | null
  stripPath: string | null
  formatRev: number | null
  loudness: LoudnessInfo | null
  error: string | null
  createdAt: number
}

/** What a regenerated clip says about itself when it is ingested as a new take. */
export interface TakeMeta {
  /** The job that made it; a job makes at most one take (a rerun after a crash finds or takes over the same row). */
  jobId: number | null
  prompt: string
  seed: number | null
  backend: string | null
}

export interface IngestOptions {
  signal?: AbortSignal | undefined
  onProgress?: ((p: { percent: number; step: string }) => void) | undefined
}

export interface IngestResult {
  shot: Shot
  /** The same file was already in this channel; nothing was converted. */
  duplicate: boolean
}

/** One playlist entry for the on-air engine. Paths here are ABSOLUTE. */
export interface PlaylistItem {
  itemId: number
  position: number
  shotId: number
  status: ShotStatus
  approved: boolean
  /** ready, approved and conformed to the channel's current format. */
  airable: boolean
  durationMs: number | null
  tsPath: string | null
  mp4Path: string | null
  posterPath: string | null
  prompt: string
}

export interface ListShotsQuery {
  channelId: number
  status?: ShotStatus | undefined
  approved?: boolean | undefined
  /** Only shots whose media the background check found missing (true) or not (false). */
  missing?: boolean | undefined
  search?: string | undefined
  limit?: number | undefined
  offset?: number | undefined
  /** Keyset paging: the page of shots older than this id (instead of offset). */
  beforeId?: number | undefined
}

export interface LibraryChange {
  channelId: number | null
  what: 'shots' | 'playlist' | 'channels'
  /** The channel's playlist revision after the change (shots and playlist changes of one channel). */
  revision?: number
}

export interface LibraryOptions {
  tuning?: EncoderTuning
}

/** A freshly conformed clip, before its row turns ready: what the quality gate (src/main/checks) looks at. */
export interface GateInput {
  channel: Channel
  shotId: number
  /** Absolute path of the conformed MP4. */
  mp4: string
  durationMs: number
  /** The source picture's size as shown (where the look placed its graphics); null if unknown. */
  sourceSize: { width: number; height: number } | null
  prompt: string
  title?: string | undefined
  /** null for an imported clip. */
  backend: string | null
  extra: Record<string, unknown> | null
  /** The gate's measuring pass, made by this take's conform (TakeGate.tap); absent: the gate makes its own. */
  tap?: GateTap | undefined
}

/** What the gate knows of a clip before its conform: everything but the conformed file. */
export type GateTapInput = Omit<GateInput, 'mp4' | 'durationMs' | 'tap'>

/** Work the gate adds to a take's conform (media/conform-args.ts ConformTap); disposed by the library when done. */
export interface GateTap extends ConformTap {
  dispose(): void
}

/** What the gate decided about a clip; `details` is the gate's own record, stored with the take by `record`. */
export interface GateVerdict {
  /** false: the clip is held for review (never airs on its own). */
  pass: boolean
  reasons: string[]
  details: unknown
}

/**
 * The quality gate, attached by the checks feature. The library asks for its `tap` before
 * the conform of a new take (so the checks measure inside the conform's ffmpeg), calls `inspect` after
 * conform and before the row turns ready (a failing shot turns ready unapproved, in the
 * same transaction), then `record` once the take's id is known.
 */
export interface TakeGate {
  /** Before the conform: the gate's work to run inside it, or null (gate off for the channel). */
  tap?(input: GateTapInput): GateTap | null
  inspect(input: GateInput, signal?: AbortSignal): Promise<GateVerdict>
  record(takeId: number, input: GateInput, verdict: GateVerdict): void
}

export interface ShotRow {
  id: number
  channel_id: number
  sequence_id: number | null
  status: ShotStatus
  approved: number
  prompt: string
  seed: number | null
  backend: string | null
  extra_json: string | null
  source_name: string | null
  source_hash: string | null
  original_path: string | null
  media_hash: string | null
  mp4_path: string | null
  ts_path: string | null
  poster_path: string | null
  strip_path: string | null
  duration_ms: number | null
  width: number | null
  height: number | null
  format_rev: number | null
  look_rev: number | null
  loudness_json: string | null
  owner_pid: number | null
  error: string | null
  media_missing: number
  created_at: number
  updated_at: number
}

export interface TakeRow {
  id: number
  shot_id: number
  job_id: number | null
  source_path: string | null
  seed: number | null
  backend: string | null
  chosen: number
  created_at: number
  status: 'conforming' | 'ready' | 'failed'
  prompt: string
  original_path: string | null
  media_hash: string | null
  mp4_path: string | null
  ts_path: string | null
  poster_path: string | null
  strip_path: string | null
  duration_ms: number | null
  width: number | null
  height: number | null
  format_rev: number | null
  look_rev: number | null
  loudness_json: string | null
  owner_pid: number | null
  error: string | null
}

/** The media columns shots and takes share: what decides whether a file is still used. */
export type MediaRefs = Pick<
  ShotRow,
  'media_hash' | 'mp4_path' | 'ts_path' | 'poster_path' | 'strip_path' | 'original_path'
>

export interface ChannelRow {
  id: number
  name: string
  theme: string
  style: string
  format_json: string
  format_rev: number
  look_json: string | null
  look_rev: number
  pending?: number
  review_policy: 'auto' | 'manual'
  max_clip_ms: number
  playlist_rev: number
  created_at: number
  updated_at: number
  shot_count?: number
}

export function channelFromRow(r: ChannelRow): Channel {
  const stored = JSON.parse(r.format_json) as Partial<HouseFormat>
  return {
    id: r.id,
    name: r.name,
    theme: r.theme,
    style: r.style,
    format: { ...DEFAULT_HOUSE_FORMAT, ...stored },
    formatRev: r.format_rev,
    look: lookFromJson(r.look_json),
    lookRev: r.look_rev,
    reconformPending: r.pending ?? 0,
    reviewPolicy: r.review_policy,
    maxClipSeconds: r.max_clip_ms / 1000,
    shotCount: r.shot_count ?? 0,
    playlistRevision: r.playlist_rev,
    createdAt: r.created_at,
    updatedAt: r.updated_at
  }
}

export function shotFromRow(r: ShotRow): Shot {
  return {
    id: r.id,
    channelId: r.channel_id,
    sequenceId: r.sequence_id,
    status: r.status,
    approved: r.approved === 1,
    prompt: r.prompt,
    seed: r.seed,
    backend: r.backend,
    sourceName: r.source_name,
    durationMs: r.duration_ms,
    width: r.width,
    height: r.height,
    mp4Path: r.mp4_path,
    tsPath: r.ts_path,
    posterPath: r.poster_path,
    stripPath: r.strip_path,
    error: r.error,
    mediaMissing: r.media_missing === 1,
    extra: r.extra_json ? (JSON.parse(r.extra_json) as Record<string, unknown>) : null,
    formatRev: r.format_rev,
    loudness: loudnessFrom(r.loudness_json),
    createdAt: r.created_at,
    updatedAt: r.updated_at
  }
}

export function takeFromRow(r: TakeRow): Take {
  return {
    id: r.id,
    shotId: r.shot_id,
    jobId: r.job_id,
    status: r.status,
    chosen: r.chosen === 1,
    prompt: r.prompt,
    seed: r.seed,
    backend: r.backend,
    durationMs: r.duration_ms,
    width: r.width,
    height: r.height,
    mp4Path: r.mp4_path,
    tsPath: r.ts_path,
    posterPath: r.poster_path,
    stripPath: r.strip_path,
    formatRev: r.format_rev,
    loudness: loudnessFrom(r.loudness_json),
    error: r.error,
    createdAt: r.created_at
  }
}

/** Stored form of a loudness decision (JSON has no infinities: silence's peak is null). */
export function loudnessJson(d: LoudnessDecision | null): string | null {
  if (!d) return null
  const fin = (n: number): number | null => (Number.isFinite(n) ? n : null)
  const info: LoudnessInfo = {
    integratedLufs: fin(d.integratedLufs),
    lraLu: fin(d.lraLu),
    truePeakDb: fin(d.truePeakDb),
    gainDb: d.gainDb,
    silent: d.silent,
    limited: d.limited,
    targetLufs: d.targetLufs
  }
  return JSON.stringify(info)
}

export const loudnessFrom = (json: string | null): LoudnessInfo | null =>
  json ? (JSON.parse(json) as LoudnessInfo) : null

/** A shot's own title, when its generator gave one. */
export function shotTitleOf(extra: Record<string, unknown> | null): string | undefined {
  return typeof extra?.title === 'string' ? extra.title : undefined
}

export async function sha256File(file: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file, { signal })) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

export function notFound(what: string, id: number | string): StudioError {
  return new StudioError('not_found', `${what} ${typeof id === 'string' ? `"${id}"` : id} does not exist.`)
}
