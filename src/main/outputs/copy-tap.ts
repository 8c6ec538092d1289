import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { ffmpegPreamble, startFfmpeg } from '../media/ffmpeg-runner'
import { Backoff } from '../core/backoff'
import { LineSplitter, EncoderProgressParser } from '../media/ffmpeg-progress'
import type { OnAirLogger } from '../onair/redact-log'
import { StateMachine, type StateChange } from '../onair/state'
import { HLS_PTS_OFFSET, hlsMuxerOptions } from '../onair/ffmpeg-args'

/** Quiet stderr and machine-readable progress, as the other long-running ffmpegs. */
const HEADER = ffmpegPreamble({ loglevel: 'warning', progress: 'stdout', statsPeriodS: 1 })

/** 10 s without data from the local server means it is gone: exit and restart. */
export const TAP_RW_TIMEOUT_US = 10_000_000

/** The local stream in, every stream copied (never decoded or encoded). */
export function tapInputArgs(flvUrl: string): string[] {
  return [
    ...HEADER,
    '-rw_timeout',
    String(TAP_RW_TIMEOUT_US),
    '-f',
    'flv',
    '-i',
    flvUrl,
    '-map',
    '0:v:0',
    '-map',
    '0:a:0?',
    '-c',
    'copy'
  ]
}

/**
 * With -copyts a segment's PTS is the local server's FLV timestamp (the playout's
 * output time) plus the MPEG-TS muxer's start delay, as in the playout's own HLS.
 */
export { HLS_PTS_OFFSET }

/** HLS from the copy stream, with the same muxer options as the playout's own (hlsMuxerOptions). */
export function hlsArgs(flvUrl: string, dir: string, opts: { segmentS?: number; listSize?: number } = {}): string[] {
  return [
    ...tapInputArgs(flvUrl),
    // The local server's timestamps kept (see HLS_PTS_OFFSET): a segment's PTS then says
    // which moment of the playout's output it shows, whenever this tap connected.
    '-copyts',
    '-f',
    'hls',
    ...hlsMuxerOptions(opts).flatMap(([k, v]) => [`-${k}`, v]),
    '-hls_segment_filename',
    `${dir}/seg-%d.ts`,
    `${dir}/index.m3u8`
  ]
}

/**
 * Recording of what aired: MPEG-TS files (readable up to the last packet even after
 * a crash) cut at the first keyframe after each wall-clock multiple of the segment
 * length, named by their start time in UTC.
 */
export function recordArgs(flvUrl: string, dir: string, segmentS: number): string[] {
  return [
    ...tapInputArgs(flvUrl),
    '-f',
    'segment',
    '-segment_time',
    String(segmentS),
    '-segment_atclocktime',
    '1',
    '-segment_format',
    'mpegts',
    '-reset_timestamps',
    '1',
    '-strftime',
    '1',
    `${dir}/%Y%m%dT%H%M%SZ.ts`
  ]
}

export interface CopyTapOptions {
  name: string
  args: () => string[]
  log: OnAirLogger
  onState?: (c: StateChange) => void
  /** Runs before each (re)start (e.g. make the folder). */
  prepare?: () => void
  /**
   * ffmpeg's working folder. The HLS and segment muxers read every `%` of a path as a
   * pattern (`%d`, strftime), so the studio runs them inside the output folder with
   * names relative to it (`./seg-%d.ts`): the data folder's own name is never parsed.
   */
  cwd?: string
  /**
   * Runs after each ffmpeg exit, once nothing writes any more and before a restart
   * or the stop returns (e.g. remove a recording file left unfinished).
   */
  afterExit?: () => Promise<unknown>
}

/**
 * One supervised `ffmpeg -i <local HTTP-FLV> -c copy …` (HLS or recording): restarted
 * with backoff whenever it ends while wanted. LIVE once it has written output.
 * Its failures never touch the playout or the destinations.
 */
export class CopyTap {
  readonly state: StateMachine
  private child: ChildProcessWithoutNullStreams | null = null
  private wanted = false
  private timer: NodeJS.Timeout | null = null
  private upAt = 0
  private readonly backoff = new Backoff({ initialMs: 1000, factor: 2, jitter: 0.05, maxMs: 15_000, stableMs: 30_000 })
  private tail: string[] = []

  constructor(private readonly opts: CopyTapOptions) {
    this.state = new StateMachine((c) => opts.onState?.(c))
  }

  get pid(): number | undefined {
    return this.child?.pid
  }

  start(): void {
    if (this.wanted) return
    this.wanted = true
    this.backoff.reset()
    if (this.state.canGo('starting')) this.state.go('starting')
    this.spawn()
  }

  private spawn(): void {
    if (!this.wanted) return
    try {
      this.opts.prepare?.()
    } catch (err) {
      this.retry(`could not prepare: ${err instanceof Error ? err.message : String(err)}`, 0)
      return
    }
    this.tail = []
    this.upAt = 0
    // TZ=UTC: recording files are named by strftime, which ffmpeg runs in local time.
    const child = startFfmpeg(this.opts.args(), {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, TZ: 'UTC' },
      lifeline: 'input',
      ...(this.opts.cwd !== undefined ? { cwd: this.opts.cwd } : {})
    }) as ChildProcessWithoutNullStreams
    this.child = child
    child.stdin.on('error', () => {})
    const progress = new EncoderProgressParser((b) => {
      if (!this.upAt && b.outTimeUs > 0) {
        this.upAt = Date.now()
        if (this.state.state !== 'live' && this.state.canGo('live')) this.state.go('live')
      }
    })
    child.stdout.on('data', (d: Buffer) => progress.push(d))
    const lines = new LineSplitter((line) => {
      this.tail.push(line)
      if (this.tail.length > 10) this.tail.shift()
      this.opts.log('debug', `[${this.opts.name}] ffmpeg: ${line}`)
    })
    child.stderr.on('data', (d: Buffer) => lines.push(d))
    child.on('error', (err) => this.opts.log('error', `[${this.opts.name}] could not start ffmpeg: ${err.message}`))
    child.on('close', (code, signal) => {
      lines.flush()
      if (this.child !== child) return
      this.child = null
      if (!this.wanted) return
      const why = this.tail.slice(-2).join(' | ') || (signal ? `killed by ${signal}` : `exited with code ${code}`)
      this.retry(why, this.upAt ? Date.now() - this.upAt : 0)
    })
  }

  private retry(why: string, upMs: number): void {
    this.backoff.connectionEnded(upMs)
    const { attempt, delayMs } = this.backoff.next()
    this.opts.log('warn', `[${this.opts.name}] stopped (${why}); restarting in ${delayMs} ms`)
    if (this.state.canGo('reconnecting'))
      this.state.go('reconnecting', { attempt, nextRetryAt: Date.now() + delayMs, message: why })
    this.timer = setTimeout(() => {
      this.timer = null
      void this.afterExit().then(() => {
        if (this.wanted && this.state.canGo('starting')) this.state.go('starting')
        this.spawn()
      })
    }, delayMs)
  }

  private async afterExit(): Promise<void> {
    try {
      await this.opts.afterExit?.()
    } catch (err) {
      this.opts.log('warn', `[${this.opts.name}] ${err instanceof Error ? err.message : String(err)}`)
    }
  }

  async stop(): Promise<void> {
    this.wanted = false
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    if (this.state.state === 'offline') return
    if (this.state.canGo('stopping')) this.state.go('stopping')
    const child = this.child
    if (child) {
      const closed = new Promise<void>((r) => child.once('close', () => r()))
      // 'q' on stdin lets ffmpeg finish the segment and the playlist cleanly.
      child.stdin.end('q')
      const t = setTimeout(() => child.kill('SIGKILL'), 3000)
      await closed
      clearTimeout(t)
    }
    this.child = null
    await this.afterExit()
    if (this.state.canGo('offline')) this.state.go('offline')
  }
}
