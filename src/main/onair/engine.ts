import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { StudioError } from '../../shared/contract'
import type { ChannelAirStatus, DestinationDto, OnairSettings } from '../../shared/contract/onair'
import { onairSettingsSchema } from '../../shared/contract/onair'
import type { EventBus } from '../core/events'
import { maskSecret, type SecretStore } from '../secrets'
import type { BackoffOptions } from '../core/backoff'
import {
  DestinationStore,
  destinationUrl,
  mergeKey,
  keySecretName,
  parseRtmpUrl,
  validateIngestHost,
  type DestinationConfig
} from './destinations'
import { ChannelPlayout, type ClipRef } from './playout'
import { SRT_MISSING, checkFormat, ffmpegHasSrt, presetTarget } from './presets'
import { OnAirLog, Redactor, type LogLevel } from './redact-log'
import { DestinationRelay, TWITCH_PLANNED_RECONNECT_MS } from './relay'
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

interface RelayRun {
  config: DestinationConfig
  relay: DestinationRelay
  ephemeral: boolean
  key: string | null
}

interface ChannelRun {
  channel: AirChannel
  stream: string
  playout: ChannelPlayout
  relays: Map<string, RelayRun>
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
  destinations: Array<{
    id: string
    name: string
    kind: DestinationConfig['kind']
    state: ChannelAirStatus['state']
    pid: number | undefined
    kbps: number
    uptimeS: number
    bytes: number
    reconnects: number
  }>
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
 * Go Live), one playout per channel on air and each channel's destination relays.
 * Every message it emits or logs is redacted.
 */
export class OnAirEngine {
  readonly redactor = new Redactor()
  private server: LocalRtmpServer | null = null
  private serverStarting: Promise<LocalRtmpServer> | null = null
  private readonly runs = new Map<number, ChannelRun>()
  private readonly starting = new Map<number, Promise<ChannelAirStatus>>()
  private readonly destinations: DestinationStore
  private logSink: OnAirLog | null = null
  private closed = false

  constructor(private readonly deps: EngineDeps) {
    this.destinations = new DestinationStore(deps.dataDir)
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
    const extra = (options.to ?? []).map((url, i) => {
      const parsed = parseRtmpUrl(url, `to.${i}`)
      if (!parsed.key)
        throw new StudioError(
          'invalid_input',
          `The destination URL ${parsed.base} has no stream key (…/app/KEY).`,
          `to.${i}`
        )
      this.redactor.add(parsed.key)
      return parsed
    })
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
      onClip: (phase, clip, reason) =>
        this.deps.bus.emit('onair.clip', {
          channelId,
          phase,
          clip,
          ...(reason ? { reason: this.redactor.text(reason) } : {}),
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
    const run: ChannelRun = { channel, stream, playout, relays: new Map(), stats: null, unwatch }
    this.runs.set(channelId, run)
    // Make the slate before going live so an empty timeline airs at once.
    try {
      await ensureSlate(this.deps.dataDir, channel.format)
      await playout.start()
    } catch (err) {
      const message = this.redactor.text(err instanceof Error ? err.message : String(err))
      await playout.stop().catch(() => {})
      unwatch()
      this.runs.delete(channelId)
      throw new StudioError('unavailable', `Channel "${channel.name}" could not go live: ${message}`)
    }
    run.stats = setInterval(() => this.emitStats(run), STATS_PERIOD_MS)
    run.stats.unref?.()
    for (const cfg of this.destinations.forChannel(channelId))
      if (cfg.enabled) await this.startRelay(run, cfg, false, null)
    for (const [i, p] of extra.entries()) {
      const cfg: DestinationConfig = {
        id: `to${i + 1}`,
        channelId,
        kind: 'rtmp',
        name: new URL(p.base.replace(/^rtmps?:/, 'http:')).host,
        target: p.base,
        enabled: true
      }
      await this.startRelay(run, cfg, true, p.key)
    }
    return this.status(channelId)
  }

  private async startRelay(
    run: ChannelRun,
    config: DestinationConfig,
    ephemeral: boolean,
    key: string | null
  ): Promise<void> {
    const server = await this.ensureServer()
    const relay = new DestinationRelay({
      id: config.id,
      name: config.name,
      sourceFlvUrl: `${server.flvUrl(run.stream)}?relay=${encodeURIComponent(config.id)}`,
      destinationUrl: async () => {
        const k = ephemeral ? key : ((await this.deps.secrets().get(keySecretName(config.id))) ?? null)
        if (!k && config.kind !== 'srt')
          throw new Error(
            `No stream key is stored for ${config.name}; paste it with "set key" (onair.destinations.setKey).`
          )
        // Refuse before connecting what the platform would reject after (or drop mid-stream).
        const problems =
          config.kind === 'rtmp' || config.kind === 'srt' ? [] : checkFormat(config.kind, run.channel.format)
        if (problems.length) throw new Error(`Not sent to ${config.name}: ${problems.join(' ')}`)
        if (config.kind === 'srt' && !ffmpegHasSrt()) throw new Error(SRT_MISSING)
        if (k) {
          this.redactor.add(k)
          this.redactor.add(encodeURIComponent(k))
        }
        return destinationUrl(config, k ?? '')
      },
      log: this.log,
      onState: (c) =>
        this.emitState(run.channel.id, config.id, c.to, {
          attempt: c.attempt,
          nextRetryAt: c.nextRetryAt,
          message: c.message
        }),
      ...(this.deps.relayBackoff ? { backoff: this.deps.relayBackoff } : {}),
      plannedReconnectMs: this.deps.plannedReconnectMs ?? (config.kind === 'twitch' ? TWITCH_PLANNED_RECONNECT_MS : 0)
    })
    run.relays.set(config.id, { config, relay, ephemeral, key })
    relay.start()
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
    await Promise.all([...run.relays.values()].map((r) => r.relay.stop()))
    await run.playout.stop()
    this.runs.delete(channelId)
    return this.offlineStatus(run.channel, run.stream)
  }

  private emitState(
    channelId: number,
    destinationId: string | null,
    state: ChannelAirStatus['state'],
    d: { attempt?: number | undefined; nextRetryAt?: number | undefined; message?: string | undefined }
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
      destinations: [...run.relays.values()].map((r) => {
        const rs = r.relay.stats()
        const d = r.relay.state.details
        return {
          id: r.config.id,
          state: r.relay.state.state,
          kbps: rs.kbps,
          uptimeS: rs.uptimeS,
          ...(d.attempt !== undefined ? { attempt: d.attempt } : {})
        }
      })
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
      destinations: [...r.relays.values()].map((d) => ({
        id: d.config.id,
        name: d.config.name,
        kind: d.config.kind,
        state: d.relay.state.state,
        pid: d.relay.pid,
        ...d.relay.stats()
      }))
    }))
  }

  /** Pid of a channel's playout ffmpeg (diagnostics and tests). */
  encoderPid(channelId: number): number | undefined {
    return this.runs.get(channelId)?.playout.encoderPid
  }

  relayPid(channelId: number, destinationId: string): number | undefined {
    return this.runs.get(channelId)?.relays.get(destinationId)?.relay.pid
  }

  // ---- destinations -------------------------------------------------------------

  private async toDto(cfg: DestinationConfig, run?: RelayRun): Promise<DestinationDto> {
    const key = run?.ephemeral ? run.key : await this.deps.secrets().get(keySecretName(cfg.id))
    const relay = run?.relay
    const d = relay?.state.details ?? {}
    return {
      id: cfg.id,
      channelId: cfg.channelId,
      kind: cfg.kind,
      name: cfg.name,
      target: this.redactor.text(cfg.target),
      keyMasked: key ? maskSecret(key) : null,
      enabled: cfg.enabled,
      state: relay?.state.state ?? 'offline',
      ...(d.attempt !== undefined ? { attempt: d.attempt } : {}),
      ...(d.nextRetryAt !== undefined ? { nextRetryAt: d.nextRetryAt } : {}),
      ...(d.message !== undefined ? { message: this.redactor.text(d.message) } : {}),
      ...(relay ? { kbps: relay.stats().kbps } : {}),
      ephemeral: run?.ephemeral ?? false
    }
  }

  async listDestinations(channelId: number): Promise<DestinationDto[]> {
    const run = this.runs.get(channelId)
    const stored = this.destinations.forChannel(channelId)
    const out = await Promise.all(stored.map((c) => this.toDto(c, run?.relays.get(c.id))))
    for (const r of run?.relays.values() ?? []) if (r.ephemeral) out.push(await this.toDto(r.config, r))
    return out
  }

  async addDestination(input: {
    channelId: number
    kind: DestinationConfig['kind']
    name?: string | undefined
    server?: string | undefined
    url?: string | undefined
    key?: string | undefined
    enabled?: boolean | undefined
    backup?: boolean | undefined
  }): Promise<DestinationDto> {
    this.resolveChannel(input.channelId)
    let key = input.key?.trim() || null
    // Each preset knows its ingest URL and validates what the user typed (onair/presets.ts).
    const preset = presetTarget(input.kind, input)
    const target = preset.target
    if (preset.key && key && preset.key !== key) {
      throw new StudioError(
        'invalid_input',
        'The URL already ends with a stream key and a different key was given; give one or the other.',
        'key'
      )
    }
    key = key ?? preset.key
    if (key && /\s/.test(key)) throw new StudioError('invalid_input', 'A stream key cannot contain spaces.', 'key')
    const name = input.name ?? preset.name
    const cfg = this.destinations.add({
      channelId: input.channelId,
      kind: input.kind,
      name,
      target,
      enabled: input.enabled ?? true
    })
    if (key) {
      try {
        await this.deps.secrets().set(keySecretName(cfg.id), key)
      } catch (err) {
        // Never keep a destination whose key silently failed to store.
        this.destinations.remove(cfg.id)
        throw err
      }
      this.redactor.add(key)
    }
    return this.toDto(cfg)
  }

  private runOf(id: string): RelayRun | undefined {
    for (const r of this.runs.values()) {
      const rr = r.relays.get(id)
      if (rr) return rr
    }
    return undefined
  }

  async updateDestination(input: {
    id: string
    name?: string | undefined
    server?: string | undefined
    url?: string | undefined
    enabled?: boolean | undefined
  }): Promise<DestinationDto> {
    const cur = this.destinations.get(input.id)
    const patch: Partial<DestinationConfig> = {}
    if (input.name !== undefined) patch.name = input.name
    if (input.enabled !== undefined) patch.enabled = input.enabled
    let newKey: string | null = null
    if (input.server !== undefined) {
      if (cur.kind !== 'twitch')
        throw new StudioError(
          'invalid_input',
          'Only Twitch destinations have an ingest server; change the url instead.',
          'server'
        )
      patch.target = validateIngestHost(input.server)
    }
    if (input.url !== undefined) {
      if (cur.kind === 'twitch')
        throw new StudioError('invalid_input', 'A Twitch destination takes an ingest server, not a URL.', 'url')
      const parsed = presetTarget(cur.kind, { url: input.url })
      patch.target = parsed.target
      // A query alone keeps the stored key segment (see mergeKey); SRT's streamid is the whole key.
      newKey =
        cur.kind === 'srt'
          ? parsed.key
          : mergeKey((await this.deps.secrets().get(keySecretName(cur.id))) ?? null, parsed.key)
    }
    if (newKey) {
      await this.deps.secrets().set(keySecretName(cur.id), newKey)
      this.redactor.add(newKey)
    }
    const cfg = this.destinations.update(input.id, patch)
    const run = this.runOf(cfg.id)
    if (run) run.config = { ...cfg }
    const channelRun = this.runs.get(cfg.channelId)
    // Enabling/disabling takes effect on a channel on air right away.
    if (channelRun && input.enabled === false && run) {
      await run.relay.stop()
      channelRun.relays.delete(cfg.id)
    } else if (channelRun && input.enabled === true && !run) {
      await this.startRelay(channelRun, cfg, false, null)
    }
    return this.toDto(cfg, this.runOf(cfg.id))
  }

  /** A deleted channel's destinations and their stream keys (library/channel-forget.ts). */
  async forgetDeletedChannels(liveIds: () => Set<number>): Promise<void> {
    for (const d of this.destinations.removeDeletedChannels(liveIds))
      await this.deps.secrets().delete(keySecretName(d.id))
  }

  async removeDestination(id: string): Promise<{ id: string; removed: boolean }> {
    const cfg = this.destinations.get(id)
    const run = this.runOf(id)
    if (run) {
      await run.relay.stop()
      this.runs.get(cfg.channelId)?.relays.delete(id)
    }
    await this.deps.secrets().delete(keySecretName(id))
    return { id, removed: this.destinations.remove(id) }
  }

  async setDestinationKey(id: string, key: string): Promise<DestinationDto> {
    const cfg = this.destinations.get(id)
    const k = key.trim()
    if (!k || /\s/.test(k))
      throw new StudioError('invalid_input', 'A stream key cannot be empty or contain spaces.', 'key')
    await this.deps.secrets().set(keySecretName(id), k)
    this.redactor.add(k)
    return this.toDto(cfg, this.runOf(id))
  }

  async retryDestination(id: string): Promise<DestinationDto> {
    const run = this.runOf(id)
    if (!run) {
      const cfg = this.destinations.get(id)
      throw new StudioError(
        'conflict',
        `"${cfg.name}" is not running: its channel is not on air (or the destination is disabled).`,
        'id'
      )
    }
    run.relay.retryNow()
    return this.toDto(run.config, run)
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
