import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { StudioError } from '../../shared/contract'
import type { ChannelAirStatus, DestinationDto, OnairSettings } from '../../shared/contract/onair'
import { onairSettingsSchema } from '../../shared/contract/onair'
import type { EventBus } from '../core/events'
import type { SecretStore } from '../secrets'
import type { BackoffOptions } from '../core/backoff'
import {
  DestinationRuns,
  type AddDestinationInput,
  type DestinationObservation,
  type StateDetails,
  type UpdateDestinationInput
} from './destination-runs'
import { MediaPlane, type MediaHost } from './media-plane'
import type { ChannelSnapshot, ServerInspection } from './media-protocol'
import type { ClipRef, PlayoutStats } from './playout'
import type { TeeOutputs } from './ffmpeg-args'
import { OnAirLog, Redactor, type LogLevel } from './redact-log'
import { ensureSlate } from './slate'
import { streamNameFor, type AirChannel, type AirItem, type TimelineSource } from './timeline'

export const PUBLISH_SECRET_NAME = 'onair.publishSecret'
export const DEFAULT_SETTINGS: OnairSettings = { rtmpPort: 1935, httpPort: 8711, listenOnLan: false }
const STATS_PERIOD_MS = 2000

export interface EngineDeps {
  dataDir: string
  bus: EventBus
  secrets: () => SecretStore
  /** Resolved at each start: the library may be installed after the on-air feature. */
  source: () => TimelineSource
  /** Also print log lines (the CLI's --verbose). */
  echo?: (line: string) => void
  /** Tests and benchmarks: shorter reconnect timings, planned reconnect after N ms. */
  relayBackoff?: BackoffOptions
  plannedReconnectMs?: number
  /** Where the local server and the playouts run: a worker thread (default), or this loop (benchmarks' baseline). */
  mediaHost?: MediaHost
}

interface ChannelRun {
  channel: AirChannel
  stream: string
  stats: NodeJS.Timeout | null
  /** Stops telling the playout about timeline edits. */
  unwatch: () => void
}

export interface ChannelObservation {
  channelId: number
  name: string
  stream: string
  format: AirChannel['format']
  state: ChannelAirStatus['state']
  since: number
  stats: PlayoutStats
  now: ClipRef | null
  viewers: number
  encoderPid: number | undefined
  destinations: DestinationObservation[]
}

/**
 * What a channel's playout writes besides what airs (ffmpeg's tee, ffmpeg-args.ts
 * playoutArgs): asked at each Go Live, told of each encoder run and of each tee output
 * that failed. Installed by the outputs feature.
 */
export interface TeeOutputsHandler {
  plan(channelId: number, stream: string): TeeOutputs
  encoderStarted(channelId: number, tee: TeeOutputs): void
  failed(channelId: number, output: keyof TeeOutputs, message: string): void
}

export interface StartOptions {
  /** Extra destination URLs for this run only (key included). */
  to?: string[]
}

export interface PublicChannel {
  name: string
  stream: string
  onAir: boolean
  viewers: number
}

const OFF_AIR_STATS: PlayoutStats = {
  uptimeS: 0,
  kbps: 0,
  speed: 0,
  droppedFrames: 0,
  restarts: 0,
  boundaries: 0,
  lateBoundaries: 0,
  worstLateMs: 0,
  minLeadMs: null,
  lastLeadMs: null
}

/**
 * The on-air engine, the control plane of the air: settings, channels, destinations
 * and every event. The media plane (the embedded RTMP server, started lazily on the
 * first Go Live, and one playout per channel on air) runs in a worker thread
 * (media-plane.ts), so a stall of this loop never reaches a viewer; each channel's
 * destination relays run in destination-runs.ts.
 * Every message it emits or logs is redacted.
 */
export class OnAirEngine {
  readonly redactor = new Redactor()
  private readonly media: MediaPlane
  private serverStarting: Promise<MediaPlane> | null = null
  private readonly runs = new Map<number, ChannelRun>()
  private readonly starting = new Map<number, Promise<ChannelAirStatus>>()
  private readonly destinations: DestinationRuns
  private logSink: OnAirLog | null = null
  private closed = false

  constructor(private readonly deps: EngineDeps) {
    this.media = new MediaPlane({
      dataDir: deps.dataDir,
      log: (level, line) => this.log(level, line),
      host: deps.mediaHost,
      itemsFor: (channelId) => this.itemsFor(channelId),
      onState: (channelId, c) =>
        this.emitState(channelId, null, c.to, { attempt: c.attempt, nextRetryAt: c.nextRetryAt, message: c.message }),
      onClip: (channelId, phase, clip, reason, airStartUs) =>
        this.deps.bus.emit('onair.clip', {
          channelId,
          phase,
          clip,
          ...(reason ? { reason: this.redactor.text(reason) } : {}),
          ...(airStartUs !== undefined ? { airStartUs } : {}),
          at: Date.now()
        }),
      onEncoder: (channelId, _pid, tee) => this.teeOutputs?.encoderStarted(channelId, tee),
      onTeeFailed: (channelId, output, message) =>
        this.teeOutputs?.failed(channelId, output, this.redactor.text(message)),
      onUnplayable: (channelId, itemId, reason) => {
        try {
          this.deps.source().markUnplayable(channelId, itemId, reason)
        } catch {
          /* marking is best effort; the media plane already skipped the clip */
        }
      }
    })
    this.destinations = new DestinationRuns({
      dataDir: deps.dataDir,
      secrets: deps.secrets,
      redactor: this.redactor,
      log: this.log,
      flvUrl: async (stream) => (await this.ensureServer()).flvUrl(stream),
      onState: (channelId, destinationId, state, d) => this.emitState(channelId, destinationId, state, d),
      relayBackoff: deps.relayBackoff,
      plannedReconnectMs: deps.plannedReconnectMs,
      openTunnel: (spec, onProblem) => this.media.openTunnel(spec, onProblem)
    })
  }

  private teeOutputs: TeeOutputsHandler | null = null

  /** The outputs feature writes each channel's HLS from its playout (see TeeOutputsHandler). */
  useTeeOutputs(handler: TeeOutputsHandler): void {
    this.teeOutputs = handler
  }

  /** What the channel's playout writes besides what airs from its next encoder run on (its current run keeps its own). */
  setTeeOutputs(channelId: number, tee: TeeOutputs): void {
    this.media.tee(channelId, tee)
  }

  // ---- logging --------------------------------------------------------------

  get logFile(): string {
    return join(this.deps.dataDir, 'logs', 'onair.log')
  }

  readonly log = (level: LogLevel, line: string): void => {
    // Created on first use: opening a core must not touch the disk for on-air.
    this.logSink ??= new OnAirLog(this.logFile, this.redactor, this.deps.echo)
    this.logSink.log(level, line)
  }

  private async loadSecretsForRedaction(): Promise<void> {
    for (const v of await this.deps.secrets().values()) this.redactor.add(v)
  }

  // ---- settings -------------------------------------------------------------

  private get settingsFile(): string {
    return join(this.deps.dataDir, 'onair', 'settings.json')
  }

  /** Ports given to this process only (e.g. `webtv air --rtmp-port`): never stored, never read by another process. */
  private processPorts: Partial<Pick<OnairSettings, 'rtmpPort' | 'httpPort'>> = {}

  /** The folder's stored settings, shared by every process on it. */
  private storedSettings(): OnairSettings {
    let stored: Partial<OnairSettings> = {}
    if (existsSync(this.settingsFile)) {
      try {
        stored = JSON.parse(readFileSync(this.settingsFile, 'utf8')) as Partial<OnairSettings>
      } catch {
        throw new StudioError('internal', `The on-air settings file ${this.settingsFile} is corrupt; fix or remove it.`)
      }
    }
    const merged = onairSettingsSchema.safeParse({ ...DEFAULT_SETTINGS, ...stored })
    return merged.success ? merged.data : DEFAULT_SETTINGS
  }

  /** The settings this process uses: the stored ones, with this process's own ports over them. */
  settings(): OnairSettings {
    return { ...this.storedSettings(), ...this.processPorts }
  }

  /**
   * Ports for this process only, kept in memory: several processes on one data folder
   * (one per channel, started together at boot) each listen where they were told,
   * whatever the others were given. Must come before the local server starts.
   */
  usePorts(ports: Partial<Pick<OnairSettings, 'rtmpPort' | 'httpPort'>>): OnairSettings {
    if (this.media.serving || this.serverStarting)
      throw new StudioError('conflict', 'The local server is already running; give the ports before going on air.')
    const next = { ...this.settings(), ...ports }
    this.checkPorts(next)
    this.processPorts = { ...this.processPorts, ...ports }
    return next
  }

  private checkPorts(next: OnairSettings): void {
    if (next.rtmpPort === next.httpPort) {
      throw new StudioError(
        'invalid_input',
        `The RTMP and HTTP-FLV ports must differ (both are ${next.rtmpPort}).`,
        'httpPort'
      )
    }
  }

  updateSettings(patch: Partial<OnairSettings>): OnairSettings {
    const next = { ...this.storedSettings(), ...patch }
    this.checkPorts(next)
    mkdirSync(join(this.deps.dataDir, 'onair'), { recursive: true })
    const tmp = `${this.settingsFile}.${process.pid}.tmp`
    writeFileSync(tmp, JSON.stringify(next, null, 1))
    renameSync(tmp, this.settingsFile)
    return { ...next, ...this.processPorts }
  }

  // ---- server ---------------------------------------------------------------

  /**
   * Earlier versions signed publishes with a secret kept in the store; encoders now
   * publish in-process and the server makes a throwaway secret at each start, so a
   * stored one is only a stale credential: drop it.
   */
  private async dropStoredPublishSecret(): Promise<void> {
    const store = this.deps.secrets()
    if (await store.get(PUBLISH_SECRET_NAME)) await store.delete(PUBLISH_SECRET_NAME)
  }

  /** Starts the media plane and its embedded RTMP/HTTP-FLV server if they are not running yet. */
  async ensureServer(): Promise<MediaPlane> {
    if (this.media.serving) return this.media
    if (this.closed) throw new StudioError('unavailable', 'The studio is shutting down.')
    this.serverStarting ??= (async () => {
      const s = this.settings()
      await this.loadSecretsForRedaction()
      await this.dropStoredPublishSecret()
      await this.media.serve({
        bind: s.listenOnLan ? '0.0.0.0' : '127.0.0.1',
        rtmpPort: s.rtmpPort,
        httpPort: s.httpPort
      })
      const host = this.media.hostName
      this.log('info', `local server on rtmp://${host}:${s.rtmpPort} and http://${host}:${s.httpPort}`)
      return this.media
    })().finally(() => {
      this.serverStarting = null
    })
    return this.serverStarting
  }

  // ---- channels ---------------------------------------------------------------

  private resolveChannel(channelId: number): AirChannel {
    const ch = this.deps.source().getChannel({ id: channelId })
    if (!ch) throw new StudioError('not_found', `No channel with id ${channelId}.`, 'channelId')
    return ch
  }

  private uniqueStream(channel: AirChannel): string {
    const base = streamNameFor(channel)
    for (const r of this.runs.values())
      if (r.stream === base && r.channel.id !== channel.id) return `${base}-${channel.id}`
    return base
  }

  /** The channel's airable items, as the media plane's feeder picks from them. */
  private itemsFor(channelId: number): AirItem[] {
    try {
      return this.deps.source().airable(channelId)
    } catch (err) {
      this.log(
        'warn',
        `reading channel ${channelId}'s timeline failed: ${err instanceof Error ? err.message : String(err)}`
      )
      return []
    }
  }

  /** What the media plane last said of a channel (undefined while it starts). */
  private snap(channelId: number): ChannelSnapshot | undefined {
    return this.media.channel(channelId)
  }

  private stateOf(channelId: number): ChannelAirStatus['state'] {
    return this.snap(channelId)?.state ?? (this.runs.has(channelId) ? 'starting' : 'offline')
  }

  isOnAir(channelId: number): boolean {
    return this.runs.has(channelId) && this.stateOf(channelId) !== 'offline'
  }

  /**
   * Seconds of airable material after the clip on air, to the end of the timeline
   * (not wrapping around): what the autopilot keeps topped up so a 24/7 channel airs
   * new material instead of looping. Undefined while the channel is off air.
   */
  runwaySeconds(channelId: number): number | undefined {
    if (!this.isOnAir(channelId)) return undefined
    const items = this.deps.source().airable(channelId)
    const nowId = this.snap(channelId)?.now?.itemId ?? null
    const at = nowId === null ? -1 : items.findIndex((i) => i.itemId === nowId)
    return items.slice(at + 1).reduce((sum, i) => sum + i.durationMs / 1000, 0)
  }

  listPublic(): PublicChannel[] {
    return [...this.runs.values()].map((r) => ({
      name: r.channel.name,
      stream: r.stream,
      onAir: this.stateOf(r.channel.id) === 'live',
      viewers: this.media.viewers(r.stream)
    }))
  }

  /** Go live. Resolves once the local server has the channel's first video. */
  async start(channelId: number, options: StartOptions = {}): Promise<ChannelAirStatus> {
    // Two Go Live clicks (or a UI and a CLI) at once share one start: a second
    // playout would be orphaned, left publishing after stop.
    const pending = this.starting.get(channelId)
    if (pending) return pending
    const attempt = this.startNow(channelId, options).finally(() => this.starting.delete(channelId))
    this.starting.set(channelId, attempt)
    return attempt
  }

  private async startNow(channelId: number, options: StartOptions): Promise<ChannelAirStatus> {
    const existing = this.runs.get(channelId)
    if (existing) {
      if (this.stateOf(channelId) !== 'error') return this.status(channelId)
      await this.stopNow(channelId)
    }
    const channel = this.resolveChannel(channelId)
    // Validate ad-hoc destinations before anything starts.
    const extra = this.destinations.parseAdHoc(options.to ?? [])
    await this.ensureServer()
    const stream = this.uniqueStream(channel)
    const source = this.deps.source()
    // The feeder picks from the list sent here, so it never waits on this loop; edits follow by event: the
    // library's changes (this process's, and other processes' seen by the library feature's watcher) arrive
    // on the bus, a file playlist says so itself, and the fresh list goes to the media plane at once.
    const changed = (id: number | null): void => {
      if (id === null || id === channelId) this.media.timeline(channelId, this.itemsFor(channelId))
    }
    const offBus = this.deps.bus.on('library.changed', (c) => changed(c.channelId))
    const offSource = source.onChange?.(changed)
    const unwatch = (): void => {
      offBus()
      offSource?.()
    }
    const run: ChannelRun = { channel, stream, stats: null, unwatch }
    this.runs.set(channelId, run)
    this.destinations.open(channel, stream)
    // Make the slate before going live so an empty timeline airs at once.
    try {
      await ensureSlate(this.deps.dataDir, channel.format)
      await this.media.startChannel(channel, stream, this.itemsFor(channelId), this.teeOutputs?.plan(channelId, stream))
    } catch (err) {
      const message = this.redactor.text(err instanceof Error ? err.message : String(err))
      await this.media.stopChannel(channelId).catch(() => {})
      unwatch()
      this.runs.delete(channelId)
      this.destinations.close(channelId)
      throw new StudioError('unavailable', `Channel "${channel.name}" could not go live: ${message}`)
    }
    run.stats = setInterval(() => this.emitStats(run), STATS_PERIOD_MS)
    run.stats.unref?.()
    await this.destinations.startAll(channelId, extra)
    return this.status(channelId)
  }

  /** Relays first, then the playout: remote viewers see a clean end, the local one last. */
  async stop(channelId: number): Promise<ChannelAirStatus> {
    // End Stream during Go Live: let the start settle, then stop what it started.
    await this.starting.get(channelId)?.catch(() => undefined)
    return this.stopNow(channelId)
  }

  private async stopNow(channelId: number): Promise<ChannelAirStatus> {
    const run = this.runs.get(channelId)
    if (!run) {
      this.resolveChannel(channelId)
      return this.status(channelId)
    }
    if (run.stats) clearInterval(run.stats)
    run.unwatch()
    await this.destinations.stopAll(channelId)
    await this.media.stopChannel(channelId)
    this.runs.delete(channelId)
    this.destinations.close(channelId)
    return this.offlineStatus(run.channel, run.stream)
  }

  private emitState(
    channelId: number,
    destinationId: string | null,
    state: ChannelAirStatus['state'],
    d: StateDetails
  ): void {
    this.deps.bus.emit('onair.state', {
      channelId,
      destinationId,
      state,
      ...(d.attempt !== undefined ? { attempt: d.attempt } : {}),
      ...(d.nextRetryAt !== undefined ? { nextRetryAt: d.nextRetryAt } : {}),
      ...(d.message !== undefined ? { message: this.redactor.text(d.message) } : {}),
      at: Date.now()
    })
  }

  private emitStats(run: ChannelRun): void {
    const snap = this.snap(run.channel.id)
    const s = snap?.stats ?? OFF_AIR_STATS
    this.deps.bus.emit('onair.stats', {
      channelId: run.channel.id,
      at: Date.now(),
      uptimeS: s.uptimeS,
      kbps: s.kbps,
      speed: s.speed,
      droppedFrames: s.droppedFrames,
      restarts: s.restarts,
      now: snap?.now ?? null,
      next: snap?.next ?? null,
      viewers: this.media.viewers(run.stream),
      destinations: this.destinations.stats(run.channel.id)
    })
  }

  // ---- status -----------------------------------------------------------------

  private urls(stream: string): { rtmpUrl: string | null; flvUrl: string | null } {
    return this.media.serving
      ? { rtmpUrl: this.media.rtmpUrl(stream), flvUrl: this.media.flvUrl(stream) }
      : { rtmpUrl: null, flvUrl: null }
  }

  private offlineStatus(channel: AirChannel, stream = streamNameFor(channel)): ChannelAirStatus {
    return {
      channelId: channel.id,
      name: channel.name,
      stream,
      state: 'offline',
      since: Date.now(),
      uptimeS: 0,
      ...this.urls(stream),
      now: null,
      next: null,
      viewers: 0,
      destinations: []
    }
  }

  async status(channelId: number): Promise<ChannelAirStatus> {
    const run = this.runs.get(channelId)
    if (!run) {
      const channel = this.resolveChannel(channelId)
      return { ...this.offlineStatus(channel), destinations: await this.listDestinations(channelId) }
    }
    const p = this.snap(channelId)
    const d = p?.details ?? {}
    const now: ClipRef | null = p?.now ?? null
    return {
      channelId,
      name: run.channel.name,
      stream: run.stream,
      state: this.stateOf(channelId),
      ...(d.message !== undefined ? { message: this.redactor.text(d.message) } : {}),
      ...(d.attempt !== undefined ? { attempt: d.attempt } : {}),
      ...(d.nextRetryAt !== undefined ? { nextRetryAt: d.nextRetryAt } : {}),
      since: p?.since ?? Date.now(),
      uptimeS: p?.stats.uptimeS ?? 0,
      ...this.urls(run.stream),
      now,
      next: p?.next ?? null,
      viewers: this.media.viewers(run.stream),
      destinations: await this.listDestinations(channelId)
    }
  }

  async statusAll(): Promise<ChannelAirStatus[]> {
    return Promise.all([...this.runs.keys()].map((id) => this.status(id)))
  }

  serverInfo(): { running: boolean; bind: string; rtmpPort: number; httpPort: number } {
    const s = this.settings()
    const o = this.media.serveOptions
    return {
      running: o !== null,
      bind: o?.bind ?? (s.listenOnLan ? '0.0.0.0' : '127.0.0.1'),
      rtmpPort: o?.rtmpPort ?? s.rtmpPort,
      httpPort: o?.httpPort ?? s.httpPort
    }
  }

  /** Everything metrics, health and the as-run log read about channels on air (no URLs, no keys). */
  observe(): ChannelObservation[] {
    return [...this.runs.values()].map((r) => {
      const p = this.snap(r.channel.id)
      return {
        channelId: r.channel.id,
        name: r.channel.name,
        stream: r.stream,
        format: r.channel.format,
        state: this.stateOf(r.channel.id),
        since: p?.since ?? Date.now(),
        stats: p?.stats ?? OFF_AIR_STATS,
        now: p?.now ?? null,
        viewers: this.media.viewers(r.stream),
        encoderPid: p?.encoderPid,
        destinations: this.destinations.observe(r.channel.id)
      }
    })
  }

  /** Pid of a channel's playout ffmpeg (diagnostics and tests). */
  encoderPid(channelId: number): number | undefined {
    return this.runs.has(channelId) ? this.snap(channelId)?.encoderPid : undefined
  }

  /** The local server's refusals, sessions and connections (diagnostics, tests). */
  inspectServer(): Promise<ServerInspection> {
    return this.media.inspect()
  }

  /** The media plane: its host, restarts and kill() (diagnostics, tests). */
  get mediaPlane(): MediaPlane {
    return this.media
  }

  relayPid(channelId: number, destinationId: string): number | undefined {
    return this.destinations.relayPid(channelId, destinationId)
  }

  // ---- destinations (destination-runs.ts) ---------------------------------------

  listDestinations(channelId: number): Promise<DestinationDto[]> {
    return this.destinations.list(channelId)
  }

  async addDestination(input: AddDestinationInput): Promise<DestinationDto> {
    this.resolveChannel(input.channelId)
    return this.destinations.add(input)
  }

  updateDestination(input: UpdateDestinationInput): Promise<DestinationDto> {
    return this.destinations.update(input)
  }

  /** A deleted channel's destinations and their stream keys (library/channel-forget.ts). */
  forgetDeletedChannels(liveIds: () => Set<number>): Promise<void> {
    return this.destinations.forgetDeletedChannels(liveIds)
  }

  removeDestination(id: string): Promise<{ id: string; removed: boolean }> {
    return this.destinations.remove(id)
  }

  setDestinationKey(id: string, key: string): Promise<DestinationDto> {
    return this.destinations.setKey(id, key)
  }

  retryDestination(id: string): Promise<DestinationDto> {
    return this.destinations.retry(id)
  }

  // ---- shutdown -----------------------------------------------------------------

  async close(): Promise<void> {
    this.closed = true
    await Promise.all([...this.starting.values()].map((p) => p.catch(() => undefined)))
    await Promise.all([...this.runs.keys()].map((id) => this.stop(id).catch(() => {})))
    const starting = this.serverStarting
    if (starting) await starting.catch(() => {})
    await this.media.close()
  }
}
