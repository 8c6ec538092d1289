import { type ChildProcessWithoutNullStreams } from 'node:child_process'
import { startFfmpeg } from '../media/ffmpeg-runner'
import { createReadStream, openSync, readSync, closeSync, statSync } from 'node:fs'
import { Backoff } from '../core/backoff'
import { playoutArgs, teeSlaveFailure, type TeeOutputs } from './ffmpeg-args'
import { BoundaryLog, type BoundaryStats } from './boundary-log'
import { LineSplitter, EncoderProgressParser, type EncoderProgress } from '../media/ffmpeg-progress'
import type { OnAirLogger } from './redact-log'
import type { PublisherSink } from './rtmp-server'
import { StateMachine, type StateChange } from './state'
import { nextInOrder, type AirChannel, type AirCursor, type AirItem, type TimelineSource } from './timeline'

/** The local server as the playout sees it. */
export interface PublishTarget {
  hasVideo(stream: string): boolean
  /** Publishes the stream from this process; throws when the server refuses it. */
  openPublisher(stream: string): PublisherSink
}

export interface ClipRef {
  itemId: number | null
  label: string
  durationMs: number
  slate: boolean
}

export type ClipPhase = 'queued' | 'airing' | 'skipped'

export interface PlayoutOptions {
  channel: AirChannel
  stream: string
  source: TimelineSource
  target: PublishTarget
  slatePath: () => Promise<string>
  log: OnAirLogger
  onState?: (change: StateChange) => void
  /** airStartUs: with 'airing', where the output timeline (the FLV timestamps the local server gets) was when the clip began. */
  onClip?: (phase: ClipPhase, clip: ClipRef, reason?: string, airStartUs?: number) => void
  /** A new encoder process started (its pid), writing these tee outputs besides what airs. */
  onEncoder?: (pid: number, tee: TeeOutputs) => void
  /**
   * What each encoder run writes besides what airs (ffmpeg-args.ts playoutArgs), read at
   * every (re)start: the outputs of a run are fixed while it runs.
   */
  tee?: () => TeeOutputs
  /** The encoder's working folder: the tee's paths are relative to it. */
  cwd?: string
  /** A tee output of this encoder run failed and was dropped (the air goes on); it stays dropped until the next run. */
  onTeeFailed?: (output: keyof TeeOutputs, message: string, pid: number | undefined) => void
  /** Restart policy for the encoder (local, so quicker than destinations). */
  restartBackoff?: Backoff
  /** false: no `-re` pacing, for simulations that run a day of air faster than real time. */
  realtime?: boolean
  /** Where an earlier run of this channel left off: the first pick is the clip after it. */
  startCursor?: AirCursor | null
}

export interface PlayoutStats extends BoundaryStats {
  uptimeS: number
  kbps: number
  speed: number
  droppedFrames: number
  restarts: number
}

interface QueuedClip {
  clip: ClipRef
  /** Output time (µs, this encoder run) at which the clip started on air. */
  airStartUs: number | null
}

const TS_PACKET = 188
/** Bytes the feeder reads from a clip at a time (see pump). */
const FEED_CHUNK = 256 * 1024

/** Cheap check that a file is MPEG-TS we can read: two sync bytes a packet apart. */
export function checkTsFile(path: string): string | null {
  try {
    const st = statSync(path)
    if (!st.isFile()) return 'not a file'
    if (st.size < TS_PACKET * 2) return 'the file is empty or truncated'
    const fd = openSync(path, 'r')
    try {
      const buf = Buffer.alloc(TS_PACKET + 1)
      readSync(fd, buf, 0, buf.length, 0)
      if (buf[0] !== 0x47 || buf[TS_PACKET] !== 0x47) return 'not an MPEG-TS file (conform it again)'
    } finally {
      closeSync(fd)
    }
    return null
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return 'the file is missing'
    if (code === 'EACCES') return 'the file is not readable (permissions)'
    return err instanceof Error ? err.message : String(err)
  }
}

const BENIGN = /Non-monotonous DTS|Packet corrupt|corrupt input packet|changing to \d+\. This may result/
/** A line of ffmpeg's `-progress` block (it shares stderr with warnings). */
const PROGRESS_LINE = /^[a-z][a-z_0-9]*=/

/**
 * One channel on air: a long-running `ffmpeg -re -f mpegts -i pipe:0 -c copy -f flv pipe:1`
 * whose FLV the engine publishes to the local server in-process (no publish URL,
 * so no credential anywhere an outsider could read or replay it), and a feeder that writes the timeline's clips
 * into its stdin one after another. The feeder chooses the next clip only when the
 * current one has been taken by ffmpeg (backpressure keeps the lead to the pipe's
 * buffer, well under a second), so every edit airs at the next boundary and the
 * clip on air is never cut. If ffmpeg dies it is restarted; viewers of the local
 * server stay subscribed and NMS continues their timestamps.
 */
export class ChannelPlayout {
  readonly state: StateMachine
  private encoder: ChildProcessWithoutNullStreams | null = null
  private encoderGen = 0
  private encoderReady: Promise<void> = Promise.resolve()
  private markEncoderReady: () => void = () => {}
  private stopping = false
  private cursor: AirCursor | null = null
  /** "Next" as the timeline said it at the last change or boundary; undefined: to be read again. */
  private nextFromTimeline: ClipRef | null | undefined = undefined
  private readonly queue: QueuedClip[] = []
  private lastProgress: EncoderProgress | null = null
  private prevProgress: { at: number; size: number } | null = null
  /** FLV bytes this encoder run put out: the tee muxer reports no total_size of its own. */
  private outBytes = 0
  private kbps = 0
  private droppedBase = 0
  private restarts = 0
  private liveSince = 0
  private everLive = false
  private failedStarts = 0
  private sink: PublisherSink | null = null
  private readonly stderrTail: string[] = []
  private feeder: Promise<void> | null = null
  private restartTimer: NodeJS.Timeout | null = null
  private liveWatch: NodeJS.Timeout | null = null
  private readonly backoff: Backoff
  private readonly boundaries: BoundaryLog
  /**
   * When media time 0 of this encoder run was due on the wall clock (`-re`'s pace):
   * the smallest (now − out_time) any progress report showed. Null until the first.
   */
  private paceAnchorMs: number | null = null

  private clipEvent(phase: ClipPhase, clip: ClipRef, reason?: string, airStartUs?: number | null): void {
    if (!this.stopping) this.opts.onClip?.(phase, clip, reason, airStartUs ?? undefined)
  }

  constructor(private readonly opts: PlayoutOptions) {
    this.cursor = opts.startCursor ?? null
    this.state = new StateMachine((c) => {
      opts.onState?.(c)
      for (const w of [...this.waiters]) if (w(c)) this.waiters.splice(this.waiters.indexOf(w), 1)
    })
    this.backoff =
      opts.restartBackoff ?? new Backoff({ initialMs: 500, factor: 2, jitter: 0.05, maxMs: 10_000, stableMs: 30_000 })
    this.boundaries = new BoundaryLog(opts.stream, opts.log)
  }

  get encoderPid(): number | undefined {
    return this.encoder?.pid
  }

  /** The last clip picked (a restart resumes after it). */
  get lastPicked(): AirCursor | null {
    return this.cursor
  }

  get now(): ClipRef | null {
    return this.queue[0]?.clip ?? null
  }

  /** The clip already queued behind the one on air, or the one the timeline says comes next. */
  get next(): ClipRef | null {
    if (this.queue[1]) return this.queue[1].clip
    // Read from the timeline once per change (an edit, a clip boundary), not at every status or stats tick.
    if (this.nextFromTimeline === undefined) {
      const item = nextInOrder(this.safeAirable(), this.cursor)
      this.nextFromTimeline = item ? this.clipOf(item) : null
    }
    return this.nextFromTimeline
  }

  /** The timeline changed (an edit here or in another process): "next" is read again when it is next asked for. */
  timelineChanged(): void {
    this.nextFromTimeline = undefined
  }

  /** Where the last pick was; moving it is a clip boundary, so "next" is read again. */
  private moveCursor(item: AirItem): void {
    this.cursor = { itemId: item.itemId, position: item.position }
    this.nextFromTimeline = undefined
  }

  stats(): PlayoutStats {
    const p = this.lastProgress
    return {
      uptimeS: this.state.state === 'live' && this.liveSince ? Math.round((Date.now() - this.liveSince) / 1000) : 0,
      kbps: Math.round(this.kbps),
      speed: p && Number.isFinite(p.speed) ? p.speed : 0,
      droppedFrames: this.droppedBase + (p?.dropFrames ?? 0),
      restarts: this.restarts,
      ...this.boundaries.stats
    }
  }

  /** Resolves once the local server has the stream's first video, or rejects with the error. */
  async start(): Promise<void> {
    this.state.go('starting')
    const live = new Promise<void>((resolve, reject) => {
      this.waiters.push((c) => {
        if (c.to === 'live') resolve()
        else if (c.to === 'error' || c.to === 'offline') reject(new Error(c.message ?? 'stopped before going live'))
        else return false
        return true
      })
    })
    this.spawnEncoder()
    this.feeder = this.feed().catch((err: unknown) => {
      this.fail(`The playout feeder stopped: ${err instanceof Error ? err.message : String(err)}`)
    })
    await live
  }

  /** Callbacks waiting for a state; each returns true once it is done. */
  private readonly waiters: Array<(c: StateChange) => boolean> = []

  private go(to: StateChange['to'], detail: Parameters<StateMachine['go']>[1] = {}): void {
    if (this.state.canGo(to)) this.state.go(to, detail)
  }

  private fail(message: string): void {
    this.opts.log('error', `[${this.opts.stream}] ${message}`)
    this.go('error', { message })
    this.stopping = true
    this.markEncoderReady()
    this.killEncoder()
  }

  private safeAirable(): AirItem[] {
    try {
      return this.opts.source.airable(this.opts.channel.id)
    } catch (err) {
      this.opts.log(
        'warn',
        `[${this.opts.stream}] reading the timeline failed: ${err instanceof Error ? err.message : String(err)}`
      )
      return []
    }
  }

  private clipOf(item: AirItem): ClipRef {
    return { itemId: item.itemId, label: item.label, durationMs: item.durationMs, slate: false }
  }

  // ---- encoder supervisor ---------------------------------------------------

  private spawnEncoder(): void {
    const gen = ++this.encoderGen
    this.queue.length = 0
    this.lastProgress = null
    this.prevProgress = null
    this.paceAnchorMs = null
    this.outBytes = 0
    let sink: PublisherSink
    try {
      sink = this.opts.target.openPublisher(this.opts.stream)
    } catch (err) {
      // Only our own encoders publish; this means a second playout of the same stream.
      this.fail(`The local server refused the publish: ${err instanceof Error ? err.message : String(err)}`)
      return
    }
    this.sink = sink
    const tee = this.opts.tee?.() ?? {}
    const child = startFfmpeg(playoutArgs({ realtime: this.opts.realtime ?? true, tee }), {
      lifeline: 'stdin',
      ...(this.opts.cwd !== undefined ? { cwd: this.opts.cwd } : {})
    }) as ChildProcessWithoutNullStreams
    this.encoder = child
    if (child.pid !== undefined) this.opts.onEncoder?.(child.pid, tee)
    this.encoderReady = Promise.resolve()
    child.stdin.on('error', () => {
      /* EPIPE when ffmpeg dies; the exit handler restarts it */
    })
    child.stdout.on('data', (d: Buffer) => {
      this.outBytes += d.length
      sink.write(d)
    })
    const progress = new EncoderProgressParser((b) => this.onProgress(b))
    const lines = new LineSplitter((line) => {
      if (PROGRESS_LINE.test(line)) return progress.push(line + '\n')
      const dropped = teeSlaveFailure(line, tee)
      if (dropped && dropped.slave !== 'air') this.opts.onTeeFailed?.(dropped.slave, dropped.message, child.pid)
      this.stderrTail.push(line)
      if (this.stderrTail.length > 20) this.stderrTail.shift()
      this.opts.log(BENIGN.test(line) ? 'debug' : 'warn', `[${this.opts.stream}] ffmpeg: ${line}`)
    })
    child.stderr.on('data', (d: Buffer) => lines.push(d))
    child.on('error', (err) => this.fail(`Could not start ffmpeg: ${err.message}`))
    child.on('close', (code, signal) => {
      lines.flush()
      sink.close()
      if (this.sink === sink) this.sink = null
      if (gen === this.encoderGen) this.onEncoderExit(code, signal)
    })
    this.watchForLive(gen)
  }

  /** LIVE means: the server accepted the publish and holds the stream's first video. */
  private watchForLive(gen: number): void {
    if (this.liveWatch) clearInterval(this.liveWatch)
    this.liveWatch = setInterval(() => {
      if (gen !== this.encoderGen || this.stopping) {
        if (this.liveWatch) clearInterval(this.liveWatch)
        return
      }
      if (this.opts.target.hasVideo(this.opts.stream) && this.lastProgress !== null) {
        if (this.liveWatch) clearInterval(this.liveWatch)
        this.liveWatch = null
        this.failedStarts = 0
        if (!this.everLive || this.state.state !== 'live') {
          if (!this.everLive) this.liveSince = Date.now()
          this.everLive = true
          this.encoderUpAt = Date.now()
          this.go('live')
        }
      }
    }, 25)
  }
  private encoderUpAt = 0

  private onEncoderExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.liveWatch) clearInterval(this.liveWatch)
    this.encoder = null
    if (this.stopping) return
    this.droppedBase += this.lastProgress?.dropFrames ?? 0
    const why = signal ? `killed by ${signal}` : `exited with code ${code}`
    const tail = this.stderrTail.slice(-3).join(' | ')
    const wasUp = this.encoderUpAt ? Date.now() - this.encoderUpAt : 0
    this.encoderUpAt = 0
    if (!wasUp) this.failedStarts += 1
    if (!this.everLive && this.failedStarts >= 3) {
      this.fail(`The playout encoder could not go live (${why}${tail ? `: ${tail}` : ''}).`)
      return
    }
    this.backoff.connectionEnded(wasUp)
    const { attempt, delayMs } = this.backoff.next()
    this.restarts += 1
    this.opts.log(
      'warn',
      `[${this.opts.stream}] playout encoder ${why}; restarting in ${delayMs} ms (attempt ${attempt})${tail ? `: ${tail}` : ''}`
    )
    this.go('reconnecting', { attempt, nextRetryAt: Date.now() + delayMs, message: `encoder ${why}` })
    let release: () => void = () => {}
    this.encoderReady = new Promise((r) => (release = r))
    this.markEncoderReady = release
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null
      if (this.stopping) return release()
      this.spawnEncoder()
      release()
    }, delayMs)
  }

  private onProgress(b: EncoderProgress): void {
    const now = Date.now()
    const size = this.outBytes
    if (this.prevProgress && now > this.prevProgress.at) {
      const inst = ((size - this.prevProgress.size) * 8) / (now - this.prevProgress.at)
      // Smooth over a few blocks: one block is 0.5 s and packets arrive in bursts.
      this.kbps = this.kbps === 0 ? inst : this.kbps * 0.7 + inst * 0.3
    }
    this.prevProgress = { at: now, size }
    if (this.opts.realtime !== false && Number.isFinite(b.outTimeUs) && b.outTimeUs > 0) {
      const anchor = now - b.outTimeUs / 1000
      if (this.paceAnchorMs === null || anchor < this.paceAnchorMs) this.paceAnchorMs = anchor
    }
    this.lastProgress = b
    this.advanceAiring(b.outTimeUs)
  }

  /**
   * "Now" is the clip whose time ffmpeg's output has reached: the head of the queue
   * advances when out_time passes the head's end (its start + its duration). It is
   * resynchronised to the feeder at each pick (a clip cannot be on air before its
   * bytes are written), so rounding in clip durations never accumulates.
   */
  private advanceAiring(outUs: number): void {
    const head = this.queue[0]
    if (!head) return
    if (head.airStartUs === null) head.airStartUs = outUs
    while (this.queue.length >= 2) {
      const cur = this.queue[0]!
      const start = cur.airStartUs ?? outUs
      const end = start + cur.clip.durationMs * 1000
      if (cur.clip.durationMs > 0 && outUs < end) break
      this.queue.shift()
      const nxt = this.queue[0]!
      nxt.airStartUs = cur.clip.durationMs > 0 ? Math.min(end, outUs) : outUs
      this.clipEvent('airing', nxt.clip, undefined, nxt.airStartUs)
    }
  }

  // ---- feeder -----------------------------------------------------------------

  private async feed(): Promise<void> {
    const skippedInRow = new Set<number>()
    while (!this.stopping) {
      await this.encoderReady
      if (this.stopping) break
      const enc = this.encoder
      if (!enc) {
        await sleep(50)
        continue
      }
      const gen = this.encoderGen
      const item = nextInOrder(this.safeAirable(), this.cursor)
      const problem = item ? checkTsFile(item.tsPath) : null
      if (item && problem) {
        this.skip(item, problem)
        this.moveCursor(item)
        skippedInRow.add(item.itemId)
        // Pick again at once, unless every airable item has failed: then the slate, not a spin.
        if (skippedInRow.size < 50) continue
      }
      skippedInRow.clear()
      const playable = item && !problem ? item : null
      const path = playable ? playable.tsPath : await this.opts.slatePath()
      const clip = playable ? this.clipOf(playable) : this.slateClip()
      this.queue.push({ clip, airStartUs: this.queue.length === 0 ? (this.lastProgress?.outTimeUs ?? 0) : null })
      if (this.queue.length === 1) this.clipEvent('airing', clip, undefined, this.queue[0]!.airStartUs)
      else this.clipEvent('queued', clip)
      // More than two clips waiting behind the one on air means durations were off: resync.
      while (this.queue.length > 3) {
        this.queue.shift()
        const head = this.queue[0]!
        head.airStartUs = this.lastProgress?.outTimeUs ?? 0
        this.clipEvent('airing', head.clip, undefined, head.airStartUs)
      }
      this.recordBoundary(clip)
      const result = await this.pump(enc, gen, path)
      if (result === 'read-error' && playable) this.skip(playable, 'the file could not be read to the end')
      if (playable) this.moveCursor(playable)
    }
  }

  /**
   * The lead of the boundary into the clip just queued (see boundary-log.ts): its
   * start in media time is the clip on air's start plus the lengths queued before it.
   */
  private recordBoundary(clip: ClipRef): void {
    const head = this.queue[0]
    if (this.queue.length < 2 || this.paceAnchorMs === null || !head || head.airStartUs === null) return
    let startUs = head.airStartUs
    for (const q of this.queue.slice(0, -1)) startUs += q.clip.durationMs * 1000
    this.boundaries.record(this.paceAnchorMs + startUs / 1000 - Date.now(), clip.label)
  }

  private slateClip(): ClipRef {
    return { itemId: null, label: 'Standby', durationMs: this.opts.channel.format.gopSeconds * 1000, slate: true }
  }

  private skip(item: AirItem, reason: string): void {
    this.opts.log('warn', `[${this.opts.stream}] skipping clip ${item.itemId} (${item.label}): ${reason}`)
    try {
      this.opts.source.markUnplayable(this.opts.channel.id, item.itemId, reason)
    } catch {
      /* marking is best effort; the skip itself already happened */
    }
    this.clipEvent('skipped', this.clipOf(item), reason)
  }

  /** Copies one clip into ffmpeg's stdin, waiting on backpressure. */
  private pump(
    enc: ChildProcessWithoutNullStreams,
    gen: number,
    path: string
  ): Promise<'done' | 'encoder-gone' | 'read-error'> {
    return new Promise((resolve) => {
      // 256 KiB reads: a quarter of the reads and stdin writes of 64 KiB (each a trip through
      // libuv's pool and a wake-up, per channel) at the same lead, since the next clip is still
      // picked only once the last chunk has drained into ffmpeg's stdin.
      const input = createReadStream(path, { highWaterMark: FEED_CHUNK })
      let settled = false
      const finish = (r: 'done' | 'encoder-gone' | 'read-error'): void => {
        if (settled) return
        settled = true
        enc.stdin.off('drain', onDrain)
        enc.off('close', onGone)
        input.destroy()
        resolve(r)
      }
      const onDrain = (): void => {
        input.resume()
      }
      const onGone = (): void => finish('encoder-gone')
      enc.stdin.on('drain', onDrain)
      enc.once('close', onGone)
      input.on('data', (chunk) => {
        if (gen !== this.encoderGen || this.stopping || enc.stdin.destroyed) return finish('encoder-gone')
        if (!enc.stdin.write(chunk)) input.pause()
      })
      input.on('end', () => {
        // The clip is fully handed over once the stdin buffer has drained.
        if (enc.stdin.writableNeedDrain) enc.stdin.once('drain', () => finish('done'))
        else finish('done')
      })
      input.on('error', () => finish('read-error'))
    })
  }

  // ---- stop -------------------------------------------------------------------

  private killEncoder(): void {
    const enc = this.encoder
    if (!enc) return
    enc.stdin.destroy()
    enc.kill('SIGTERM')
    const t = setTimeout(() => enc.kill('SIGKILL'), 3000)
    enc.once('close', () => clearTimeout(t))
  }

  async stop(): Promise<void> {
    if (this.state.state === 'offline') return
    this.stopping = true
    if (this.restartTimer) clearTimeout(this.restartTimer)
    if (this.liveWatch) clearInterval(this.liveWatch)
    this.markEncoderReady()
    this.go('stopping')
    const enc = this.encoder
    if (enc) {
      const closed = new Promise<void>((r) => enc.once('close', () => r()))
      this.killEncoder()
      await closed
    }
    this.sink?.close()
    this.sink = null
    await this.feeder
    this.boundaries.close()
    this.queue.length = 0
    this.go('offline')
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
