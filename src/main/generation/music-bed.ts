import { runFfmpegStep } from './ffmpeg-step'

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

/** Put the segment [offset, offset+duration) of the track under the clip (video copied, not re-encoded). */
export async function muxSegment(
  video: string,
  track: string,
  segment: { offset: number; duration: number },
  out: string,
  signal: AbortSignal
): Promise<void> {
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
      '-map',
      '0:v:0',
      '-map',
      '1:a:0',
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
