import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { SHARE_ENV, Worker } from 'node:worker_threads'
import { StudioError, type StudioErrorCode } from '../../shared/contract'
import { Backoff } from '../core/backoff'
import { MediaCore } from './media-core'
import type {
  ChannelSnapshot,
  FromMedia,
  MediaRequest,
  ServeOptions,
  ServerInspection,
  ToMedia,
  TunnelOpened
} from './media-protocol'
import type { ClipPhase, ClipRef } from './playout'
import type { OnAirLogger } from './redact-log'
import { STREAM_APP } from './rtmp-server'
import type { StateChange } from './state'
import type { RelayTunnel } from './relay-tunnel'
import type { AirChannel, AirItem } from './timeline'
import type { TunnelSpec } from './tunnels'
import type { TeeOutputs } from './ffmpeg-args'

/** Where the media plane runs: its own thread (the default), or this loop (benchmarks' baseline). */
export type MediaHost = 'worker' | 'inline'

export interface MediaPlaneDeps {
  dataDir: string
  log: OnAirLogger
  onState: (channelId: number, change: StateChange) => void
  onClip: (channelId: number, phase: ClipPhase, clip: ClipRef, reason?: string, airStartUs?: number) => void
  /** A clip the feeder could not read: the control plane records it (the library marks the shot). */
  onUnplayable: (channelId: number, itemId: number, reason: string) => void
  /** A channel's airable items now, read when a restarted media plane takes the channel back. */
  itemsFor: (channelId: number) => AirItem[]
  /** A playout encoder started, writing `tee` besides what airs (outputs/outputs.ts follows it). */
  onEncoder?: (channelId: number, pid: number, tee: TeeOutputs) => void
  /** A tee output of the playout failed and was dropped; what airs goes on. */
  onTeeFailed?: (channelId: number, output: keyof TeeOutputs, message: string) => void
  host?: MediaHost
  restartBackoff?: Backoff
}

interface Transport {
  post(m: ToMedia): void
  terminate(): Promise<void>
}

type Request = MediaRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never

interface Wanted {
  channel: AirChannel
  stream: string
  /** What the playout writes besides what airs; a restarted media plane starts it with the same. */
  tee: TeeOutputs
}

/**
 * The worker entry: beside the bundle that imports this (electron-vite builds it as
 * out/main/media-worker.js, next to index.js and cli.js, or one level up from a
 * shared chunk), or the TypeScript source when the studio runs from src (vitest, tsx).
 */
function workerEntry(): { file: string; ts: boolean } {
  for (const dir of [__dirname, join(__dirname, '..')]) {
    const js = join(dir, 'media-worker.js')
    if (existsSync(js)) return { file: js, ts: false }
  }
  const ts = join(__dirname, 'media-worker.ts')
  if (existsSync(ts)) return { file: ts, ts: true }
  throw new StudioError(
    'internal',
    `The media plane's worker (media-worker.js) is missing beside ${__dirname}; rebuild the studio.`
  )
}

function tsxApi(): string {
  return createRequire(__filename).resolve('tsx/cjs/api')
}

function startWorker(onMessage: (m: FromMedia) => void, onExit: (why: string) => void): Transport {
  const entry = workerEntry()
  // One environment with this thread (WEBTV_FFMPEG, WEBTV_TLS_CA_FILE, … read when used), not a copy.
  const worker = entry.ts
    ? // From sources: load the worker's TypeScript through tsx, as the tests and benchmarks do for the rest.
      // (Resolved here: an eval'd worker resolves from the working folder, which may be anywhere.)
      new Worker(`require(${JSON.stringify(tsxApi())}).register(); require(${JSON.stringify(entry.file)})`, {
        eval: true,
        env: SHARE_ENV
      })
    : new Worker(entry.file, { env: SHARE_ENV })
  let lastError = ''
  worker.on('message', onMessage)
  worker.on('error', (err) => {
    lastError = err instanceof Error ? err.message : String(err)
  })
  worker.on('exit', (code) => onExit(lastError ? `${lastError} (exit code ${code})` : `exit code ${code}`))
  return {
    post: (m) => worker.postMessage(m),
    terminate: async () => {
      await worker.terminate()
    }
  }
}

function startInline(onMessage: (m: FromMedia) => void): Transport {
  const core = new MediaCore((m) => queueMicrotask(() => onMessage(m)))
  return {
    post: (m) => queueMicrotask(() => core.handle(m)),
    terminate: () => core.close()
  }
}

/**
 * The control plane's handle on the media plane (media-core.ts in a worker thread):
 * requests with replies, a mirror of every channel's state for synchronous readers,
 * and a supervisor: if the media plane dies it is started again on the same ports
 * and takes back every channel that was on air, from where it was, with the
 * timeline as it is now (edits made meanwhile included). Viewers and relays were
 * cut when it died; they reconnect to the same URLs.
 */
export class MediaPlane {
  private transport: Transport | null = null
  private options: ServeOptions | null = null
  private nextId = 1
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  private readonly wanted = new Map<number, Wanted>()
  private readonly mirror = new Map<number, ChannelSnapshot>()
  /** The last encoder each channel's playout started, in the media plane (pid). */
  private readonly encoders = new Map<number, number>()
  private readonly backoff: Backoff
  private restartTimer: NodeJS.Timeout | null = null
  /** Settles once the media plane serves (after a restart, too). */
  private up: Promise<void> = Promise.resolve()
  private closed = false
  private upSince = Date.now()
  /** How many times the media plane was started again after dying. */
  restarts = 0

  constructor(private readonly deps: MediaPlaneDeps) {
    this.backoff =
      deps.restartBackoff ?? new Backoff({ initialMs: 250, factor: 2, jitter: 0.05, maxMs: 10_000, stableMs: 30_000 })
  }

  get host(): MediaHost {
    return this.deps.host ?? 'worker'
  }

  // ---- transport ----------------------------------------------------------------

  private spawn(): void {
    this.transport =
      this.host === 'inline'
        ? startInline((m) => this.onMessage(m))
        : startWorker(
            (m) => this.onMessage(m),
            (why) => this.onExit(why)
          )
  }

  private request<T = void>(m: Request): Promise<T> {
    const t = this.transport
    if (!t) return Promise.reject(new StudioError('unavailable', 'The media plane is not running.'))
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      t.post({ ...m, id } as MediaRequest)
    })
  }

  private readonly events: {
    [K in FromMedia['t']]: (m: Extract<FromMedia, { t: K }>) => void
  } = {
    reply: (m) => {
      const p = this.pending.get(m.id)
      if (!p) return
      this.pending.delete(m.id)
      if (m.ok) p.resolve(m.value)
      else p.reject(new StudioError(m.error.code as StudioErrorCode, m.error.message, m.error.field))
    },
    state: (m) => {
      if (!this.follows(m.channelId)) return
      const snap = this.mirror.get(m.channelId)
      if (snap) {
        snap.state = m.change.to
        snap.since = m.change.at
        snap.details = {
          ...(m.change.attempt !== undefined ? { attempt: m.change.attempt } : {}),
          ...(m.change.nextRetryAt !== undefined ? { nextRetryAt: m.change.nextRetryAt } : {}),
          ...(m.change.message !== undefined ? { message: m.change.message } : {})
        }
      }
      this.deps.onState(m.channelId, m.change)
    },
    clip: (m) => this.deps.onClip(m.channelId, m.phase, m.clip, m.reason, m.airStartUs),
    unplayable: (m) => this.deps.onUnplayable(m.channelId, m.itemId, m.reason),
    encoder: (m) => {
      this.encoders.set(m.channelId, m.pid)
      const snap = this.mirror.get(m.channelId)
      if (snap) snap.encoderPid = m.pid
      if (this.follows(m.channelId)) this.deps.onEncoder?.(m.channelId, m.pid, m.tee)
    },
    'tee.failed': (m) => {
      if (this.follows(m.channelId)) this.deps.onTeeFailed?.(m.channelId, m.output, m.message)
    },
    log: (m) => this.deps.log(m.level, m.line),
    'tunnel.problem': (m) => this.tunnelProblems.get(m.tunnelId)?.(m.message),
    snapshot: (m) => {
      for (const c of m.channels)
        if (this.wanted.has(c.channelId) || this.starting.has(c.channelId)) this.mirror.set(c.channelId, c)
    }
  }

  private onMessage(m: FromMedia): void {
    const handler = this.events[m.t] as (m: FromMedia) => void
    handler(m)
  }

  /**
   * A worker thread that ends does not close the pipes of the processes it started, so a
   * playout ffmpeg would outlive it, paced by `-re`, its stdin never at EOF: end them here.
   */
  private endOrphans(): void {
    for (const [channelId, pid] of this.encoders) {
      try {
        process.kill(pid, 'SIGKILL')
        this.deps.log('warn', `media plane: ended channel ${channelId}'s playout ffmpeg (pid ${pid}) it left behind`)
      } catch {
        /* already gone */
      }
    }
    this.encoders.clear()
  }

  private onExit(why: string): void {
    this.transport = null
    this.endOrphans()
    for (const p of this.pending.values()) p.reject(new StudioError('unavailable', `The media plane stopped (${why}).`))
    this.pending.clear()
    // Closing, or a first start that failed (a port in use): the caller has the error, nothing to take back.
    if (this.closed || !this.options) return
    this.backoff.connectionEnded(Date.now() - this.upSince)
    const { attempt, delayMs } = this.backoff.next()
    this.deps.log('error', `media plane stopped (${why}); starting it again in ${delayMs} ms (attempt ${attempt})`)
    const nextRetryAt = Date.now() + delayMs
    for (const [channelId] of this.wanted) {
      const snap = this.mirror.get(channelId)
      const from = snap?.state ?? 'live'
      const change: StateChange = {
        from,
        to: 'reconnecting',
        at: Date.now(),
        attempt,
        nextRetryAt,
        message: 'media plane restarting'
      }
      if (snap) {
        snap.state = 'reconnecting'
        snap.since = change.at
        snap.details = { attempt, nextRetryAt, message: change.message! }
        snap.viewers = 0
        snap.encoderPid = undefined
      }
      this.deps.onState(channelId, change)
    }
    let release: () => void = () => {}
    this.up = new Promise((r) => (release = r))
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null
      void this.restart().then(release, () => {
        /* onExit of the failed attempt scheduled the next one */
      })
    }, delayMs)
  }

  private async restart(): Promise<void> {
    if (this.closed || !this.options) return
    this.restarts += 1
    this.spawn()
    try {
      await this.request({ t: 'serve', options: this.options })
    } catch (err) {
      this.deps.log(
        'error',
        `media plane: the local server did not start again: ${err instanceof Error ? err.message : String(err)}`
      )
      await this.transport?.terminate()
      throw err
    }
    this.upSince = Date.now()
    this.deps.log('info', `media plane started again; taking back ${this.wanted.size} channel(s)`)
    await Promise.all(
      [...this.wanted.entries()].map(async ([channelId, w]) => {
        try {
          await this.request({
            t: 'start',
            channel: w.channel,
            stream: w.stream,
            dataDir: this.deps.dataDir,
            items: this.deps.itemsFor(channelId),
            cursor: this.mirror.get(channelId)?.cursor ?? null,
            tee: w.tee
          })
        } catch (err) {
          this.deps.log(
            'error',
            `[${w.stream}] could not go back on air after the media plane restarted: ${err instanceof Error ? err.message : String(err)}`
          )
        }
      })
    )
  }

  // ---- the control plane's calls --------------------------------------------------

  /** Starts the media plane and its local server (once). */
  async serve(options: ServeOptions): Promise<void> {
    if (this.options) return
    if (!this.transport) this.spawn()
    try {
      await this.request({ t: 'serve', options })
    } catch (err) {
      const t = this.transport
      this.transport = null
      await t?.terminate()
      throw err
    }
    this.options = options
    this.upSince = Date.now()
  }

  get serving(): boolean {
    return this.options !== null
  }

  get serveOptions(): ServeOptions | null {
    return this.options
  }

  private readonly starting = new Set<number>()

  /** Resolves once the channel is live on the local server. */
  async startChannel(channel: AirChannel, stream: string, items: AirItem[], tee: TeeOutputs = {}): Promise<void> {
    await this.up
    this.starting.add(channel.id)
    try {
      await this.request({ t: 'start', channel, stream, dataDir: this.deps.dataDir, items, cursor: null, tee })
      this.wanted.set(channel.id, { channel, stream, tee })
    } finally {
      this.starting.delete(channel.id)
    }
  }

  /** Channels being stopped: their last state changes (stopping, offline) still go out. */
  private readonly stopping = new Set<number>()

  async stopChannel(channelId: number): Promise<void> {
    const had = this.wanted.delete(channelId)
    const snap = this.mirror.get(channelId)
    if (had && this.transport) {
      this.stopping.add(channelId)
      try {
        await this.request({ t: 'stop', channelId }).catch(() => undefined)
      } finally {
        this.stopping.delete(channelId)
      }
    } else if (had && snap && snap.state !== 'offline') {
      // The media plane is down (restarting): nothing runs there to stop; the channel is off air now.
      const at = Date.now()
      this.deps.onState(channelId, { from: snap.state, to: 'stopping', at })
      this.deps.onState(channelId, { from: 'stopping', to: 'offline', at })
    }
    this.mirror.delete(channelId)
    this.encoders.delete(channelId)
  }

  /** Whether the control plane still wants a channel's news (on air, going on air, or going off). */
  private follows(channelId: number): boolean {
    return this.wanted.has(channelId) || this.starting.has(channelId) || this.stopping.has(channelId)
  }

  /** The channel's timeline changed: the feeder picks from this list from its next boundary on. */
  timeline(channelId: number, items: AirItem[]): void {
    if (this.wanted.has(channelId) || this.starting.has(channelId))
      this.transport?.post({ t: 'timeline', channelId, items })
  }

  /** What the channel's playout writes besides what airs, from its next encoder run (a restarted media plane's too). */
  tee(channelId: number, tee: TeeOutputs): void {
    const w = this.wanted.get(channelId)
    if (w) w.tee = tee
    if (w || this.starting.has(channelId)) this.transport?.post({ t: 'tee', channelId, tee })
  }

  channel(channelId: number): ChannelSnapshot | undefined {
    return this.mirror.get(channelId)
  }

  viewers(stream: string): number {
    for (const s of this.mirror.values()) if (s.stream === stream) return s.viewers
    return 0
  }

  private readonly tunnelProblems = new Map<number, (message: string) => void>()

  /**
   * A relay's key tunnel, opened in the media plane's thread: the relayed bytes go
   * through it, so they must not wait on the main loop either. If the media plane
   * dies, the tunnel goes with it and the relay reconnects (as after any drop).
   */
  async openTunnel(spec: TunnelSpec, onProblem: (message: string) => void): Promise<RelayTunnel> {
    await this.up
    const transport = this.transport
    const t = await this.request<TunnelOpened>({ t: 'tunnel', spec })
    this.tunnelProblems.set(t.tunnelId, onProblem)
    let closed = false
    return {
      localUrl: t.localUrl,
      ffmpegOptions: t.ffmpegOptions,
      expectPid: (pid) => {
        if (this.transport === transport) transport?.post({ t: 'tunnel.expect', tunnelId: t.tunnelId, pid })
      },
      close: () => {
        if (closed) return
        closed = true
        this.tunnelProblems.delete(t.tunnelId)
        if (this.transport === transport) transport?.post({ t: 'tunnel.close', tunnelId: t.tunnelId })
      }
    }
  }

  inspect(): Promise<ServerInspection> {
    return this.request<ServerInspection>({ t: 'inspect' })
  }

  /** Ends the media plane as a crash would (diagnostics, tests): the supervisor starts it again. */
  async kill(): Promise<void> {
    await this.transport?.terminate()
  }

  get hostName(): string {
    const b = this.options?.bind ?? '127.0.0.1'
    return b === '0.0.0.0' ? '127.0.0.1' : b
  }

  rtmpUrl(stream: string): string {
    return `rtmp://${this.hostName}:${this.options?.rtmpPort ?? 0}/${STREAM_APP}/${stream}`
  }

  flvUrl(stream: string): string {
    return `http://${this.hostName}:${this.options?.httpPort ?? 0}/${STREAM_APP}/${stream}.flv`
  }

  async close(): Promise<void> {
    this.closed = true
    if (this.restartTimer) clearTimeout(this.restartTimer)
    const t = this.transport
    if (!t) return
    // Stop every playout and the server in order (ffmpeg ends cleanly), then end the thread.
    const done = this.request({ t: 'close' }).then(
      () => true,
      () => false
    )
    let timer: NodeJS.Timeout | undefined
    const closed = await Promise.race([done, new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 10_000)))])
    clearTimeout(timer)
    // Closed in order, its encoders have ended; otherwise the exit handler ends what is left.
    if (closed) this.encoders.clear()
    await t.terminate()
    this.transport = null
    this.wanted.clear()
    this.mirror.clear()
  }
}
