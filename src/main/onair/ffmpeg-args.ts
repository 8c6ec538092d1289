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
 * The HLS muxer's options for a live window: 2 s segments (the house GOP, so every
 * segment starts on a keyframe), a rolling window of `listSize` segments, older ones
 * deleted. After a restart the playlist is continued (append_list) with a discontinuity
 * instead of starting over, and it never gets an end tag (omit_endlist), so players keep
 * reloading through a restart. Segments are written to a temp name and renamed. The
 * same options whichever ffmpeg writes the window (the playout's tee or a copy tap).
 */
export function hlsMuxerOptions(opts: { segmentS?: number; listSize?: number } = {}): Array<[string, string]> {
  return [
    ['hls_time', String(opts.segmentS ?? 2)],
    ['hls_list_size', String(opts.listSize ?? 6)],
    ['hls_delete_threshold', '2'],
    [
      'hls_flags',
      'delete_segments+append_list+discont_start+omit_endlist+temp_file+program_date_time+independent_segments'
    ],
    ['hls_segment_type', 'mpegts']
  ]
}

/** What the playout writes besides what airs, through ffmpeg's tee muxer (see playoutArgs). */
export interface TeeOutputs {
  /** The channel's HLS window: `dir` relative to the playout's working folder (the data folder). */
  hls?: { dir: string; segmentS?: number; listSize?: number }
}

/** The name of each slave of the playout's tee, in order: a failure report names its slave by index. */
export type TeeSlave = 'air' | keyof TeeOutputs

export function teeSlaves(tee: TeeOutputs): TeeSlave[] {
  return ['air', ...(tee.hls ? (['hls'] as const) : [])]
}

/**
 * One level of the escaping ffmpeg's tee muxer undoes with av_get_token: a backslash
 * before the backslash, the quote and each of `specials`.
 */
function escapeLevel(s: string, specials: string): string {
  return s.replace(/[\\']/g, '\\$&').replace(new RegExp(`[${specials.replace(/[\]\\^-]/g, '\\$&')}]`, 'g'), '\\$&')
}

/** A slave's file name: tee splits slaves at `|` (one unescape). */
export function teeFileName(path: string): string {
  return escapeLevel(path, '|')
}

/** A slave option's value: unescaped once by the slave split, once more by the option list (`:` and `]` end a value). */
export function teeOptionValue(value: string): string {
  return escapeLevel(escapeLevel(value, ':]'), '|')
}

/** `[opt=value:…]file`: one tee slave. */
export function teeSlave(options: Array<[string, string]>, file: string): string {
  return `[${options.map(([k, v]) => `${k}=${teeOptionValue(v)}`).join(':')}]${teeFileName(file)}`
}

/**
 * What a segment's PTS (90 kHz) is ahead of the output time it shows: the MPEG-TS
 * muxer's start delay, twice its max_delay of 0.7 s (ffmpeg's default for an output it
 * opens itself; the playout's tee sets it on its HLS slave, whose muxer it opens).
 */
export const HLS_PTS_OFFSET = 126_000
const HLS_MAX_DELAY_US = '700000'

/** The playout's input: clips as MPEG-TS on stdin, paced unless told otherwise, every stream copied. */
function playoutInputArgs(realtime: boolean | undefined): string[] {
  return [
    ...PROGRESS_ON_STDERR,
    // Probe only the first half second: a longer probe is read ahead of -re pacing
    // and would hold clips inside ffmpeg, delaying edits by as much.
    '-analyzeduration',
    '500000',
    '-probesize',
    '500000',
    // Simulations (a day of boundaries in a minute) run the same path unpaced.
    ...(realtime === false ? [] : ['-re']),
    '-f',
    'mpegts',
    '-i',
    'pipe:0',
    '-map',
    '0:v:0',
    '-map',
    '0:a:0?',
    '-c',
    'copy'
  ]
}

/**
 * The channel's one long-running encoder: conformed MPEG-TS clips arrive on stdin
 * one after another and are copied, never re-encoded, as FLV to stdout, which the
 * engine publishes to the local server in-process: no publish URL, so no
 * credential on the command line. `-re` paces reading at the clips' own rate,
 * which keeps the feeder's lead small. stdin is the only input, so when the
 * parent dies the pipe closes and ffmpeg ends.
 *
 * With `tee` outputs the same packets also go, through ffmpeg's tee muxer, to the
 * channel's HLS window, so no second ffmpeg reads the stream back through the local
 * server. Those slaves are `onfail=ignore`: a full disk or a removed folder drops the
 * slave (ffmpeg says "Slave muxer #N failed") and the air goes on; the aired FLV
 * slave is never ignorable, so its failure ends ffmpeg and the playout restarts it
 * as before. Paths are relative to the playout's working folder (the data folder), so
 * the data folder's own name (which may hold `:`, `|`, `%`, …) is never parsed by tee
 * or by the HLS muxer's `%d` pattern.
 */
export function playoutArgs(opts: { realtime?: boolean; tee?: TeeOutputs } = {}): string[] {
  const hls = opts.tee?.hls
  if (!hls) return [...playoutInputArgs(opts.realtime), '-f', 'flv', '-flvflags', 'no_duration_filesize', 'pipe:1']
  const air = teeSlave(
    [
      ['f', 'flv'],
      ['flvflags', 'no_duration_filesize']
    ],
    'pipe:1'
  )
  const segments = teeSlave(
    [
      ['f', 'hls'],
      ['onfail', 'ignore'],
      ['max_delay', HLS_MAX_DELAY_US],
      ...hlsMuxerOptions(hls),
      ['hls_segment_filename', `${hls.dir}/seg-%d.ts`]
    ],
    `${hls.dir}/index.m3u8`
  )
  return [
    ...playoutInputArgs(opts.realtime),
    // The tee hands each slave the input's codec tags (MPEG-TS stream types), which the FLV
    // muxer refuses: FLV's own ids for H.264 (7) and AAC (10); MPEG-TS ignores tags.
    '-tag:v',
    '7',
    '-tag:a',
    '10',
    '-f',
    'tee',
    [air, segments].join('|')
  ]
}

/** "Slave muxer #1 failed: No such file or directory, continuing with 1/2 slaves." */
const TEE_SLAVE_FAILED = /Slave muxer #(\d+) failed: (.*?), continuing with \d+\/\d+ slaves/

/** Which tee slave a line of the playout's stderr reports as dropped, and why; null for any other line. */
export function teeSlaveFailure(line: string, tee: TeeOutputs): { slave: TeeSlave; message: string } | null {
  const m = TEE_SLAVE_FAILED.exec(line)
  const slave = m ? teeSlaves(tee)[Number(m[1])] : undefined
  return slave ? { slave, message: m![2]! } : null
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
