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
import { ChannelPlayout, type ClipRef } from './playout'
import { OnAirLog, Redactor, type LogLevel } from './redact-log'
import { LocalRtmpServer } from './rtmp-server'
import { ensureSlate } from './slate'
import { streamNameFor, type AirChannel, type TimelineSource } from './timeline'

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
}

interface ChannelRun {
  channel: AirChannel
  stream: string
  playout: ChannelPlayout
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
  stats: ReturnType<ChannelPlayout['stats']>
  now: ClipRef | null
  viewers: number
  encoderPid: number | undefined
  destinations: DestinationObservation[]
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

/**
 * The on-air engine: owns the embedded RTMP server (started lazily, on the first
 * Go Live) and one playout per channel on air; each channel's destination relays
 * run in destination-runs.ts.
 * Every message it emits or logs is redacted.
 */
export class OnAirEngine {
  readonly redactor = new Redactor()
  private server: LocalRtmpServer | null = null
  private serverStarting: Promise<LocalRtmpServer> | null = null
  private readonly runs = new Map<number, ChannelRun>()
  private readonly starting = new Map<number, Promise<ChannelAirStatus>>()
  private readonly destinations: DestinationRuns
  private logSink: OnAirLog | null = null
  private closed = false

  constructor(private readonly deps: EngineDeps) {
    this.destinations = new DestinationRuns({
      dataDir: deps.dataDir,
      secrets: deps.secrets,
      redactor: this.redactor,
      log: this.log,
      flvUrl: async (stream) => (await this.ensureServer()).flvUrl(stream),
      onState: (channelId, destinationId, state, d) => this.emitState(channelId, destinationId, state, d),
      relayBackoff: deps.relayBackoff,
      plannedReconnectMs: deps.plannedReconnectMs
    })
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
    if (this.server || this.serverStarting)
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

  /** Starts the embedded RTMP/HTTP-FLV server if it is not running yet. */
  async ensureServer(): Promise<LocalRtmpServer> {
    if (this.server) return this.server
    if (this.closed) throw new StudioError('unavailable', 'The studio is shutting down.')
    this.serverStarting ??= (async () => {
      const s = this.settings()
      await this.loadSecretsForRedaction()
      await this.dropStoredPublishSecret()
      const server = await LocalRtmpServer.start({
        bind: s.listenOnLan ? '0.0.0.0' : '127.0.0.1',
        rtmpPort: s.rtmpPort,
        httpPort: s.httpPort,
        log: (level, line) =>
          this.log(level === 'error' ? 'error' : level === 'warn' ? 'warn' : 'debug', `[rtmp-server] ${line}`)
      })
      this.server = server
      this.log('info', `local server on rtmp://${server.host}:${s.rtmpPort} and http://${server.host}:${s.httpPort}`)
      return server
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

  isOnAir(channelId: number): boolean {
    const r = this.runs.get(channelId)
    return !!r && r.playout.state.state !== 'offline'
  }

  /**
   * Seconds of airable material after the clip on air, to the end of the timeline
   * (not wrapping around): what the autopilot keeps topped up so a 24/7 channel airs
   * new material instead of looping. Undefined while the channel is off air.
   */
  runwaySeconds(channelId: number): number | undefined {
    const run = this.runs.get(channelId)
    if (!run || run.playout.state.state === 'offline') return undefined
    const items = this.deps.source().airable(channelId)
    const nowId = run.playout.now?.itemId ?? null
    const at = nowId === null ? -1 : items.findIndex((i) => i.itemId === nowId)
    return items.slice(at + 1).reduce((sum, i) => sum + i.durationMs / 1000, 0)
  }

  listPublic(): PublicChannel[] {
    return [...this.runs.values()].map((r) => ({
      name: r.channel.name,
      stream: r.stream,
      onAir: r.playout.state.state === 'live',
      viewers: this.server?.viewers(r.stream) ?? 0
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
      if (existing.playout.state.state !== 'error') return this.status(channelId)
      await this.stopNow(channelId)
    }
    const channel = this.resolveChannel(channelId)
    // Validate ad-hoc destinations before anything starts.
    const extra = this.destinations.parseAdHoc(options.to ?? [])
    const server = await this.ensureServer()
    const stream = this.uniqueStream(channel)
    const source = this.deps.source()
    const playout = new ChannelPlayout({
      channel,
      stream,
      source,
      target: server,
      slatePath: () => ensureSlate(this.deps.dataDir, channel.format),
      log: this.log,
      onState: (c) =>
        this.emitState(channelId, null, c.to, { attempt: c.attempt, nextRetryAt: c.nextRetryAt, message: c.message }),
      onClip: (phase, clip, reason, airStartUs) =>
        this.deps.bus.emit('onair.clip', {
          channelId,
          phase,
          clip,
          ...(reason ? { reason: this.redactor.text(reason) } : {}),
          ...(airStartUs !== undefined ? { airStartUs } : {}),
          at: Date.now()
        })
    })
    // "Next" follows edits by event: the library's changes (this process's, and other processes' seen by
    // the library feature's watcher) arrive on the bus; a file playlist says so itself.
    const changed = (id: number | null): void => {
      if (id === null || id === channelId) playout.timelineChanged()
    }
    const offBus = this.deps.bus.on('library.changed', (c) => changed(c.channelId))
    const offSource = source.onChange?.(changed)
    const unwatch = (): void => {
      offBus()
      offSource?.()
    }
    const run: ChannelRun = { channel, stream, playout, stats: null, unwatch }
    this.runs.set(channelId, run)
    this.destinations.open(channel, stream)
    // Make the slate before going live so an empty timeline airs at once.
    try {
      await ensureSlate(this.deps.dataDir, channel.format)
      await playout.start()
    } catch (err) {
      const message = this.redactor.text(err instanceof Error ? err.message : String(err))
      await playout.stop().catch(() => {})
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
    await run.playout.stop()
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
    const s = run.playout.stats()
    this.deps.bus.emit('onair.stats', {
      channelId: run.channel.id,
      at: Date.now(),
      uptimeS: s.uptimeS,
      kbps: s.kbps,
      speed: s.speed,
      droppedFrames: s.droppedFrames,
      restarts: s.restarts,
      now: run.playout.now,
      next: run.playout.next,
      viewers: this.server?.viewers(run.stream) ?? 0,
      destinations: this.destinations.stats(run.channel.id)
    })
  }

  // ---- status -----------------------------------------------------------------

  private urls(stream: string): { rtmpUrl: string | null; flvUrl: string | null } {
    return this.server
      ? { rtmpUrl: this.server.rtmpUrl(stream), flvUrl: this.server.flvUrl(stream) }
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
    const p = run.playout
    const d = p.state.details
    const now: ClipRef | null = p.now
    return {
      channelId,
      name: run.channel.name,
      stream: run.stream,
      state: p.state.state,
      ...(d.message !== undefined ? { message: this.redactor.text(d.message) } : {}),
      ...(d.attempt !== undefined ? { attempt: d.attempt } : {}),
      ...(d.nextRetryAt !== undefined ? { nextRetryAt: d.nextRetryAt } : {}),
      since: p.state.since,
      uptimeS: p.stats().uptimeS,
      ...this.urls(run.stream),
      now,
      next: p.next,
      viewers: this.server?.viewers(run.stream) ?? 0,
      destinations: await this.listDestinations(channelId)
    }
  }

  async statusAll(): Promise<ChannelAirStatus[]> {
    return Promise.all([...this.runs.keys()].map((id) => this.status(id)))
  }

  serverInfo(): { running: boolean; bind: string; rtmpPort: number; httpPort: number } {
    const s = this.settings()
    return {
      running: this.server !== null,
      bind: this.server?.options.bind ?? (s.listenOnLan ? '0.0.0.0' : '127.0.0.1'),
      rtmpPort: this.server?.options.rtmpPort ?? s.rtmpPort,
      httpPort: this.server?.options.httpPort ?? s.httpPort
    }
  }

  /** Everything metrics, health and the as-run log read about channels on air (no URLs, no keys). */
  observe(): ChannelObservation[] {
    return [...this.runs.values()].map((r) => ({
      channelId: r.channel.id,
      name: r.channel.name,
      stream: r.stream,
      format: r.channel.format,
      state: r.playout.state.state,
      since: r.playout.state.since,
      stats: r.playout.stats(),
      now: r.playout.now,
      viewers: this.server?.viewers(r.stream) ?? 0,
      encoderPid: r.playout.encoderPid,
      destinations: this.destinations.observe(r.channel.id)
    }))
  }

  /** Pid of a channel's playout ffmpeg (diagnostics and tests). */
  encoderPid(channelId: number): number | undefined {
    return this.runs.get(channelId)?.playout.encoderPid
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
    if (this.server) {
      await this.server.stop()
      this.server = null
    }
  }
}
