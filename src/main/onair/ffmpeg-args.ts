import { AIR_TS_MUX_ARGS, houseEncoderArgs } from '../media/house-encoder'
import type { HouseFormat } from '../../shared/house-format'
import { ffmpegPreamble } from '../media/ffmpeg-runner'

/**
 * Argument builders for every ffmpeg the on-air engine runs. Pure functions so the
 * exact command lines are unit-tested; the URLs they contain carry secrets, so
 * callers must redact before logging them.
 */

/** How often ffmpeg writes a `-progress` block, in seconds. */
export const PROGRESS_PERIOD_S = 0.5

/** Quiet stderr (warnings only) and machine-readable progress on stdout, for the long-running ffmpegs. */
const PROGRESS_HEADER: readonly string[] = ffmpegPreamble({
  loglevel: 'warning',
  progress: 'stdout',
  statsPeriodS: PROGRESS_PERIOD_S
})

/** As PROGRESS_HEADER, with progress on stderr: the playout's stdout carries its FLV. */
const PROGRESS_ON_STDERR: readonly string[] = ffmpegPreamble({
  loglevel: 'warning',
  progress: 'stderr',
  statsPeriodS: PROGRESS_PERIOD_S
})

/**
 * The channel's one long-running encoder: conformed MPEG-TS clips arrive on stdin
 * one after another and are copied, never re-encoded, as FLV to stdout, which the
 * engine publishes to the local server in-process: no publish URL, so no
 * credential on the command line. `-re` paces reading at the clips' own rate,
 * which keeps the feeder's lead small. stdin is the only input, so when the
 * parent dies the pipe closes and ffmpeg ends.
 */
export function playoutArgs(opts: { realtime?: boolean } = {}): string[] {
  return [
    ...PROGRESS_ON_STDERR,
    // Probe only the first half second: a longer probe is read ahead of -re pacing
    // and would hold clips inside ffmpeg, delaying edits by as much.
    '-analyzeduration',
    '500000',
    '-probesize',
    '500000',
    // Simulations (a day of boundaries in a minute) run the same path unpaced.
    ...(opts.realtime === false ? [] : ['-re']),
    '-f',
    'mpegts',
    '-i',
    'pipe:0',
    '-map',
    '0:v:0',
    '-map',
    '0:a:0?',
    '-c',
    'copy',
    '-f',
    'flv',
    '-flvflags',
    'no_duration_filesize',
    'pipe:1'
  ]
}

/** 10 s without progress on a network socket means the destination is gone. */
export const RELAY_RW_TIMEOUT_US = 10_000_000

/**
 * A copy relay from the local server to one destination. The local stream comes
 * in as HTTP-FLV through stdin (the parent pipes it), so the relay also ends when
 * the parent dies; `rw_timeout` stops a stalled destination from hanging it.
 * `outputUrl` is the relay's local tunnel (relay-tunnel.ts), never the real key;
 * `outputOptions` are the rtmp protocol options that go with it.
 */
/**
 * A relay reads the local HTTP-FLV itself (inputUrl) so its bytes never pass through the
 * studio's main loop; the local server may go quiet through a playout restart, so only a
 * long silence ends it (then the relay reconnects).
 */
export const RELAY_INPUT_RW_TIMEOUT_US = 30_000_000

export function relayArgs(
  outputUrl: string,
  outputOptions: readonly string[] = [],
  muxer: 'flv' | 'mpegts' = 'flv',
  inputUrl = 'pipe:0'
): string[] {
  return [
    ...PROGRESS_HEADER,
    ...(inputUrl === 'pipe:0' ? [] : ['-rw_timeout', String(RELAY_INPUT_RW_TIMEOUT_US)]),
    '-f',
    'flv',
    '-i',
    inputUrl,
    '-map',
    '0',
    '-c',
    'copy',
    '-rw_timeout',
    String(RELAY_RW_TIMEOUT_US),
    ...outputOptions,
    // SRT destinations carry MPEG-TS (onair/presets.ts muxerFor).
    ...(muxer === 'flv' ? ['-f', 'flv', '-flvflags', 'no_duration_filesize'] : ['-f', 'mpegts']),
    outputUrl
  ]
}

/** The house encoder (see media/house-encoder.ts) muxed for air, for clips the on-air engine makes itself (the standby slate). */
export function airClipEncodeArgs(format: HouseFormat): string[] {
  return [...houseEncoderArgs(format), ...AIR_TS_MUX_ARGS]
}

export interface SynthClipSpec {
  format: HouseFormat
  /** Exact number of video frames; audio is made the same length. */
  frames: number
  /** lavfi video source, e.g. "smptehdbars" or "testsrc2". */
  video: string
  /** Optional text burnt in with drawtext (needs a font; the caller retries without). */
  text?: string
  /** Tone frequency in Hz; 0 = silence. */
  toneHz: number
  output: string
}

/** A clip synthesised from lavfi sources and encoded in the house format. */
export function synthClipArgs(spec: SynthClipSpec): string[] {
  const { format } = spec
  const seconds = (spec.frames / format.fps).toFixed(6)
  const size = `${format.width}x${format.height}`
  let video = `${spec.video}=size=${size}:rate=${format.fps}:duration=${seconds}`
  if (spec.text) {
    const safe = spec.text.replace(/[^A-Za-z0-9 .,!-]/g, '')
    video += `,drawtext=text='${safe}':fontcolor=white:fontsize=${Math.round(format.height / 10)}:box=1:boxcolor=black@0.6:boxborderw=20:x=(w-text_w)/2:y=(h-text_h)/2`
  }
  const audio =
    spec.toneHz > 0
      ? `sine=frequency=${spec.toneHz}:sample_rate=${format.audioRate}:duration=${seconds}`
      : `anullsrc=channel_layout=stereo:sample_rate=${format.audioRate},atrim=duration=${seconds}`
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    video,
    '-f',
    'lavfi',
    '-i',
    audio,
    // Both sources end at the same time; no -frames:v, which ended the output while
    // the audio was still queued and left each clip ~0.8 s short of sound.
    ...airClipEncodeArgs(format),
    spec.output
  ]
}

/**
 * The seed's playout, kept for the benchmark baseline: a concat list re-encoded
 * with x264 veryfast on every second of air.
 */
export function seedPlayoutArgs(concatList: string, outputUrl: string): string[] {
  return [
    '-hide_banner',
    '-y',
    '-nostdin',
    '-re',
    '-f',
    'concat',
    '-safe',
    '0',
    '-i',
    concatList,
    '-loglevel',
    'error',
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-tune',
    'zerolatency',
    '-c:a',
    'aac',
    '-shortest',
    '-f',
    'flv',
    outputUrl
  ]
}
