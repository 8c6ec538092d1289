import type { HouseFormat } from '../../shared/house-format'

/**
 * The house encoder: the one set of x264/AAC flags every clip that airs is made
 * with — conformed imports and generations, the standby slate, synthetic clips.
 * The on-air playout copies clips into one stream without re-encoding, so the
 * stream holds only while every clip carries the same SPS, GOP and audio layout:
 * change these flags here, for all of them at once, and bump the conform recipe
 * (library/media-files.ts) so media made the old way is not reused.
 */

export interface EncoderTuning {
  /** x264 preset; veryfast keeps conform near 0.25 CPU-s per clip-second at 1024x576. */
  preset: string
  threads?: number
}

export const DEFAULT_TUNING: EncoderTuning = { preset: 'veryfast' }

/**
 * H.264 level from the picture rate, fixed per format so every clip of a channel
 * carries the same SPS (clips are concatenated into one stream on air).
 */
export function h264Level(format: HouseFormat): string {
  const mbPerSec = Math.ceil(format.width / 16) * Math.ceil(format.height / 16) * format.fps
  if (mbPerSec <= 245_760) return '4.0'
  if (mbPerSec <= 522_240) return '4.2'
  if (mbPerSec <= 983_040) return '5.1'
  return '5.2'
}

/**
 * Output codec flags of the house format: H.264 High at the format's level, constant
 * rate, closed GOP of exactly fps×gopSeconds frames (keyframe on frame 0, no scene-cut
 * keyframes), capped bitrate; AAC-LC stereo at the format's sample rate.
 */
export function houseEncoderArgs(format: HouseFormat, tuning: EncoderTuning = DEFAULT_TUNING): string[] {
  const gop = format.fps * format.gopSeconds
  // prettier-ignore
  return [
    '-c:v', 'libx264', '-preset', tuning.preset, '-profile:v', 'high', '-level:v', h264Level(format),
    '-pix_fmt', 'yuv420p', '-r', String(format.fps),
    '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0', '-flags', '+cgop',
    '-b:v', `${format.videoKbps}k`, '-maxrate', `${format.videoMaxKbps}k`, '-bufsize', `${format.videoMaxKbps * 2}k`,
    ...(tuning.threads ? ['-threads', String(tuning.threads)] : []),
    '-c:a', 'aac', '-b:a', `${format.audioKbps}k`, '-ar', String(format.audioRate), '-ac', '2'
  ]
}

/**
 * MPEG-TS muxer options for everything that airs. The muxer otherwise gathers
 * audio into large PES packets: quiet audio (silence compresses to a few bytes a
 * frame) can then first appear seconds into the file, after the playout encoder
 * has finished probing its input — which then fails with "sample rate not set".
 * Flushing audio at least every 50 ms keeps it beside the first video frames.
 */
export const AIR_TS_MUX_ARGS: readonly string[] = ['-max_delay', '100000', '-f', 'mpegts']
