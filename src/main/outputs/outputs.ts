import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { StudioError } from '../../shared/contract'
import { outputSettingsSchema, type OutputSettings } from '../../shared/contract/outputs'
import { CopyTap, hlsArgs, recordArgs } from './copy-tap'
import { RECORDING_FILE, finishRecordings } from './recording-files'
import type { OnAirLogger } from '../onair/redact-log'
import type { OutputSnapshot } from './snapshot'
import type { AirState } from '../onair/state'
import type { TeeOutputs } from '../onair/ffmpeg-args'

export const DEFAULT_OUTPUT_SETTINGS: OutputSettings = {
  hls: true,
  record: false,
  recordSegmentMinutes: 10,
  recordMaxGiB: 20,
  recordMaxAgeHours: 0
}

/** Segments of the HLS window; with 2 s segments a player starts ~6 s behind live. */
export const HLS_LIST_SIZE = 6
const PRUNE_PERIOD_MS = 30_000

export function hlsDir(dataDir: string, stream: string): string {
  return join(dataDir, hlsSubdir(stream))
}
/** The HLS folder relative to the data folder (the playout's working folder, see ffmpeg-args.ts playoutArgs). */
function hlsSubdir(stream: string): string {
  return `hls/${stream}`
}
export function recordingsDir(dataDir: string, stream: string): string {
  return join(dataDir, 'recordings', stream)
}

/**
 * A deleted channel's stream folders: its HLS window is removed, its recordings go
 * to a dated trash folder like its clips (a channel created later under the same
 * name, hence the same stream name, starts with neither).
 */
export function forgetStreamFolders(dataDir: string, stream: string): void {
  rmSync(hlsDir(dataDir, stream), { recursive: true, force: true })
  const rec = recordingsDir(dataDir, stream)
  if (!existsSync(rec)) return
  const dir = join(dataDir, 'trash', new Date().toISOString().replace(/[:.]/g, '-'))
  mkdirSync(dir, { recursive: true })
  renameSync(rec, join(dir, `recordings-${stream}`))
}

/** Per-channel settings in <dataDir>/onair/outputs.json, written atomically. */
export class OutputSettingsStore {
  private readonly file: string
  constructor(dataDir: string) {
    this.file = join(dataDir, 'onair', 'outputs.json')
  }

  private all(): Record<string, Partial<OutputSettings>> {
    if (!existsSync(this.file)) return {}
    try {
      const v = JSON.parse(readFileSync(this.file, 'utf8')) as unknown
      return v && typeof v === 'object' ? (v as Record<string, Partial<OutputSettings>>) : {}
    } catch {
      throw new StudioError('internal', `The output settings file ${this.file} is corrupt; fix or remove it.`)
    }
  }

  get(channelId: number): OutputSettings {
    const parsed = outputSettingsSchema.safeParse({ ...DEFAULT_OUTPUT_SETTINGS, ...this.all()[String(channelId)] })
    return parsed.success ? parsed.data : DEFAULT_OUTPUT_SETTINGS
  }

  /** Drops the settings of every channel not in `liveIds` (read after this file). */
  forgetDeletedChannels(liveIds: () => Set<number>): void {
    if (!existsSync(this.file)) return
    const all = this.all()
    const live = liveIds()
    const gone = Object.keys(all).filter((k) => !live.has(Number(k)))
    if (gone.length === 0) return
    for (const k of gone) delete all[k]
    this.write(all)
  }

  private write(all: Record<string, Partial<OutputSettings>>): void {
    mkdirSync(join(this.file, '..'), { recursive: true })
    const tmp = `${this.file}.${process.pid}.tmp`
    writeFileSync(tmp, JSON.stringify(all, null, 1))
    renameSync(tmp, this.file)
  }

  update(channelId: number, patch: Partial<OutputSettings>): OutputSettings {
    const next = outputSettingsSchema.parse({ ...this.get(channelId), ...patch })
    const all = this.all()
    all[String(channelId)] = next
    this.write(all)
    return next
  }
}

interface FileInfo {
  name: string
  path: string
  size: number
  mtimeMs: number
}

function listFiles(dir: string, pattern: RegExp): FileInfo[] {
  if (!existsSync(dir)) return []
  const out: FileInfo[] = []
  for (const name of readdirSync(dir)) {
    if (!pattern.test(name)) continue
    try {
      const st = statSync(join(dir, name))
      if (st.isFile()) out.push({ name, path: join(dir, name), size: st.size, mtimeMs: st.mtimeMs })
    } catch {
      /* removed meanwhile */
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name))
}

/**
 * Removes the oldest recordings first until the channel's folder is under its size
 * limit and nothing is older than the age limit. The newest file (being written)
 * is never removed. Returns the names removed.
 */
export function pruneRecordings(dir: string, maxBytes: number, maxAgeMs: number, now = Date.now()): string[] {
  const files = listFiles(dir, RECORDING_FILE)
  let total = files.reduce((s, f) => s + f.size, 0)
  const removed: string[] = []
  for (const f of files.slice(0, -1)) {
    const tooOld = maxAgeMs > 0 && now - f.mtimeMs > maxAgeMs
    if (total <= maxBytes && !tooOld) break
    rmSync(f.path, { force: true })
    total -= f.size
    removed.push(f.name)
  }
  return removed
}

interface ChannelTaps {
  channelId: number
  stream: string
  /** The local stream the copy taps read; '' until the channel is live. */
  flvUrl: string
  /** HLS written by the playout itself (its tee) in this Go Live; false once it failed or was turned off. */
  hlsTee: boolean
  /** HLS turned off while the playout's tee wrote it: its slave lives until it fails on the removed folder. */
  hlsRetiring: boolean
  /** The copy tap: HLS turned on mid-air, or the fallback after the tee's HLS failed. */
  hls: CopyTap | null
  rec: CopyTap | null
  prune: NodeJS.Timeout | null
}

export interface OutputsDeps {
  dataDir: string
  log: OnAirLogger
  onState: (channelId: number, output: 'hls' | 'recording', state: AirState, message?: string) => void
  /** What the channel's playout writes besides what airs from its next encoder run (OnAirEngine.setTeeOutputs). */
  setTee?: (channelId: number, tee: TeeOutputs) => void
}

/**
 * HLS and recording per channel on air.
 *
 * HLS on at Go Live is written by the playout's own ffmpeg (a tee slave beside what
 * airs, `onfail=ignore`: see ffmpeg-args.ts playoutArgs), so no second ffmpeg reads the
 * stream back through the local server. A tee's outputs are fixed while its ffmpeg runs,
 * and what airs is never restarted for an output, so:
 * - HLS turned on mid-air is written by a copy tap (an ffmpeg reading the local HTTP-FLV
 *   stream, tagged as a relay so it is not counted as a viewer) until the channel next
 *   goes live;
 * - HLS turned off mid-air stops being served and its folder is removed at once; the
 *   tee's slave then fails on the missing folder at its next segment and is dropped;
 * - a tee slave that fails (a full disk, an unwritable folder) stays dropped for the
 *   rest of that encoder run, with no retry: the copy tap takes over, with its backoff,
 *   for the rest of this Go Live (later encoder runs are told to leave HLS out, so never
 *   two writers in one window).
 * Recording is always a copy tap: turning it off must end the file being written at
 * once, which a tee slave can't do without restarting what airs.
 */
export class ChannelOutputs {
  private readonly channels = new Map<number, ChannelTaps>()
  readonly settings: OutputSettingsStore

  constructor(private readonly deps: OutputsDeps) {
    this.settings = new OutputSettingsStore(deps.dataDir)
  }

  /**
   * The channel is about to go live: a new HLS window (segments of an earlier run are
   * stale), written by its playout when HLS is on. Returns what the playout writes.
   */
  plan(channelId: number, stream: string): TeeOutputs {
    const old = this.channels.get(channelId)
    if (old) void this.detach(channelId)
    const dir = hlsDir(this.deps.dataDir, stream)
    rmSync(dir, { recursive: true, force: true })
    const hls = this.settings.get(channelId).hls
    const c: ChannelTaps = {
      channelId,
      stream,
      flvUrl: '',
      hlsTee: hls,
      hlsRetiring: false,
      hls: null,
      rec: null,
      prune: null
    }
    this.channels.set(channelId, c)
    if (!hls) return {}
    mkdirSync(dir, { recursive: true })
    return { hls: { dir: hlsSubdir(stream), listSize: HLS_LIST_SIZE } }
  }

  /** An encoder run of the channel's playout started, writing `tee` besides what airs. */
  async encoderStarted(channelId: number, tee: TeeOutputs): Promise<void> {
    const c = this.channels.get(channelId)
    if (!c) return
    // A new run: the last run's slaves are gone with it.
    c.hlsRetiring = false
    c.hlsTee = !!tee.hls
    if (c.hlsTee) {
      // Told to leave HLS out too late for this run (a failure or a switch at its start): one writer only.
      if (c.hls) {
        const tap = c.hls
        c.hls = null
        await tap.stop()
      }
      this.deps.onState(channelId, 'hls', 'live')
    }
    await this.apply(c)
  }

  /** A tee output of the channel's playout failed and was dropped (what airs went on). */
  async teeFailed(channelId: number, output: keyof TeeOutputs, message: string): Promise<void> {
    const c = this.channels.get(channelId)
    if (!c || output !== 'hls') return
    const retiring = c.hlsRetiring
    c.hlsTee = false
    c.hlsRetiring = false
    if (!retiring) {
      this.deps.log('warn', `[hls ${c.stream}] the playout's HLS output failed (${message}); a copy tap takes over`)
      this.deps.onState(channelId, 'hls', 'reconnecting', message)
      this.deps.setTee?.(channelId, {})
    }
    await this.apply(c)
  }

  /** The channel went live (or its settings changed): start what its settings ask for. */
  async attach(channelId: number, stream: string, flvUrl: string): Promise<void> {
    let c = this.channels.get(channelId)
    if (c && (c.stream !== stream || (c.flvUrl !== '' && c.flvUrl !== flvUrl))) {
      await this.detach(channelId)
      c = undefined
    }
    if (!c) {
      c = { channelId, stream, flvUrl, hlsTee: false, hlsRetiring: false, hls: null, rec: null, prune: null }
      this.channels.set(channelId, c)
      // A new Go Live starts a new HLS window: segments of an earlier run are stale.
      rmSync(hlsDir(this.deps.dataDir, stream), { recursive: true, force: true })
    }
    c.flvUrl = flvUrl
    await this.apply(c)
  }

  private tapUrl(c: ChannelTaps, what: string): string {
    return `${c.flvUrl}${c.flvUrl.includes('?') ? '&' : '?'}relay=${what}`
  }

  private async apply(c: ChannelTaps): Promise<void> {
    const s = this.settings.get(c.channelId)
    if (!s.hls && c.hlsTee) {
      // Off at once for viewers; the tee's slave fails on the missing folder at its next segment.
      c.hlsTee = false
      c.hlsRetiring = true
      this.deps.setTee?.(c.channelId, {})
      rmSync(hlsDir(this.deps.dataDir, c.stream), { recursive: true, force: true })
      this.deps.onState(c.channelId, 'hls', 'offline')
    }
    // The playout writes it, or its retiring slave still might: no copy tap meanwhile.
    const tapHls = s.hls && !c.hlsTee && !c.hlsRetiring && c.flvUrl !== ''
    if (tapHls && !c.hls) {
      const dir = hlsDir(this.deps.dataDir, c.stream)
      c.hls = new CopyTap({
        name: `hls ${c.stream}`,
        args: () => hlsArgs(this.tapUrl(c, 'hls'), '.', { listSize: HLS_LIST_SIZE }),
        cwd: dir,
        prepare: () => mkdirSync(dir, { recursive: true }),
        log: this.deps.log,
        onState: (ch) => this.deps.onState(c.channelId, 'hls', ch.to, ch.message)
      })
      c.hls.start()
    } else if (!s.hls && c.hls) {
      const tap = c.hls
      c.hls = null
      await tap.stop()
      rmSync(hlsDir(this.deps.dataDir, c.stream), { recursive: true, force: true })
    }
    const dir = recordingsDir(this.deps.dataDir, c.stream)
    if (s.record && !c.rec && c.flvUrl !== '') {
      // What an earlier run of this channel left unfinished (a crash, a kill) goes first.
      await this.finish(c.stream)
      if (c.rec || this.channels.get(c.channelId) !== c) return
      c.rec = new CopyTap({
        name: `recording ${c.stream}`,
        args: () =>
          recordArgs(this.tapUrl(c, 'recording'), '.', this.settings.get(c.channelId).recordSegmentMinutes * 60),
        cwd: dir,
        prepare: () => mkdirSync(dir, { recursive: true }),
        afterExit: () => this.finish(c.stream),
        log: this.deps.log,
        onState: (ch) => this.deps.onState(c.channelId, 'recording', ch.to, ch.message)
      })
      c.rec.start()
      c.prune = setInterval(() => this.prune(c), PRUNE_PERIOD_MS)
      c.prune.unref()
    } else if (!s.record && c.rec) {
      const tap = c.rec
      c.rec = null
      if (c.prune) clearInterval(c.prune)
      c.prune = null
      await tap.stop()
    }
    if (c.rec) this.prune(c)
  }

  /** Removes the empty or undecodable file a stop, crash or restart of the recorder left. */
  private async finish(stream: string): Promise<void> {
    const removed = await finishRecordings(recordingsDir(this.deps.dataDir, stream))
    if (removed.length)
      this.deps.log(
        'info',
        `[recording ${stream}] removed unfinished file(s) ${removed.join(', ')} (nothing decodable)`
      )
  }

  prune(c: { channelId: number; stream: string }): string[] {
    const s = this.settings.get(c.channelId)
    try {
      const removed = pruneRecordings(
        recordingsDir(this.deps.dataDir, c.stream),
        s.recordMaxGiB * 1024 ** 3,
        s.recordMaxAgeHours * 3600_000
      )
      if (removed.length)
        this.deps.log('info', `[recording ${c.stream}] removed ${removed.length} old file(s) to stay within the limits`)
      return removed
    } catch (err) {
      this.deps.log(
        'warn',
        `[recording ${c.stream}] pruning failed: ${err instanceof Error ? err.message : String(err)}`
      )
      return []
    }
  }

  /** Settings changed: apply them to the channel if it is on air. */
  async reapply(channelId: number): Promise<void> {
    const c = this.channels.get(channelId)
    if (c) await this.apply(c)
  }

  async detach(channelId: number): Promise<void> {
    const c = this.channels.get(channelId)
    if (!c) return
    this.channels.delete(channelId)
    if (c.prune) clearInterval(c.prune)
    await Promise.all([c.hls?.stop(), c.rec?.stop()])
    if (c.rec) this.prune(c)
  }

  /** The stream's HLS folder while the channel airs HLS; undefined otherwise. */
  hlsFolderOf(stream: string): string | undefined {
    for (const c of this.channels.values())
      if (c.stream === stream && (c.hls || c.hlsTee)) return hlsDir(this.deps.dataDir, stream)
    return undefined
  }

  observe(channelId: number): { hls: OutputSnapshot | null; recording: OutputSnapshot | null; pids: number[] } {
    const c = this.channels.get(channelId)
    if (!c) return { hls: null, recording: null, pids: [] }
    const sum = (files: FileInfo[]) => files.reduce((s, f) => s + f.size, 0)
    const hlsOn = c.hls !== null || c.hlsTee
    const hlsFiles = hlsOn ? listFiles(hlsDir(this.deps.dataDir, c.stream), /^seg-\d+\.ts$/) : []
    const recFiles = c.rec ? listFiles(recordingsDir(this.deps.dataDir, c.stream), RECORDING_FILE) : []
    return {
      hls: hlsOn
        ? {
            // Written by the playout: live once its first segment is out.
            state: c.hls ? c.hls.state.state : hlsFiles.length ? 'live' : 'starting',
            files: hlsFiles.length,
            bytes: sum(hlsFiles)
          }
        : null,
      recording: c.rec ? { state: c.rec.state.state, files: recFiles.length, bytes: sum(recFiles) } : null,
      pids: [c.hls?.pid, c.rec?.pid].filter((p): p is number => p !== undefined)
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.channels.keys()].map((id) => this.detach(id)))
  }
}
