import { runFfmpegStep } from './ffmpeg-step'
import { probe } from '../media/probe'

/**
 * Music per sequence: ONE track as long as the whole sequence, faded in at its
 * first shot and out at its last, then cut into one segment per shot (at the
 * shot's offset) and muxed under that shot before it is conformed. Played in
 * order, the segments join into the continuous track; no library file is ever
 * rewritten after ingest.
 */
export const FADE_IN_SECONDS = 1
export const FADE_OUT_SECONDS = 2

export interface Segment {
  jobId: number
  offset: number
  duration: number
}

/** Lay the sequence's shots end to end: each one's offset into the track. */
export function planSegments(shots: Array<{ jobId: number; duration: number }>): {
  segments: Segment[]
  total: number
} {
  let offset = 0
  const segments = shots.map((s) => {
    const seg = { jobId: s.jobId, offset, duration: s.duration }
    offset += s.duration
    return seg
  })
  return { segments, total: offset }
}

/** Loop (if short) and trim the raw track to `total` seconds, with fades at both edges; 48 kHz stereo WAV. */
export async function shapeTrack(raw: string, out: string, total: number, signal: AbortSignal): Promise<void> {
  const fadeOut = Math.min(FADE_OUT_SECONDS, total / 3)
  const fadeIn = Math.min(FADE_IN_SECONDS, total / 3)
  await runFfmpegStep(
    [
      '-stream_loop',
      '-1',
      '-i',
      raw,
      '-af',
      `afade=t=in:st=0:d=${fadeIn.toFixed(3)},afade=t=out:st=${(total - fadeOut).toFixed(3)}:d=${fadeOut.toFixed(3)}`,
      '-t',
      total.toFixed(3),
      '-ar',
      '48000',
      '-ac',
      '2',
      '-c:a',
      'pcm_s16le',
      out
    ],
    { signal }
  )
}

/**
 * Put the segment [offset, offset+duration) of the track under the clip (video copied,
 * not re-encoded). The clip's own audio (what the video model made with the picture)
 * is kept, mixed over the music; a clip without audio gets the music alone.
 */
export async function muxSegment(
  video: string,
  track: string,
  segment: { offset: number; duration: number },
  out: string,
  signal: AbortSignal
): Promise<void> {
  const info = await probe(video, signal)
  const stereo = 'aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo'
  const audio = info.audio
    ? [
        '-filter_complex',
        `[0:a:0]asetpts=PTS-STARTPTS,${stereo}[own];[1:a:0]${stereo},volume=${MUSIC_UNDER_MODEL_DB}dB[bed];` +
          '[own][bed]amix=inputs=2:duration=longest:normalize=0[a]',
        '-map',
        '0:v:0',
        '-map',
        '[a]'
      ]
    : ['-map', '0:v:0', '-map', '1:a:0']
  await runFfmpegStep(
    [
      '-i',
      video,
      '-ss',
      segment.offset.toFixed(3),
      '-t',
      segment.duration.toFixed(3),
      '-i',
      track,
      ...audio,
      '-c:v',
      'copy',
      '-c:a',
      'aac',
      '-b:a',
      '192k',
      '-ar',
      '48000',
      '-ac',
      '2',
      '-t',
      segment.duration.toFixed(3),
      out
    ],
    { signal }
  )
}

/** The music under a clip that has its own sound, dB. */
export const MUSIC_UNDER_MODEL_DB = -8
