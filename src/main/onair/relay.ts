import { type ChildProcessWithoutNullStreams } from 'node:child_process'
import { startFfmpeg } from '../media/ffmpeg-runner'
import { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from '../core/backoff'
import { relayArgs } from './ffmpeg-args'
import { muxerFor } from './presets'
import { directOutput, tunnelTarget, type RelayTunnel } from './relay-tunnel'
import { srtTunnelTarget } from './srt-tunnel'
import { openTunnel, type TunnelOpener } from './tunnels'
import { LineSplitter, EncoderProgressParser } from '../media/ffmpeg-progress'
import type { OnAirLogger } from './redact-log'
import { StateMachine, type StateChange } from './state'

/** Twitch ends a broadcast after 48 h; reconnect cleanly a little before. */
export const TWITCH_PLANNED_RECONNECT_MS = 47.5 * 3600 * 1000

/** ffmpeg/RTMP messages that mean the destination said no, not that the network failed. */
const REJECTED =
  /NetStream\.Publish\.BadName|NetConnection\.Connect\.Rejected|NetStream\.Publish\.(?:Denied|Failed)|authentication|unauthori[sz]ed|forbidden|\b401\b|\b403\b|invalid stream key/i

export function classifyRelayFailure(stderr: string): 'rejected' | 'network' {
  return REJECTED.test(stderr) ? 'rejected' : 'network'
}

export interface RelayOptions {
  id: string
  name: string
  /** Resolves the full destination URL with its key (read from the secret store). */
  destinationUrl: () => Promise<string>
  /** The local HTTP-FLV URL the relay pulls from (tagged so it is not counted as a viewer). */
  sourceFlvUrl: string
  log: OnAirLogger
  onState?: (change: StateChange) => void
  backoff?: BackoffOptions
  /** Reconnect on purpose after this long connected (Twitch's 48 h limit); 0 = never. */
  plannedReconnectMs?: number
  /**
   * How long the first connection must carry data before it counts as accepted.
   * RTMP servers refuse a bad key by closing the socket, which ffmpeg may only
   * notice at its next read (NMS: after a 2.5 MB acknowledgement window, ~8 s).
   */
  confirmMs?: number
  /**
   * Where the tunnel runs: the engine opens it in the media plane's thread, so a stall of
   * the main loop does not hold the relayed bytes (default: this thread).
   */
  openTunnel?: TunnelOpener
}

export const DEFAULT_CONFIRM_MS = 15_000

/**
 * One destination: `ffmpeg -f flv -i <local HTTP-FLV> -c copy -f flv <destination>`,
 * reading the local stream itself (the media plane's server, never this loop). Its own state machine and reconnect policy:
 * only a drop after a working connection is retried (with backoff, unlimited); a
 * failed first connect or a rejected key stops with an error instead of looping.
 */
export class DestinationRelay {
  readonly state: StateMachine
  private child: ChildProcessWithoutNullStreams | null = null
  private tunnel: RelayTunnel | null = null
  private readonly backoff: Backoff
  private wanted = false
  private everLive = false
  private connectedAt = 0
  private liveSince = 0
  private plannedPending = false
  private retryTimer: NodeJS.Timeout | null = null
  private plannedTimer: NodeJS.Timeout | null = null
  private stderrTail: string[] = []
  private lastSize = 0
  private kbpsValue = 0
  private lastSizeAt = 0
  private connects = 0
  /** Bytes written to the destination over every connection (for metrics). */
  private bytesBefore = 0
  private confirmTimer: NodeJS.Timeout | null = null

  constructor(private readonly opts: RelayOptions) {
    this.state = new StateMachine((c) => opts.onState?.(c))
    this.backoff = new Backoff(opts.backoff ?? DEFAULT_BACKOFF)
  }

  get attempts(): number {
    return this.connects
  }
  get pid(): number | undefined {
    return this.child?.pid
  }
  stats(): { kbps: number; uptimeS: number; bytes: number; reconnects: number } {
    return {
      kbps: Math.round(this.kbpsValue),
      bytes: this.bytesBefore + this.lastSize,
      reconnects: Math.max(0, this.connects - 1),
      uptimeS: this.state.state === 'live' && this.liveSince ? Math.round((Date.now() - this.liveSince) / 1000) : 0
    }
  }

  start(): void {
    if (this.wanted) return
    this.wanted = true
    this.everLive = false
    this.backoff.reset()
    this.state.go('starting')
    this.connectSafely()
  }

  /** "Retry now": skip the countdown, or try again after an error. */
  retryNow(): void {
    if (this.state.state === 'reconnecting' && this.retryTimer) {
      clearTimeout(this.retryTimer)
      this.retryTimer = null
      this.connectSafely()
    } else if (this.state.state === 'error') {
      this.wanted = false
      this.start()
    }
  }

  /** connect() must never reject unobserved: that would take the whole studio down. */
  private connectSafely(): void {
    this.connect().catch((err: unknown) => this.toError(err instanceof Error ? err.message : String(err)))
  }

  private async connect(): Promise<void> {
    if (!this.wanted) return
    let url: string
    try {
      url = await this.opts.destinationUrl()
    } catch (err) {
      return this.toError(err instanceof Error ? err.message : String(err))
    }
    if (!this.wanted) return
    // The key never goes on ffmpeg's command line: ffmpeg publishes to a local
    // tunnel, which opens the real connection and puts the key in (relay-tunnel.ts
    // for RTMP, srt-tunnel.ts for SRT's streamid).
    const muxer = muxerFor(url)
    let tunnel: RelayTunnel
    try {
      const onProblem = (m: string): void => this.opts.log('warn', `[dest ${this.opts.name}] tunnel: ${m}`)
      const open = this.opts.openTunnel ?? openTunnel
      tunnel =
        muxer === 'mpegts'
          ? /[?&]streamid=/.test(url)
            ? await open({ kind: 'srt', target: srtTunnelTarget(url) }, onProblem)
            : directOutput(url)
          : await open({ kind: 'rtmp', target: tunnelTarget(url) }, onProblem)
    } catch (err) {
      return this.toError(
        `Could not prepare the connection to this destination: ${err instanceof Error ? err.message : String(err)}`
      )
    }
    if (!this.wanted) return tunnel.close()
    this.connects += 1
    this.stderrTail = []
    this.connectedAt = 0
    this.bytesBefore += this.lastSize
    this.lastSize = 0
    this.lastSizeAt = Date.now()
    let child: ChildProcessWithoutNullStreams
    try {
      // It reads the local stream itself (not through this loop); when the studio dies, that
      // connection closes and it ends.
      child = startFfmpeg(relayArgs(tunnel.localUrl, tunnel.ffmpegOptions, muxer, this.opts.sourceFlvUrl), {
        lifeline: 'input'
      }) as ChildProcessWithoutNullStreams
    } catch (err) {
      tunnel.close()
      return this.toError(
        `Could not start the relay for this destination (${(err as NodeJS.ErrnoException).code ?? 'spawn failed'}). Check its URL and key.`
      )
    }
    if (child.pid !== undefined) tunnel.expectPid(child.pid)
    this.tunnel?.close()
    this.tunnel = tunnel
    this.child = child
    child.stdin.on('error', () => {
      /* EPIPE when ffmpeg exits first */
    })
    const progress = new EncoderProgressParser((b) => {
      const now = Date.now()
      if (now > this.lastSizeAt) {
        const inst = ((b.totalSize - this.lastSize) * 8) / (now - this.lastSizeAt)
        this.kbpsValue = this.kbpsValue === 0 ? inst : this.kbpsValue * 0.7 + inst * 0.3
      }
      this.lastSize = b.totalSize
      this.lastSizeAt = now
      // The output is open (handshake and publish accepted) and packets are flowing.
      if (!this.connectedAt && b.outTimeUs > 0) this.onConnected()
    })
    child.stdout.on('data', (d: Buffer) => progress.push(d))
    const lines = new LineSplitter((line) => {
      this.stderrTail.push(line)
      if (this.stderrTail.length > 20) this.stderrTail.shift()
      this.opts.log('warn', `[dest ${this.opts.name}] ffmpeg: ${line}`)
    })
    child.stderr.on('data', (d: Buffer) => lines.push(d))
    child.on('error', (err) => this.toError(`Could not start ffmpeg: ${err.message}`))
    child.on('close', (code, signal) => {
      lines.flush()
      tunnel.close()
      if (this.child === child) this.onExit(code, signal)
    })
  }

  private onConnected(): void {
    // A last progress block can arrive after stop() began: not a connection to report.
    if (!this.wanted) return
    this.connectedAt = Date.now()
    this.plannedPending = false
    if (!this.everLive) {
      // First connection: LIVE only once the destination has kept it open for a while.
      this.confirmTimer = setTimeout(() => {
        this.confirmTimer = null
        if (!this.wanted || !this.child) return
        this.everLive = true
        this.liveSince = Date.now()
        if (this.state.state !== 'live') this.state.go('live')
      }, this.opts.confirmMs ?? DEFAULT_CONFIRM_MS)
    } else {
      this.liveSince = Date.now() // uptime of this connection, after a reconnect too
      if (this.state.state !== 'live') this.state.go('live')
    }
    const planned = this.opts.plannedReconnectMs ?? 0
    if (planned > 0) {
      this.plannedTimer = setTimeout(() => this.plannedReconnect(), planned)
    }
  }

  private plannedReconnect(): void {
    this.plannedTimer = null
    if (!this.wanted || !this.child) return
    this.opts.log('info', `[dest ${this.opts.name}] planned reconnect (session length limit)`)
    this.plannedPending = true
    this.endChild()
  }

  private endChild(): void {
    const child = this.child
    if (!child) return
    // ffmpeg's "q" key: it flushes and closes the RTMP session cleanly.
    child.stdin.end('q')
    const t = setTimeout(() => child.kill('SIGKILL'), 3000)
    child.once('close', () => clearTimeout(t))
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.child = null
    if (this.plannedTimer) clearTimeout(this.plannedTimer)
    this.plannedTimer = null
    if (this.confirmTimer) clearTimeout(this.confirmTimer)
    this.confirmTimer = null
    if (!this.wanted) return
    const upMs = this.connectedAt ? Date.now() - this.connectedAt : 0
    const stderr = this.stderrTail.join('\n')
    const why =
      this.stderrTail.slice(-2).join(' | ') || (signal ? `killed by ${signal}` : `ffmpeg exited with code ${code}`)
    if (this.plannedPending) {
      this.plannedPending = false
      this.state.go('reconnecting', {
        attempt: 0,
        nextRetryAt: Date.now(),
        message: 'planned reconnect before the session limit'
      })
      this.connectSafely()
      return
    }
    if (classifyRelayFailure(stderr) === 'rejected') {
      return this.toError(`${this.opts.name} refused the stream — check the stream key (${why}).`)
    }
    if (!this.everLive && upMs > 0 && signal === null) {
      // Accepted the connection, then closed it before it held: how ingests refuse a key.
      // A relay killed by a signal (crash, OOM killer, someone's kill) was not refused by
      // anyone: that one reconnects like any drop below.
      return this.toError(
        `${this.opts.name} closed the connection right after it started — the stream key was probably refused (${why}). Check the key, then retry.`
      )
    }
    // Never reached (network down, ingest restarting) or dropped after working: an
    // unattended channel keeps trying for as long as the user wants to be live.
    this.backoff.connectionEnded(upMs)
    const { attempt, delayMs } = this.backoff.next()
    // The state change first, right after reading the clock: the event's time and its
    // retry time then differ by the delay alone (a slow log write came between them).
    this.state.go('reconnecting', { attempt, nextRetryAt: Date.now() + delayMs, message: why })
    this.opts.log('warn', `[dest ${this.opts.name}] connection lost (${why}); retry ${attempt} in ${delayMs} ms`)
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      this.connectSafely()
    }, delayMs)
  }

  private toError(message: string): void {
    this.wanted = false
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.retryTimer = null
    this.opts.log('error', `[dest ${this.opts.name}] ${message}`)
    if (this.state.canGo('error')) this.state.go('error', { message })
    this.endChild()
  }

  async stop(): Promise<void> {
    this.wanted = false
    if (this.retryTimer) clearTimeout(this.retryTimer)
    if (this.plannedTimer) clearTimeout(this.plannedTimer)
    if (this.confirmTimer) clearTimeout(this.confirmTimer)
    this.confirmTimer = null
    this.retryTimer = null
    this.plannedTimer = null
    if (this.state.state === 'offline') return
    if (this.state.canGo('stopping')) this.state.go('stopping')
    const child = this.child
    if (child) {
      const closed = new Promise<void>((r) => child.once('close', () => r()))
      this.endChild()
      await closed
    }
    this.child = null
    if (this.state.canGo('offline')) this.state.go('offline')
  }
}
