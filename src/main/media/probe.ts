import { AbortedError, execTool } from './ffmpeg-runner'
import { oversizeImage, readImageHeader } from './image-header'
import { closeSync, openSync, readSync, statSync } from 'node:fs'
import { basename } from 'node:path'

export interface VideoInfo {
  codec: string
  /** Coded size, before rotation. */
  width: number
  height: number
  /** Size as shown, after the rotation metadata is applied. */
  displayWidth: number
  displayHeight: number
  /** Degrees clockwise the player must turn the picture (0, 90, 180, 270). */
  rotation: number
  /** Average frame rate, or null when the container does not say. */
  fps: number | null
  durationSec: number | null
  frames: number | null
  pixFmt: string | null
}

export interface AudioInfo {
  codec: string
  sampleRate: number
  channels: number
  durationSec: number | null
}

export interface ProbeInfo {
  file: string
  sizeBytes: number
  formatName: string
  formatDurationSec: number | null
  video: VideoInfo | null
  audio: AudioInfo | null
}

export type RejectKind =
  'missing' | 'empty' | 'not_media' | 'corrupt' | 'no_video' | 'still_image' | 'too_short' | 'too_long'

/** A file that cannot become a clip; `message` is plain words for the person who chose it. */
export class MediaRejectedError extends Error {
  constructor(
    readonly kind: RejectKind,
    message: string
  ) {
    super(message)
    this.name = 'MediaRejectedError'
  }
}

const IMAGE_CODECS = new Set([
  'png',
  'mjpeg',
  'jpeg2000',
  'bmp',
  'webp',
  'tiff',
  'gif',
  'ppm',
  'pgm',
  'pam',
  'targa',
  'jpegls',
  'qoi'
])

function num(v: unknown): number | null {
  if (v === undefined || v === null || v === 'N/A' || v === '') return null
  const n = Number(v)
  return Number.isFinite(n) ? n : null
}

function rate(v: unknown): number | null {
  if (typeof v !== 'string') return null
  const [a, b] = v.split('/').map(Number)
  if (!a || !b || !Number.isFinite(a / b)) return null
  return a / b
}

interface RawStream {
  codec_type?: string
  codec_name?: string
  width?: number
  height?: number
  avg_frame_rate?: string
  r_frame_rate?: string
  duration?: string
  nb_frames?: string
  pix_fmt?: string
  sample_rate?: string
  channels?: number
  disposition?: { attached_pic?: number; still_image?: number }
  tags?: Record<string, string>
  side_data_list?: Array<{ rotation?: number }>
}
interface RawProbe {
  streams?: RawStream[]
  format?: { format_name?: string; duration?: string; size?: string }
}

/** Turn ffprobe's JSON into typed info. Pure (tested on captured output). */
export function parseProbeJson(file: string, sizeBytes: number, json: string): ProbeInfo {
  const raw = JSON.parse(json) as RawProbe
  const streams = raw.streams ?? []
  // Cover art in an audio file is a "video" stream that is really a picture.
  const v = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic)
  const a = streams.find((s) => s.codec_type === 'audio')
  let video: VideoInfo | null = null
  if (v) {
    const sideRotation = v.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation
    const tagRotation = num(v.tags?.rotate)
    // The display matrix counts counter-clockwise; the old `rotate` tag clockwise.
    let rotation = sideRotation !== undefined ? -sideRotation : (tagRotation ?? 0)
    rotation = (((Math.round(rotation / 90) * 90) % 360) + 360) % 360
    const w = v.width ?? 0
    const h = v.height ?? 0
    const swap = rotation === 90 || rotation === 270
    video = {
      codec: v.codec_name ?? 'unknown',
      width: w,
      height: h,
      displayWidth: swap ? h : w,
      displayHeight: swap ? w : h,
      rotation,
      fps: rate(v.avg_frame_rate) ?? rate(v.r_frame_rate),
      durationSec: num(v.duration) ?? num(v.tags?.DURATION ? hms(v.tags.DURATION) : null),
      frames: num(v.nb_frames),
      pixFmt: v.pix_fmt ?? null
    }
  }
  const audio: AudioInfo | null = a
    ? {
        codec: a.codec_name ?? 'unknown',
        sampleRate: num(a.sample_rate) ?? 0,
        channels: a.channels ?? 0,
        durationSec: num(a.duration)
      }
    : null
  return {
    file,
    sizeBytes,
    formatName: raw.format?.format_name ?? 'unknown',
    formatDurationSec: num(raw.format?.duration),
    video,
    audio
  }
}

/** Matroska writes per-stream durations as "00:00:02.000000000" tags. */
function hms(s: string): number | null {
  const m = /^(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(s.trim())
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : null
}

/** Length of the picture: the video stream's own duration, else the container's. */
export function videoDurationSec(info: ProbeInfo): number | null {
  return info.video?.durationSec ?? info.formatDurationSec
}

export interface ClipLimits {
  minSeconds: number
  maxSeconds: number
}

/**
 * Decide whether probed media can become a clip. Throws MediaRejectedError with a
 * reason a person can act on; returns the picture's duration in seconds otherwise.
 */
export function checkClip(info: ProbeInfo, limits: ClipLimits): number {
  const name = basename(info.file)
  if (!info.video) {
    const what = info.audio ? 'it is audio only' : 'it has no streams ffmpeg can use'
    throw new MediaRejectedError('no_video', `${name} has no video stream (${what}). Import a video file.`)
  }
  const isImageFormat = info.formatName === 'image2' || info.formatName.endsWith('_pipe')
  const isImageCodec = IMAGE_CODECS.has(info.video.codec)
  const frames = info.video.frames
  const duration = videoDurationSec(info)
  if (isImageFormat || (isImageCodec && (frames === null || frames <= 1) && (duration === null || duration === 0))) {
    throw new MediaRejectedError(
      'still_image',
      `${name} is a still image (${info.video.codec}), not a video. Turn it into a clip first, or import a video file.`
    )
  }
  if (duration === null) {
    throw new MediaRejectedError(
      'corrupt',
      `${name} does not say how long it is; it is probably truncated or corrupt. Re-export it and try again.`
    )
  }
  if (duration < limits.minSeconds) {
    throw new MediaRejectedError(
      'too_short',
      `${name} is ${duration.toFixed(2)} s long; clips must be at least ${limits.minSeconds} s.`
    )
  }
  if (duration > limits.maxSeconds) {
    throw new MediaRejectedError(
      'too_long',
      `${name} is ${duration.toFixed(1)} s long; this channel takes clips up to ${limits.maxSeconds} s. Cut it shorter or raise the channel's maximum clip length.`
    )
  }
  if (info.video.width <= 0 || info.video.height <= 0) {
    throw new MediaRejectedError(
      'corrupt',
      `${name} has a video stream without a picture size; it is probably corrupt.`
    )
  }
  return duration
}

/**
 * Does the file start like a media container? ffprobe says "moov atom not found"
 * for any file named .mp4, so the first bytes tell a cut-off video from a text file.
 */
export function looksLikeMedia(head: Uint8Array): boolean {
  const ascii = Buffer.from(head).toString('latin1')
  return (
    ascii.slice(4, 8) === 'ftyp' || // MP4 / MOV
    ascii.slice(4, 8) === 'mdat' ||
    ascii.slice(4, 8) === 'moov' ||
    ascii.startsWith('\x1a\x45\xdf\xa3') || // Matroska / WebM
    ascii.startsWith('RIFF') || // AVI
    ascii.startsWith('FLV') ||
    ascii.startsWith('OggS') ||
    ascii.charCodeAt(0) === 0x47 // MPEG-TS sync byte
  )
}

/** Words for ffprobe's refusal, by what it usually means. */
export function explainProbeFailure(file: string, stderr: string, head: Uint8Array): MediaRejectedError {
  const name = basename(file)
  if (!looksLikeMedia(head)) {
    return new MediaRejectedError(
      'not_media',
      `${name} is not a media file ffmpeg can read. Import a video file (mp4, mov, webm, mkv…).`
    )
  }
  if (/moov atom not found|partial file|Invalid NAL|end of file|truncat|EBML header parsing failed/i.test(stderr)) {
    return new MediaRejectedError(
      'corrupt',
      `${name} is truncated or corrupt (ffprobe: ${firstLine(stderr)}). Copy or export it again.`
    )
  }
  if (/Invalid data found when processing input|could not find codec parameters|Unknown format/i.test(stderr)) {
    return new MediaRejectedError(
      'not_media',
      `${name} is not a media file ffmpeg can read. Import a video file (mp4, mov, webm, mkv…).`
    )
  }
  return new MediaRejectedError('corrupt', `${name} could not be read (ffprobe: ${firstLine(stderr)}).`)
}

function readHead(file: string): Uint8Array {
  const buf = Buffer.alloc(16)
  try {
    const fd = openSync(file, 'r')
    try {
      readSync(fd, buf, 0, 16, 0)
    } finally {
      closeSync(fd)
    }
  } catch {
    /* unreadable: treated as not media */
  }
  return buf
}

function firstLine(s: string): string {
  // Drop ffmpeg's "[mov,mp4 @ 0x…]" prefix and the file path, which carry nothing for a person.
  const line =
    s
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean) ?? 'no details'
  return line.replace(/^\[[^\]]*\]\s*/, '').slice(0, 200)
}

/** A refusal when the file is an image whose header declares more pixels than the studio reads. */
function oversizeImageFile(file: string): MediaRejectedError | undefined {
  let header
  try {
    header = readImageHeader(file)
  } catch {
    return undefined
  }
  const why = header && oversizeImage(header)
  if (!header || !why) return undefined
  return new MediaRejectedError('still_image', `${basename(file)} ${why} (a ${header.format} image, refused unread).`)
}

/** ffprobe a file. Throws MediaRejectedError for missing, empty and unreadable files. */
export function probe(file: string, signal?: AbortSignal): Promise<ProbeInfo> {
  let size: number
  try {
    const st = statSync(file)
    if (!st.isFile()) throw new MediaRejectedError('missing', `${file} is not a file.`)
    size = st.size
  } catch (err) {
    if (err instanceof MediaRejectedError) return Promise.reject(err)
    return Promise.reject(new MediaRejectedError('missing', `${file} does not exist or cannot be read.`))
  }
  if (size === 0) return Promise.reject(new MediaRejectedError('empty', `${basename(file)} is empty (0 bytes).`))
  // An image declaring a huge picture is refused from its header, before ffprobe decodes anything of it.
  const oversize = oversizeImageFile(file)
  if (oversize) return Promise.reject(oversize)
  return new Promise((resolve, reject) => {
    execTool(
      'ffprobe',
      ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '--', file],
      { signal, maxBuffer: 16 * 1024 * 1024, timeout: 60_000 },
      (err, stdout, stderr) => {
        // Cancelled is cancelled, whichever step it hit: the same AbortedError as an aborted ffmpeg.
        if (signal?.aborted) return reject(new AbortedError())
        if (err) return reject(explainProbeFailure(file, String(stderr), readHead(file)))
        try {
          resolve(parseProbeJson(file, size, String(stdout)))
        } catch {
          reject(new MediaRejectedError('not_media', `${basename(file)} could not be read by ffprobe.`))
        }
      }
    )
  })
}
