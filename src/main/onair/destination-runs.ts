import { StudioError } from '../../shared/contract'
import type { ChannelAirStatus, DestinationDto } from '../../shared/contract/onair'
import { maskSecret, type SecretStore } from '../secrets'
import type { BackoffOptions } from '../core/backoff'
import {
  DestinationStore,
  destinationUrl,
  mergeKey,
  keySecretName,
  parseRtmpUrl,
  validateIngestHost,
  type DestinationConfig,
  type ParsedRtmpUrl
} from './destinations'
import { SRT_MISSING, checkFormat, ffmpegHasSrt, presetTarget } from './presets'
import type { OnAirLogger, Redactor } from './redact-log'
import { DestinationRelay, TWITCH_PLANNED_RECONNECT_MS } from './relay'
import type { AirChannel } from './timeline'
import type { TunnelOpener } from './tunnels'

export interface StateDetails {
  attempt?: number | undefined
  nextRetryAt?: number | undefined
  message?: string | undefined
}

export interface DestinationRunsDeps {
  dataDir: string
  secrets: () => SecretStore
  redactor: Redactor
  log: OnAirLogger
  /** The local server's HTTP-FLV URL of a stream, starting the server if need be. */
  flvUrl: (stream: string) => Promise<string>
  onState: (channelId: number, destinationId: string, state: ChannelAirStatus['state'], details: StateDetails) => void
  relayBackoff?: BackoffOptions | undefined
  plannedReconnectMs?: number | undefined
  /** Where the relays' key tunnels run (the media plane's thread); default: this one. */
  openTunnel?: TunnelOpener | undefined
}

interface RelayRun {
  config: DestinationConfig
  relay: DestinationRelay
  ephemeral: boolean
  key: string | null
}

/** The relays of one channel on air. */
interface ChannelRelays {
  channel: AirChannel
  stream: string
  relays: Map<string, RelayRun>
}

export interface DestinationObservation {
  id: string
  name: string
  kind: DestinationConfig['kind']
  state: ChannelAirStatus['state']
  pid: number | undefined
  kbps: number
  uptimeS: number
  bytes: number
  reconnects: number
}

export interface DestinationStats {
  id: string
  state: ChannelAirStatus['state']
  kbps: number
  uptimeS: number
  attempt?: number
}

export interface AddDestinationInput {
  channelId: number
  kind: DestinationConfig['kind']
  name?: string | undefined
  server?: string | undefined
  url?: string | undefined
  key?: string | undefined
  enabled?: boolean | undefined
  backup?: boolean | undefined
}

export interface UpdateDestinationInput {
  id: string
  name?: string | undefined
  server?: string | undefined
  url?: string | undefined
  enabled?: boolean | undefined
}

/**
 * A studio's destinations: the stored ones (and their stream keys) and, for each
 * channel on air, the relays carrying it to them. The engine opens a channel's
 * relays when it goes live and closes them when it stops.
 */
export class DestinationRuns {
  private readonly store: DestinationStore
  private readonly channels = new Map<number, ChannelRelays>()

  constructor(private readonly deps: DestinationRunsDeps) {
    this.store = new DestinationStore(deps.dataDir)
  }

  // ---- a channel on air ---------------------------------------------------------

  /** Validates ad-hoc destination URLs (`webtv air --to`) before anything starts. */
  parseAdHoc(urls: string[]): ParsedRtmpUrl[] {
    return urls.map((url, i) => {
      const parsed = parseRtmpUrl(url, `to.${i}`)
      if (!parsed.key)
        throw new StudioError(
          'invalid_input',
          `The destination URL ${parsed.base} has no stream key (…/app/KEY).`,
          `to.${i}`
        )
      this.deps.redactor.add(parsed.key)
      return parsed
    })
  }

  /** The channel is on air (from the start of Go Live): destinations enabled from now on start at once. */
  open(channel: AirChannel, stream: string): void {
    this.channels.set(channel.id, { channel, stream, relays: new Map() })
  }

  /** Starts the channel's enabled destinations, then its ad-hoc ones for this run only. */
  async startAll(channelId: number, adHoc: ParsedRtmpUrl[]): Promise<void> {
    const run = this.channels.get(channelId)
    if (!run) return
    for (const cfg of this.store.forChannel(channelId)) if (cfg.enabled) await this.startRelay(run, cfg, false, null)
    for (const [i, p] of adHoc.entries()) {
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
  }

  /** Stops the channel's relays; they stay listed until close(). */
  async stopAll(channelId: number): Promise<void> {
    const run = this.channels.get(channelId)
    if (run) await Promise.all([...run.relays.values()].map((r) => r.relay.stop()))
  }

  /** The channel is off air. */
  close(channelId: number): void {
    this.channels.delete(channelId)
  }

  private async startRelay(
    run: ChannelRelays,
    config: DestinationConfig,
    ephemeral: boolean,
    key: string | null
  ): Promise<void> {
    const flvUrl = await this.deps.flvUrl(run.stream)
    const relay = new DestinationRelay({
      id: config.id,
      name: config.name,
      ...(this.deps.openTunnel ? { openTunnel: this.deps.openTunnel } : {}),
      sourceFlvUrl: `${flvUrl}?relay=${encodeURIComponent(config.id)}`,
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
          this.deps.redactor.add(k)
          this.deps.redactor.add(encodeURIComponent(k))
        }
        return destinationUrl(config, k ?? '')
      },
      log: this.deps.log,
      onState: (c) =>
        this.deps.onState(run.channel.id, config.id, c.to, {
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

  // ---- what runs ------------------------------------------------------------------

  /** The relays' figures for the periodic onair.stats event. */
  stats(channelId: number): DestinationStats[] {
    return [...(this.channels.get(channelId)?.relays.values() ?? [])].map((r) => {
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
  }

  /** What metrics, health and the as-run log read about a channel's relays (no URLs, no keys). */
  observe(channelId: number): DestinationObservation[] {
    return [...(this.channels.get(channelId)?.relays.values() ?? [])].map((d) => ({
      id: d.config.id,
      name: d.config.name,
      kind: d.config.kind,
      state: d.relay.state.state,
      pid: d.relay.pid,
      ...d.relay.stats()
    }))
  }

  relayPid(channelId: number, destinationId: string): number | undefined {
    return this.channels.get(channelId)?.relays.get(destinationId)?.relay.pid
  }

  // ---- stored destinations --------------------------------------------------------

  private async toDto(cfg: DestinationConfig, run?: RelayRun): Promise<DestinationDto> {
    const key = run?.ephemeral ? run.key : await this.deps.secrets().get(keySecretName(cfg.id))
    const relay = run?.relay
    const d = relay?.state.details ?? {}
    return {
      id: cfg.id,
      channelId: cfg.channelId,
      kind: cfg.kind,
      name: cfg.name,
      target: this.deps.redactor.text(cfg.target),
      keyMasked: key ? maskSecret(key) : null,
      enabled: cfg.enabled,
      state: relay?.state.state ?? 'offline',
      ...(d.attempt !== undefined ? { attempt: d.attempt } : {}),
      ...(d.nextRetryAt !== undefined ? { nextRetryAt: d.nextRetryAt } : {}),
      ...(d.message !== undefined ? { message: this.deps.redactor.text(d.message) } : {}),
      ...(relay ? { kbps: relay.stats().kbps } : {}),
      ephemeral: run?.ephemeral ?? false
    }
  }

  async list(channelId: number): Promise<DestinationDto[]> {
    const run = this.channels.get(channelId)
    const stored = this.store.forChannel(channelId)
    const out = await Promise.all(stored.map((c) => this.toDto(c, run?.relays.get(c.id))))
    for (const r of run?.relays.values() ?? []) if (r.ephemeral) out.push(await this.toDto(r.config, r))
    return out
  }

  /** The channel must exist (the engine checks). */
  async add(input: AddDestinationInput): Promise<DestinationDto> {
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
    const cfg = this.store.add({
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
        this.store.remove(cfg.id)
        throw err
      }
      this.deps.redactor.add(key)
    }
    return this.toDto(cfg)
  }

  private runOf(id: string): RelayRun | undefined {
    for (const r of this.channels.values()) {
      const rr = r.relays.get(id)
      if (rr) return rr
    }
    return undefined
  }

  async update(input: UpdateDestinationInput): Promise<DestinationDto> {
    const cur = this.store.get(input.id)
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
      this.deps.redactor.add(newKey)
    }
    const cfg = this.store.update(input.id, patch)
    const run = this.runOf(cfg.id)
    if (run) run.config = { ...cfg }
    const channelRun = this.channels.get(cfg.channelId)
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
    for (const d of this.store.removeDeletedChannels(liveIds)) await this.deps.secrets().delete(keySecretName(d.id))
  }

  async remove(id: string): Promise<{ id: string; removed: boolean }> {
    const cfg = this.store.get(id)
    const run = this.runOf(id)
    if (run) {
      await run.relay.stop()
      this.channels.get(cfg.channelId)?.relays.delete(id)
    }
    await this.deps.secrets().delete(keySecretName(id))
    return { id, removed: this.store.remove(id) }
  }

  async setKey(id: string, key: string): Promise<DestinationDto> {
    const cfg = this.store.get(id)
    const k = key.trim()
    if (!k || /\s/.test(k))
      throw new StudioError('invalid_input', 'A stream key cannot be empty or contain spaces.', 'key')
    await this.deps.secrets().set(keySecretName(id), k)
    this.deps.redactor.add(k)
    return this.toDto(cfg, this.runOf(id))
  }

  async retry(id: string): Promise<DestinationDto> {
    const run = this.runOf(id)
    if (!run) {
      const cfg = this.store.get(id)
      throw new StudioError(
        'conflict',
        `"${cfg.name}" is not running: its channel is not on air (or the destination is disabled).`,
        'id'
      )
    }
    run.relay.retryNow()
    return this.toDto(run.config, run)
  }
}
