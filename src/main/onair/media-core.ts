import { StudioError } from '../../shared/contract'
import type {
  ChannelSnapshot,
  FromMedia,
  MediaRequest,
  ServerInspection,
  ToMedia,
  TunnelOpened,
  WireError
} from './media-protocol'
import { ChannelPlayout } from './playout'
import { LocalRtmpServer } from './rtmp-server'
import { ensureSlate } from './slate'
import type { RelayTunnel } from './relay-tunnel'
import type { AirChannel, AirItem, TimelineSource } from './timeline'
import { openTunnel } from './tunnels'
import type { TeeOutputs } from './ffmpeg-args'

const SNAPSHOT_PERIOD_MS = 500

/**
 * The channels' timelines as the control plane last sent them. The feeder picks
 * the next clip from here, so choosing it never waits on the main loop; an edit
 * arrives as a fresh list (TimelineNotice) and a clip that fails to read is
 * dropped here at once and reported, for the control plane to record.
 */
class PushedTimelines implements TimelineSource {
  private readonly channels = new Map<number, AirChannel>()
  private readonly items = new Map<number, AirItem[]>()

  constructor(private readonly post: (m: FromMedia) => void) {}

  set(channel: AirChannel, items: AirItem[]): void {
    this.channels.set(channel.id, channel)
    this.items.set(channel.id, items)
  }

  update(channelId: number, items: AirItem[]): boolean {
    if (!this.channels.has(channelId)) return false
    this.items.set(channelId, items)
    return true
  }

  drop(channelId: number): void {
    this.channels.delete(channelId)
    this.items.delete(channelId)
  }

  getChannel(ref: { id?: number }): AirChannel | null {
    return ref.id === undefined ? null : (this.channels.get(ref.id) ?? null)
  }

  airable(channelId: number): AirItem[] {
    return this.items.get(channelId) ?? []
  }

  markUnplayable(channelId: number, itemId: number, reason: string): void {
    this.items.set(
      channelId,
      this.airable(channelId).filter((i) => i.itemId !== itemId)
    )
    this.post({ t: 'unplayable', channelId, itemId, reason })
  }
}

interface Run {
  stream: string
  playout: ChannelPlayout
  /** What the playout's next encoder run writes besides what airs. */
  tee: { current: TeeOutputs }
}

function wireError(err: unknown): WireError {
  if (err instanceof StudioError)
    return { code: err.code, message: err.message, ...(err.field !== undefined ? { field: err.field } : {}) }
  return { code: 'internal', message: err instanceof Error ? err.message : String(err) }
}

/**
 * The media plane: the local RTMP/HTTP-FLV server and one playout per channel on
 * air, driven by messages (media-protocol.ts). It runs in a worker thread
 * (media-worker.ts), so a stall of the studio's main loop never reaches a viewer;
 * the same object runs in-process when the engine is told to (benchmarks' baseline).
 */
export class MediaCore {
  private server: LocalRtmpServer | null = null
  private readonly runs = new Map<number, Run>()
  private readonly timelines: PushedTimelines
  private readonly ticker: NodeJS.Timeout

  constructor(private readonly post: (m: FromMedia) => void) {
    this.timelines = new PushedTimelines(post)
    this.ticker = setInterval(() => this.postSnapshot(), SNAPSHOT_PERIOD_MS)
  }

  private readonly log = (level: 'debug' | 'info' | 'warn' | 'error', line: string): void => {
    if (level !== 'debug') this.post({ t: 'log', level, line })
  }

  handle(msg: ToMedia): void {
    if (msg.t === 'timeline') {
      if (this.timelines.update(msg.channelId, msg.items)) this.runs.get(msg.channelId)?.playout.timelineChanged()
      return
    }
    if (msg.t === 'tee') {
      const run = this.runs.get(msg.channelId)
      if (run) run.tee.current = msg.tee
      return
    }
    if (msg.t === 'tunnel.expect') return this.tunnels.get(msg.tunnelId)?.expectPid(msg.pid)
    if (msg.t === 'tunnel.close') {
      this.tunnels.get(msg.tunnelId)?.close()
      this.tunnels.delete(msg.tunnelId)
      return
    }
    this.answer(msg).then(
      (value) => this.post({ t: 'reply', id: msg.id, ok: true, value }),
      (err: unknown) => this.post({ t: 'reply', id: msg.id, ok: false, error: wireError(err) })
    )
  }

  private readonly answers: {
    [K in MediaRequest['t']]: (m: Extract<MediaRequest, { t: K }>) => Promise<unknown>
  } = {
    serve: (m) => this.serve(m),
    start: (m) => this.start(m),
    stop: (m) => this.stop(m.channelId),
    inspect: () => Promise.resolve(this.inspect()),
    tunnel: (m) => this.openTunnel(m),
    close: () => this.close()
  }

  private answer(msg: MediaRequest): Promise<unknown> {
    const run = this.answers[msg.t] as (m: MediaRequest) => Promise<unknown>
    return run(msg)
  }

  private async serve(m: Extract<MediaRequest, { t: 'serve' }>): Promise<void> {
    if (this.server) return
    this.server = await LocalRtmpServer.start({
      ...m.options,
      log: (level, line) =>
        this.log(level === 'error' ? 'error' : level === 'warn' ? 'warn' : 'debug', `[rtmp-server] ${line}`)
    })
  }

  private async start(m: Extract<MediaRequest, { t: 'start' }>): Promise<void> {
    const server = this.server
    if (!server) throw new StudioError('unavailable', 'The local server is not running.')
    const old = this.runs.get(m.channel.id)
    if (old) await this.stop(m.channel.id)
    const channelId = m.channel.id
    this.timelines.set(m.channel, m.items)
    const tee = { current: m.tee ?? {} }
    const playout = new ChannelPlayout({
      channel: m.channel,
      stream: m.stream,
      source: this.timelines,
      target: server,
      slatePath: () => ensureSlate(m.dataDir, m.channel.format),
      log: this.log,
      startCursor: m.cursor,
      onEncoder: (pid, tee) => this.post({ t: 'encoder', channelId, pid, tee }),
      tee: () => tee.current,
      cwd: m.dataDir,
      onTeeFailed: (output, message, pid) => this.post({ t: 'tee.failed', channelId, pid, output, message }),
      onState: (change) => {
        this.post({ t: 'state', channelId, change })
        this.postSoon(channelId)
      },
      onClip: (phase, clip, reason, airStartUs) => {
        this.post({
          t: 'clip',
          channelId,
          phase,
          clip,
          ...(reason !== undefined ? { reason } : {}),
          ...(airStartUs !== undefined ? { airStartUs } : {})
        })
        this.postSoon(channelId)
      }
    })
    this.runs.set(channelId, { stream: m.stream, playout, tee })
    try {
      await ensureSlate(m.dataDir, m.channel.format)
      await playout.start()
    } catch (err) {
      await playout.stop().catch(() => {})
      this.runs.delete(channelId)
      this.timelines.drop(channelId)
      throw err
    }
  }

  private async stop(channelId: number): Promise<void> {
    const run = this.runs.get(channelId)
    if (!run) return
    await run.playout.stop()
    this.runs.delete(channelId)
    this.timelines.drop(channelId)
    this.postSnapshot()
  }

  private readonly tunnels = new Map<number, RelayTunnel>()
  private nextTunnel = 1

  private async openTunnel(m: Extract<MediaRequest, { t: 'tunnel' }>): Promise<TunnelOpened> {
    const tunnelId = this.nextTunnel++
    const tunnel = await openTunnel(m.spec, (message) => this.post({ t: 'tunnel.problem', tunnelId, message }))
    this.tunnels.set(tunnelId, tunnel)
    return { tunnelId, localUrl: tunnel.localUrl, ffmpegOptions: tunnel.ffmpegOptions }
  }

  private inspect(): ServerInspection {
    const s = this.server
    return s ? s.inspect() : { refused: 0, sessions: 0, broadcasts: 0, openConnections: 0 }
  }

  private snapshotOf(channelId: number, r: Run): ChannelSnapshot {
    const p = r.playout
    return {
      channelId,
      stream: r.stream,
      state: p.state.state,
      since: p.state.since,
      details: { ...p.state.details },
      stats: p.stats(),
      now: p.now,
      next: p.next,
      cursor: p.lastPicked,
      viewers: this.server?.viewers(r.stream) ?? 0,
      encoderPid: p.encoderPid
    }
  }

  /** Every channel: the periodic tick, and after a channel stops. */
  private postSnapshot(): void {
    const channels = [...this.runs.entries()].map(([id, r]) => this.snapshotOf(id, r))
    this.post({ t: 'snapshot', at: Date.now(), channels })
  }

  /** Channels whose clip or state changed since the last post. */
  private readonly changed = new Set<number>()
  private changedPost: NodeJS.Immediate | null = null

  /**
   * A clip boundary or state change of one channel: that channel's snapshot goes out once
   * this turn's events are done — not all N channels' at every boundary of any one of them,
   * which grew as N² with the channels on air.
   */
  private postSoon(channelId: number): void {
    this.changed.add(channelId)
    this.changedPost ??= setImmediate(() => {
      this.changedPost = null
      const channels: ChannelSnapshot[] = []
      for (const id of this.changed) {
        const r = this.runs.get(id)
        if (r) channels.push(this.snapshotOf(id, r))
      }
      this.changed.clear()
      if (channels.length > 0) this.post({ t: 'snapshot', at: Date.now(), channels })
    })
  }

  async close(): Promise<void> {
    clearInterval(this.ticker)
    if (this.changedPost) clearImmediate(this.changedPost)
    for (const t of this.tunnels.values()) t.close()
    this.tunnels.clear()
    await Promise.all([...this.runs.keys()].map((id) => this.stop(id).catch(() => {})))
    await this.server?.stop()
    this.server = null
  }
}
