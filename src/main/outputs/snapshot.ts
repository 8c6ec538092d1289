import type { Library } from '../library/library'
import { readFileSync } from 'node:fs'
import type { AirStateDto } from '../../shared/contract/onair'
import type { ChannelObservation } from '../onair/engine'
import type { GateService } from '../checks/service'

/**
 * One read of everything an operator (or their monitoring) wants to know about the
 * studio: channels and their destinations, runway, jobs, conform backlog, the
 * process itself. Metrics (Prometheus text), /health and `webtv status` are three
 * renderings of this. It never holds a URL, a key or a token — only names, states
 * and numbers — so no rendering can leak one.
 */
export interface StudioSnapshot {
  at: number
  version: string
  pid: number
  startedAt: number
  process: { cpuSeconds: number; rssBytes: number; heapUsedBytes: number }
  server: { running: boolean; rtmpPort: number; httpPort: number }
  channels: ChannelSnapshot[]
  /** Generation jobs by state (queued, running, done, failed, …). */
  jobs: Record<string, number>
  /** Shots waiting for (or in) a conform: imports and re-conforms after a format change. */
  conformBacklog: number
}

export interface DestinationSnapshot {
  id: string
  name: string
  kind: string
  state: AirStateDto
  kbps: number
  bytes: number
  reconnects: number
  uptimeS: number
}

export interface OutputSnapshot {
  state: AirStateDto
  /** HLS: segments in the playlist; recording: files kept. */
  files: number
  bytes: number
}

export interface ChannelSnapshot {
  id: number
  name: string
  stream: string | null
  state: AirStateDto
  since: number | null
  uptimeS: number
  kbps: number
  speed: number
  droppedFrames: number
  restarts: number
  viewers: number
  runwayS: number | null
  now: string | null
  /** CPU time of the channel's ffmpeg processes (playout + relays + HLS/recording), Linux only. */
  ffmpegCpuSeconds: number | null
  destinations: DestinationSnapshot[]
  hls: OutputSnapshot | null
  recording: OutputSnapshot | null
  /** The quality gate's counts for the channel (absent: no gate in this core). */
  gate?: GateSnapshot | undefined
}

export interface GateSnapshot {
  enabled: boolean
  /** Gate events by kind since the library began (checked, failed, regenerated, held, chosen). */
  byKind: Record<string, number>
  /** Failed takes per deciding check. */
  failedBy: Record<string, number>
  /** Regenerations the channel may still ask for this hour. */
  budgetLeft: number
}

/** What the snapshot reads; each part is optional so a core without a feature still answers. */
export interface SnapshotSources {
  version: string
  startedAt: number
  onair?:
    | {
        observe(): ChannelObservation[]
        runwaySeconds(channelId: number): number | undefined
        serverInfo(): { running: boolean; rtmpPort: number; httpPort: number }
        redactor: { text(s: string): string }
      }
    | undefined
  library?: Pick<Library, 'channelNames' | 'pendingConformCount'> | undefined
  /** Job counts by state (the generation feature). */
  generation?: { jobCounts(): Record<string, number> } | undefined
  /** HLS and recording per channel (the outputs feature). */
  outputs?:
    | { observe(channelId: number): { hls: OutputSnapshot | null; recording: OutputSnapshot | null; pids: number[] } }
    | undefined
  /** The quality gate's counts and budgets (the checks feature). */
  gate?: GateService | undefined
}

const CLOCK_TICKS = 100

/** utime + stime of a process in seconds, from /proc (Linux); null elsewhere or when it is gone. */
export function processCpuSeconds(pid: number | undefined): number | null {
  if (!pid) return null
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS
  } catch {
    return null
  }
}

function sumCpu(pids: Array<number | undefined>): number | null {
  let total: number | null = null
  for (const p of pids) {
    const s = processCpuSeconds(p)
    if (s !== null) total = (total ?? 0) + s
  }
  return total
}

export function collectSnapshot(src: SnapshotSources): StudioSnapshot {
  const cpu = process.cpuUsage()
  const mem = process.memoryUsage()
  const observed = src.onair?.observe() ?? []
  const clean = (s: string): string => src.onair?.redactor.text(s) ?? s
  const byId = new Map(observed.map((o) => [o.channelId, o]))
  const known = new Map<number, string>()
  let jobs: Record<string, number> = {}
  let conformBacklog = 0
  if (src.library) {
    for (const r of src.library.channelNames()) known.set(r.id, r.name)
    conformBacklog = src.library.pendingConformCount()
  }
  if (src.generation) jobs = src.generation.jobCounts()
  for (const o of observed) known.set(o.channelId, o.name)
  const channels: ChannelSnapshot[] = [...known.entries()].map(([id, name]) => {
    const o = byId.get(id)
    const out = src.outputs?.observe(id) ?? { hls: null, recording: null, pids: [] }
    if (!o) {
      return {
        id,
        name: clean(name),
        stream: null,
        state: 'offline',
        since: null,
        uptimeS: 0,
        kbps: 0,
        speed: 0,
        droppedFrames: 0,
        restarts: 0,
        viewers: 0,
        runwayS: null,
        now: null,
        ffmpegCpuSeconds: null,
        destinations: [],
        hls: out.hls,
        recording: out.recording
      }
    }
    let runway: number | undefined
    try {
      runway = src.onair?.runwaySeconds(id)
    } catch {
      runway = undefined
    }
    return {
      id,
      name: clean(o.name),
      stream: o.stream,
      state: o.state,
      since: o.since,
      uptimeS: o.stats.uptimeS,
      kbps: o.stats.kbps,
      speed: o.stats.speed,
      droppedFrames: o.stats.droppedFrames,
      restarts: o.stats.restarts,
      viewers: o.viewers,
      runwayS: runway ?? null,
      now: o.now ? clean(o.now.slate ? 'Standby' : o.now.label) : null,
      ffmpegCpuSeconds: sumCpu([o.encoderPid, ...o.destinations.map((d) => d.pid), ...out.pids]),
      destinations: o.destinations.map((d) => ({
        id: d.id,
        name: clean(d.name),
        kind: d.kind,
        state: d.state,
        kbps: d.kbps,
        bytes: d.bytes,
        reconnects: d.reconnects,
        uptimeS: d.uptimeS
      })),
      hls: out.hls,
      recording: out.recording
    }
  })
  if (src.gate) {
    const totals = src.gate.totals()
    for (const c of channels) {
      const t = totals.get(c.id) ?? { byKind: {}, failedBy: {} }
      c.gate = { ...src.gate.channel(c.id), ...t }
    }
  }
  return {
    at: Date.now(),
    version: src.version,
    pid: process.pid,
    startedAt: src.startedAt,
    process: { cpuSeconds: (cpu.user + cpu.system) / 1e6, rssBytes: mem.rss, heapUsedBytes: mem.heapUsed },
    server: src.onair?.serverInfo() ?? { running: false, rtmpPort: 0, httpPort: 0 },
    channels,
    jobs,
    conformBacklog
  }
}
