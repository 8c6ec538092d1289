import { StudioError } from '../../shared/contract'
import type { AsrunEntry, Guide } from '../../shared/contract/outputs'
import type { CoreContext, Feature } from '../core/core'
import { healthOf } from './health'
import { renderPrometheus } from './metrics'
import { AsRunLog } from './asrun'
import { StatusBeacon } from './beacon'
import type { OnAirEngine } from '../onair/engine'
import { GATE, GENERATION, LIBRARY, ONAIR, OUTPUTS } from '../services'
import type { Library } from '../library/library'
import type { OutputsService } from './service'
import { timelineFor } from '../onair/feature'
import { DEFAULT_GUIDE_HOURS, projectGuide, toXmltv, type GuideSequence } from './guide'
import { ChannelOutputs, forgetStreamFolders } from './outputs'
import { PRESETS, SRT_MISSING, checkFormat, ffmpegHasSrt, type PresetId } from '../onair/presets'
import { collectSnapshot, type StudioSnapshot } from './snapshot'
import { streamNameFor, type AirChannel } from '../onair/timeline'
import { HlsCaptions, cuesOfItem } from './subtitles'

/**
 * Outputs and operations: HLS and recording taps for every channel on air, the
 * as-run log, the program guide and the status snapshot behind /metrics, /health
 * and `webtv status`. Installed after the on-air feature; it only listens to the
 * engine's events and reads its observations — it never changes what airs.
 */
export const outputsFeature: Feature = (ctx: CoreContext) => {
  const engine = (): OnAirEngine | undefined => ctx.services.find(ONAIR)
  const lib = (): Library | undefined => ctx.services.find(LIBRARY)
  const l0 = lib()
  const asrun = l0 ? new AsRunLog(l0.featureDatabase('asrun'), (itemId) => l0.itemShotAndTake(itemId)) : null
  const log = (level: 'debug' | 'info' | 'warn' | 'error', line: string): void => engine()?.log(level, line)
  const outputs = new ChannelOutputs({
    dataDir: ctx.dataDir,
    log,
    onState: (channelId, output, state, message) =>
      ctx.bus.emit('outputs.state', {
        channelId,
        output,
        state,
        ...(message ? { message: engine()?.redactor.text(message) ?? message } : {}),
        at: Date.now()
      }),
    setTee: (channelId, tee) => engine()?.setTeeOutputs(channelId, tee)
  })
  // HLS on at Go Live is written by the playout itself (outputs.ts ChannelOutputs).
  engine()?.useTeeOutputs({
    plan: (channelId, stream) => outputs.plan(channelId, stream),
    encoderStarted: (channelId, tee) => void outputs.encoderStarted(channelId, tee).catch(() => undefined),
    failed: (channelId, output, message) => void outputs.teeFailed(channelId, output, message).catch(() => undefined)
  })
  const snapshot = (): StudioSnapshot =>
    collectSnapshot({
      version: ctx.version,
      startedAt: ctx.startedAt,
      onair: engine(),
      library: lib(),
      generation: ctx.services.find(GENERATION)?.service,
      gate: ctx.services.find(GATE),
      outputs
    })
  const beacon = new StatusBeacon(ctx.dataDir, snapshot)
  /** When the clip on air began (wall clock), per channel: the guide's "now". */
  const airingSince = new Map<
    number,
    { itemId: number | null; label: string; durationMs: number; slate: boolean; startedAt: number }
  >()

  /** The WebVTT rendition beside a channel's HLS, while it airs with captions in its look (outputs/subtitles.ts). */
  const captions = new Map<number, HlsCaptions>()
  const captionsOf = (channelId: number, stream: string | undefined): HlsCaptions | undefined => {
    const library = lib()
    if (!library || !stream || (library.getChannel(channelId).look.captions ?? 'off') === 'off') return undefined
    let c = captions.get(channelId)
    if (!c) {
      c = new HlsCaptions(
        () => outputs.hlsFolderOf(stream),
        (line) => log('warn', line)
      )
      captions.set(channelId, c)
      c.start()
    }
    return c
  }

  const onState = ctx.bus.on('onair.state', (e) => {
    if (e.destinationId !== null) return
    const eng = engine()
    beacon.update((eng?.observe().length ?? 0) > 0)
    if (e.state === 'starting') asrun?.closeDangling(e.channelId)
    if (e.state === 'live' && eng) {
      void eng
        .status(e.channelId)
        .then((s) => (s.flvUrl && s.state !== 'offline' ? outputs.attach(e.channelId, s.stream, s.flvUrl) : undefined))
        .catch((err: unknown) =>
          log('warn', `[outputs] could not start HLS/recording: ${err instanceof Error ? err.message : String(err)}`)
        )
    }
    if (e.state === 'offline' || e.state === 'error' || e.state === 'stopping') {
      airingSince.delete(e.channelId)
      captions.get(e.channelId)?.stop()
      captions.delete(e.channelId)
      for (const closed of asrun?.close(e.channelId, e.at) ?? []) ctx.bus.emit('outputs.asrun', closed)
      if (e.state !== 'stopping') void outputs.detach(e.channelId)
    }
  })

  const onClip = ctx.bus.on('onair.clip', (e) => {
    if (e.phase !== 'airing') return
    airingSince.set(e.channelId, { ...e.clip, startedAt: e.at })
    const obs = engine()
      ?.observe()
      .find((o) => o.channelId === e.channelId)
    try {
      const l = lib()
      const cues = l && e.clip.itemId !== null && !e.clip.slate ? cuesOfItem(l, e.clip.itemId) : []
      if (e.airStartUs !== undefined)
        captionsOf(e.channelId, obs?.stream)?.airing({ outS: e.airStartUs / 1e6, durationMs: e.clip.durationMs, cues })
    } catch (err) {
      log('warn', `[captions] ${e.clip.label}: ${err instanceof Error ? err.message : String(err)}`)
    }
    if (!asrun) return
    try {
      const entries = asrun.aired({
        channelId: e.channelId,
        channelName: obs?.name ?? `channel ${e.channelId}`,
        itemId: e.clip.itemId,
        label: e.clip.slate ? 'Standby' : e.clip.label,
        slate: e.clip.slate,
        durationMs: e.clip.durationMs,
        destinations: (obs?.destinations ?? []).filter((d) => d.state === 'live').map((d) => d.name),
        at: e.at
      })
      for (const entry of entries) ctx.bus.emit('outputs.asrun', entry)
    } catch (err) {
      log('warn', `[as-run] could not record ${e.clip.label}: ${err instanceof Error ? err.message : String(err)}`)
    }
  })

  ctx.onClose(async () => {
    onState()
    onClip()
    for (const c of captions.values()) c.stop()
    beacon.stop()
    await outputs.close()
  })

  const channelOf = (channelId: number): AirChannel => {
    const ch = timelineFor(ctx).getChannel({ id: channelId })
    if (!ch) throw new StudioError('not_found', `No channel with id ${channelId}.`, 'channelId')
    return ch
  }

  const guide = (channelId: number, hours = DEFAULT_GUIDE_HOURS, withProgrammes = true): Guide => {
    const ch = channelOf(channelId)
    const eng = engine()
    const obs = eng?.observe().find((o) => o.channelId === channelId)
    const onAir = !!obs && obs.state !== 'offline'
    const source = timelineFor(ctx)
    const items = withProgrammes ? source.airable(channelId) : []
    const library = lib()
    const shots = library && withProgrammes ? library.playlistShotIds(channelId) : new Map<number, number>()
    const sequences =
      library && withProgrammes ? library.playlistSequences(channelId) : new Map<number, GuideSequence>()
    const now = onAir ? (airingSince.get(channelId) ?? null) : null
    return projectGuide({
      channelId,
      name: ch.name,
      stream: obs?.stream ?? streamNameFor(ch),
      items,
      shotOf: (id) => shots.get(id) ?? null,
      sequenceOf: (id) => sequences.get(id) ?? null,
      onAir,
      now: withProgrammes ? now : null,
      nextItemId: null,
      at: Date.now(),
      hours: withProgrammes ? hours : 0,
      slateMs: ch.format.gopSeconds * 1000
    })
  }

  const publicGuides = (): Guide[] => (engine()?.observe() ?? []).map((o) => guide(o.channelId))

  const service: OutputsService = {
    snapshot,
    health: () => healthOf(snapshot()),
    prometheus: () => renderPrometheus(snapshot()),
    guide,
    publicGuide: (stream) => {
      const live = engine()
        ?.observe()
        .find((o) => o.stream === stream)
      if (live) return guide(live.channelId)
      const library = lib()
      if (!library) return undefined
      // A channel off air keeps its guide URL: it answers with no programmes.
      for (const r of library.channelNames()) {
        if (streamNameFor(r) === stream) return guide(r.id, 0, false)
      }
      return undefined
    },
    xmltv: (guides) => toXmltv(guides),
    publicGuides,
    hlsFolder: (stream) => outputs.hlsFolderOf(stream),
    asrun,
    outputs
  }
  ctx.services.provide(OUTPUTS, service)

  // A deleted channel's output settings and stream folders (library/channel-forget.ts); a sweep at start.
  const library = ctx.services.find(LIBRARY)
  if (library) {
    outputs.settings.forgetDeletedChannels(() => library.channelIds())
    ctx.onClose(
      library.onChannelDeleted(({ liveIds, deleted }) => {
        outputs.settings.forgetDeletedChannels(liveIds)
        const stream = deleted && streamNameFor(deleted)
        // Two names can make one stream name ("News!" and "News?"): a live channel's folders stay.
        if (stream && !library.listChannels().some((c) => streamNameFor(c) === stream))
          forgetStreamFolders(ctx.dataDir, stream)
      })
    )
  }

  const needAsrun = (): AsRunLog => {
    if (!asrun)
      throw new StudioError(
        'unavailable',
        'The as-run log lives in the library, which is not installed in this studio.'
      )
    return asrun
  }

  return {
    'outputs.status': () => {
      const s = snapshot()
      return { snapshot: s, health: healthOf(s) }
    },
    'outputs.settings.get': ({ channelId }) => {
      channelOf(channelId)
      return outputs.settings.get(channelId)
    },
    'outputs.settings.update': async ({ channelId, ...patch }) => {
      channelOf(channelId)
      const next = outputs.settings.update(
        channelId,
        Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined))
      )
      await outputs.reapply(channelId)
      return next
    },
    'outputs.asrun.list': (f) => ({ entries: needAsrun().list(f) as AsrunEntry[] }),
    'outputs.guide': ({ channelId, hours }) => guide(channelId, hours),
    'outputs.presets': ({ channelId }) => {
      const ch = channelOf(channelId)
      return {
        presets: (Object.keys(PRESETS) as PresetId[]).map((id) => ({
          id,
          label: PRESETS[id].label,
          needs: PRESETS[id].needs,
          problems: checkFormat(id, ch.format),
          unavailable: id === 'srt' && !ffmpegHasSrt() ? SRT_MISSING : null
        }))
      }
    }
  }
}
