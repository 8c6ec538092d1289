import type { CliCommand } from './command'
import { UsageError, intOpt, stringOpt } from './command'
import { callCore, openCore } from './open-core'
import { readBeacons } from '../outputs/beacon'
import type { StudioSnapshot } from '../outputs/snapshot'
import { healthOf, type Health } from '../outputs/health'
import { asrunCsvLines } from '../outputs/asrun'
import { isBrokenPipe, writeParts, writePartsToFile } from './stream-out'
import { OUTPUTS } from '../services'
import { StudioError } from '../../shared/contract'

/** Exit code of `webtv status` when the studio is failing (what a supervisor would restart). */
export const STATUS_FAILING_EXIT = 3

function bytes(n: number): string {
  if (n < 1024) return `${n} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let v = n / 1024
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${v.toFixed(1)} ${units[i]}`
}

export function duration(s: number): string {
  const t = Math.max(0, Math.round(s))
  const h = Math.floor(t / 3600)
  const m = Math.floor((t % 3600) / 60)
  const sec = t % 60
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`
}

/**
 * This process's view (library: channels, jobs, backlog) with the on-air state of
 * whichever processes air channels on this data folder (their status beacons).
 */
export function mergeSnapshots(
  local: StudioSnapshot,
  remote: Array<{ pid: number; snapshot: StudioSnapshot; stale: boolean }>
): { snapshot: StudioSnapshot; notes: string[] } {
  const notes: string[] = []
  const channels = new Map(local.channels.map((c) => [c.id, c]))
  for (const r of remote) {
    if (r.stale)
      notes.push(
        `process ${r.pid} has not reported for ${duration((Date.now() - r.snapshot.at) / 1000)} (hung or suspended?)`
      )
    for (const c of r.snapshot.channels) if (c.state !== 'offline') channels.set(c.id, c)
  }
  return { snapshot: { ...local, channels: [...channels.values()].sort((a, b) => a.id - b.id) }, notes }
}

export function formatStatus(s: StudioSnapshot, h: Health, notes: string[]): string[] {
  const out: string[] = []
  out.push(
    `WebTV Studio ${s.version} — ${h.status.toUpperCase()}${h.problems.length ? `: ${h.problems.join('; ')}` : ''}`
  )
  for (const n of notes) out.push(`  note: ${n}`)
  if (s.channels.length === 0) out.push('No channels yet (webtv channel create NAME).')
  for (const c of s.channels) {
    if (c.state === 'offline') {
      out.push(`${c.name}: off air`)
      continue
    }
    const parts = [
      `${c.name}: ${c.state.toUpperCase()}`,
      `up ${duration(c.uptimeS)}`,
      `${c.kbps} kbit/s`,
      `speed ${c.speed.toFixed(2)}x`,
      `${c.viewers} viewer${c.viewers === 1 ? '' : 's'}`,
      c.runwayS !== null ? `runway ${duration(c.runwayS)}` : '',
      c.restarts ? `${c.restarts} encoder restart${c.restarts === 1 ? '' : 's'}` : ''
    ].filter(Boolean)
    out.push(parts.join('  '))
    if (c.now) out.push(`  now: ${c.now}`)
    for (const d of c.destinations) {
      out.push(
        `  → ${d.name} (${d.kind}): ${d.state.toUpperCase()}  ${d.kbps} kbit/s  ${bytes(d.bytes)} sent  ${d.reconnects} reconnect${d.reconnects === 1 ? '' : 's'}`
      )
    }
    if (c.hls) out.push(`  HLS: ${c.hls.state}, ${c.hls.files} segments`)
    if (c.recording)
      out.push(`  recording: ${c.recording.state}, ${c.recording.files} files, ${bytes(c.recording.bytes)}`)
  }
  const jobs = Object.entries(s.jobs)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
  out.push(`Jobs: ${jobs.length ? jobs.join(', ') : 'none'}   Conform backlog: ${s.conformBacklog}`)
  return out
}

const statusUsage = 'webtv status [--data-dir DIR] [--json]'

/** `webtv status`: the state of every channel, destination and job, for people (or --json). */
export const statusCommand: CliCommand = {
  name: 'status',
  summary: 'Show every channel, destination, output and job of this data folder (exit 3 when failing)',
  usage: statusUsage,
  async run(ctx) {
    const core = await openCore(ctx.global.dataDir)
    try {
      const { snapshot: local } = await callCore(core, 'outputs.status', {})
      const { snapshot, notes } = mergeSnapshots(
        local as StudioSnapshot,
        readBeacons(core.dataDir).filter((b) => b.pid !== process.pid)
      )
      const health = healthOf(snapshot)
      if (ctx.global.json) ctx.io.out(JSON.stringify({ health, snapshot, notes }))
      else for (const line of formatStatus(snapshot, health, notes)) ctx.io.out(line)
      return health.status === 'failing' ? STATUS_FAILING_EXIT : 0
    } finally {
      await core.close()
    }
  }
}

const asrunUsage =
  'webtv asrun [--channel NAME] [--since ISO_TIME|--hours N] [--until ISO_TIME] [--limit N] [--output FILE.csv] [--json] [--data-dir DIR]'

function parseTime(v: string, flag: string): number {
  const t = Date.parse(v)
  if (!Number.isFinite(t))
    throw new UsageError(`--${flag} must be a date/time like 2026-12-01T18:00:00Z, got "${v}".\nUsage: ${asrunUsage}`)
  return t
}

/** `webtv asrun`: the as-run log as CSV (default) or JSON lines. */
export const asrunCommand: CliCommand = {
  name: 'asrun',
  summary: 'Export the as-run log (every clip aired, start/end time, destinations) as CSV',
  usage: asrunUsage,
  options: {
    channel: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    hours: { type: 'string' },
    limit: { type: 'string' },
    output: { type: 'string' }
  },
  async run(ctx) {
    const name = stringOpt(ctx, 'channel')
    const sinceOpt = stringOpt(ctx, 'since')
    const hours = stringOpt(ctx, 'hours') === undefined ? undefined : intOpt(ctx, 'hours', 24)
    if (hours !== undefined && hours <= 0) throw new UsageError(`--hours must be 1 or more.\nUsage: ${asrunUsage}`)
    if (sinceOpt !== undefined && hours !== undefined)
      throw new UsageError(`Give --since or --hours, not both.\nUsage: ${asrunUsage}`)
    const from =
      sinceOpt !== undefined
        ? parseTime(sinceOpt, 'since')
        : hours !== undefined
          ? Date.now() - hours * 3600_000
          : undefined
    const untilOpt = stringOpt(ctx, 'until')
    const to = untilOpt !== undefined ? parseTime(untilOpt, 'until') : undefined
    const limit = stringOpt(ctx, 'limit') === undefined ? undefined : intOpt(ctx, 'limit', 1)
    if (limit !== undefined && limit < 1) throw new UsageError(`--limit must be 1 or more.\nUsage: ${asrunUsage}`)
    const output = stringOpt(ctx, 'output')
    const core = await openCore(ctx.global.dataDir)
    try {
      const channelId = name !== undefined ? (await callCore(core, 'library.channels.get', { name })).id : undefined
      const log = core.services.find(OUTPUTS)?.asrun
      if (!log) throw new StudioError('unavailable', 'The as-run log is not available in this studio (no library).')
      // Streamed page by page (oldest first) and written as the output drains: a log of
      // any length exports in the memory of one page.
      let count = 0
      const entries = (function* () {
        for (const e of log.export({ channelId, from, to, limit })) {
          count++
          yield e
        }
      })()
      const lines = ctx.global.json
        ? (function* () {
            for (const e of entries) yield JSON.stringify(e) + '\n'
          })()
        : asrunCsvLines(entries)
      if (output) {
        await writePartsToFile(lines, output, ctx.stopSignal)
        ctx.io.err(`Wrote ${count} entr${count === 1 ? 'y' : 'ies'} to ${output}`)
      } else {
        try {
          await writeParts(lines, ctx.io.stdout ?? process.stdout, { end: false, signal: ctx.stopSignal })
        } catch (err) {
          if (!isBrokenPipe(err)) throw err
        }
      }
      return 0
    } finally {
      await core.close()
    }
  }
}

export const statusCommands: CliCommand[] = [statusCommand, asrunCommand]
