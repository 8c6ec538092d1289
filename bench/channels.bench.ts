/**
 * Channels one studio airs at 1.00× (issue 22 item 5; run by bench/run.ts, or alone:
 * npx tsx bench/channels.bench.ts after `npm run build`).
 *
 * One `webtv serve` (the built studio, one Node process with its media plane in a
 * worker thread, one playout ffmpeg per channel) puts N channels on air through its
 * own HTTP API, N ramping up; every channel is watched by a light HTTP-FLV viewer in
 * this process (flv-sampler.ts), which fits each channel's media time against the
 * wall clock over the window. Per step it prints the whole studio tree's CPU-s per
 * second of air, per channel, Node's share against ffmpeg's, the slowest channel's
 * speed, the longest wait between two pictures, the viewers' own CPU (this process,
 * not counted in the studio's), and the machine's load (it is shared). The ramp
 * stops at the first step where a channel falls under 0.99× or its viewer waits over 2 s
 * for a picture; the largest N that kept every channel so is the result (goal ≥ 100
 * with HLS off).
 *
 * Baseline in the same run: the way to air many channels before one studio could —
 * one `webtv air` process per channel — for a few channels, on the same clips, its
 * CPU per channel against the studio's.
 *
 * The clips have the detail of real footage (footage.ts), conformed to the house
 * format by the studio's own import; every channel airs the same three clips
 * (conformed once, by content hash) in a different order.
 *
 * Settings (environment):
 *   WEBTV_BENCH_CHANNELS       the ramp, channel counts (default "10,25,50,75,100")
 *   WEBTV_BENCH_CHANNELS_HLS   "off", "on" or "off,on" (default "off,on"): one ramp per mode
 *   WEBTV_BENCH_CHANNELS_S     seconds measured per step (default 30; 600 = the issue's 10 minutes)
 *   WEBTV_BENCH_CHANNELS_WARM_S seconds after the last channel of a step went live before measuring (default 10)
 *   WEBTV_BENCH_CHANNELS_BASE  channels in the one-process-per-channel baseline (default 4; 0 skips it)
 *   WEBTV_BENCH_CHANNELS_PROF  a folder: the studio runs with --cpu-prof (main thread and media worker) into it
 *   WEBTV_BENCH_CHANNELS_LIBRARY a data folder to keep the prepared channels in and reuse next time
 *   WEBTV_BENCH_WEBTV          another build's bin/webtv.js (e.g. an older commit's, built): measured first on the
 *                              same library and ramp, and each step's CPU per channel printed against it
 *   (with WEBTV_BENCH_CHANNELS_PROF, the profiles go to <folder>/other and <folder>/this)
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { callCore, openCore } from '../src/main/cli/open-core'
import { freePort } from '../test/fixtures/rtmp'
import { tempDir } from '../test/helpers/tmp'
import { makeFootage } from './footage'
import { sampleFlv, paceOf, type FlvSampler } from './flv-sampler'
import { loadAverage, machineCpu, snapshot, threadCpu, threadSplit, usedSince, type TreeUse } from './tree-cpu'

const repoRoot = join(__dirname, '..')
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
const CLIP_S = [5, 6, 7]
const MIN_SPEED = 0.99
/**
 * A fitted speed hides a stall the encoder then caught up on (-re reads ahead to its
 * schedule): a channel whose viewer waited longer than this for a picture did not hold.
 */
const MAX_WAIT_S = 2

function envList(name: string, def: string): string[] {
  return (process.env[name] ?? def)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
}

function envNumber(name: string, def: number, min: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return def
  const n = Number(raw)
  if (!(n >= min)) throw new Error(`${name} must be a number ≥ ${min}, not "${raw}"`)
  return n
}

/** The ramp: positive channel counts, ascending. */
function ramp(): number[] {
  const steps = envList('WEBTV_BENCH_CHANNELS', '10,25,50,75,100').map(Number)
  if (steps.some((n) => !Number.isInteger(n) || n < 1))
    throw new Error(
      `WEBTV_BENCH_CHANNELS must be channel counts like "10,25,50", not "${process.env.WEBTV_BENCH_CHANNELS}"`
    )
  return [...new Set(steps)].sort((a, b) => a - b)
}

function hlsModes(): boolean[] {
  const modes = envList('WEBTV_BENCH_CHANNELS_HLS', 'off,on')
  for (const m of modes)
    if (m !== 'off' && m !== 'on') throw new Error(`WEBTV_BENCH_CHANNELS_HLS takes "off", "on" or "off,on", not "${m}"`)
  return modes.map((m) => m === 'on')
}

/** A long-running `webtv` command, resolved once its output matches `ready`. */
async function startWebtv(
  bin: string,
  args: string[],
  ready: RegExp,
  nodeArgs: string[] = []
): Promise<{ child: ChildProcess; out: string }> {
  const child = spawn(process.execPath, [...nodeArgs, bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`webtv ${args[0]} was not ready after 60 s:\n${out}`)), 60_000)
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      if (ready.test(out)) {
        clearTimeout(t)
        resolve()
      }
    })
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
    child.once('exit', (code) => {
      clearTimeout(t)
      reject(new Error(`webtv ${args[0]} exited (${code}) before it was ready:\n${out}`))
    })
  })
  child.stdout!.resume()
  child.stderr!.resume()
  return { child, out }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  child.kill('SIGINT')
  const t = setTimeout(() => child.kill('SIGKILL'), 30_000)
  await exited
  clearTimeout(t)
}

/** The studio's HTTP API, as its UI calls it. */
function api(baseUrl: string, token: string) {
  return async <T>(name: string, input: unknown): Promise<T> => {
    const res = await fetch(`${baseUrl}/api/call/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(input)
    })
    const body = (await res.json()) as { ok: boolean; value: T; error?: { message: string } }
    if (!body.ok) throw new Error(`${name}: ${body.error?.message ?? res.status}`)
    return body.value
  }
}

/** Runs `fn` over `items`, `width` at a time. */
async function inBatches<T>(items: T[], width: number, fn: (x: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(fn))
}

interface StepResult {
  channels: number
  cpu: TreeUse
  /** The studio's Node by thread, CPU-s/s. */
  threads: { main: number; busiest: number; rest: number }
  viewerCpuS: number
  minSpeed: number
  slowest: number
  underSpeed: number
  longestWaitS: number
  load: number
  machineBusy: number
}

const f3 = (x: number): string => x.toFixed(3)
const f4 = (x: number): string => x.toFixed(4)

function share(cpu: TreeUse, name: string): number {
  return (cpu.byName.get(name) ?? 0) / cpu.seconds
}

/** Measures every channel on air for `seconds`: the studio tree's CPU, each viewer's pace, the machine's load. */
async function measure(root: number, viewers: FlvSampler[], seconds: number): Promise<Omit<StepResult, 'channels'>> {
  const from = snapshot(root)
  const threadsFrom = threadCpu(root)
  const machineFrom = machineCpu()
  const viewerFrom = process.cpuUsage()
  await sleep(seconds * 1000)
  const cpu = usedSince(root, from)
  const split = threadSplit(root, threadsFrom)
  const viewerUse = process.cpuUsage(viewerFrom)
  const machineTo = machineCpu()
  const to = Date.now()
  const paces = viewers.map((v) => paceOf(v.samples, from.at, to))
  let slowest = 0
  paces.forEach((p, i) => {
    if (p.speed < paces[slowest]!.speed) slowest = i
  })
  return {
    cpu,
    threads: { main: split.main / cpu.seconds, busiest: split.busiest / cpu.seconds, rest: split.rest / cpu.seconds },
    viewerCpuS: (viewerUse.user + viewerUse.system) / 1e6 / cpu.seconds,
    minSpeed: paces[slowest]?.speed ?? 0,
    slowest,
    underSpeed: paces.filter((p) => p.speed < MIN_SPEED || p.longestWaitS > MAX_WAIT_S).length,
    longestWaitS: Math.max(0, ...paces.map((p) => p.longestWaitS)),
    load: loadAverage(),
    machineBusy: (machineTo.busy - machineFrom.busy) / (machineTo.total - machineFrom.total || 1)
  }
}

function report(label: string, r: StepResult): void {
  const perS = r.cpu.total / r.cpu.seconds
  console.log(
    `[channels] ${label} ${r.channels} on air: studio tree ${f3(perS)} CPU-s/s = ${f4(perS / r.channels)} per channel ` +
      `(Node ${f4(share(r.cpu, 'node') / r.channels)}, ffmpeg ${f4(share(r.cpu, 'ffmpeg') / r.channels)}; ` +
      `Node's threads in all: main ${f3(r.threads.main)}, media worker ${f3(r.threads.busiest)}, others ${f3(r.threads.rest)} CPU-s/s); ` +
      `slowest channel ${f3(r.minSpeed)}× (#${r.slowest + 1}), ${r.underSpeed} under ${MIN_SPEED}× or stalled over ${MAX_WAIT_S} s, longest wait between pictures ${r.longestWaitS.toFixed(2)} s; ` +
      `viewers ${f3(r.viewerCpuS)} CPU-s/s (this process); machine ${(r.machineBusy * 100).toFixed(0)} % busy of its cores, load ${r.load.toFixed(2)}`
  )
}

/** Starts channels 1..n (those not on air yet) and a viewer on each. */
async function goLive(
  call: ReturnType<typeof api>,
  channelIds: number[],
  viewers: Map<number, FlvSampler>,
  hls: boolean
): Promise<void> {
  await inBatches(
    channelIds.filter((id) => !viewers.has(id)),
    8,
    async (id) => {
      await call('outputs.settings.update', { channelId: id, hls, record: false })
      const st = await call<{ flvUrl: string | null; state: string }>('onair.start', { channelId: id })
      if (!st.flvUrl) throw new Error(`channel ${id} went on air without an HTTP-FLV URL (state ${st.state})`)
      viewers.set(id, sampleFlv(st.flvUrl))
    }
  )
}

async function offAir(call: ReturnType<typeof api>, viewers: Map<number, FlvSampler>): Promise<void> {
  for (const v of viewers.values()) v.close()
  await inBatches([...viewers.keys()], 16, async (id) => {
    await call('onair.stop', { channelId: id })
  })
  viewers.clear()
}

/** One ramp in one studio: steps until a channel falls under MIN_SPEED or stalls. Returns the largest N that held. */
async function rampStudio(
  studio: { pid: number; call: ReturnType<typeof api> },
  channelIds: number[],
  hls: boolean,
  windowS: number,
  warmS: number
): Promise<{ held: number; results: StepResult[] }> {
  const viewers = new Map<number, FlvSampler>()
  const results: StepResult[] = []
  let held = 0
  try {
    for (const n of ramp()) {
      await goLive(studio.call, channelIds.slice(0, n), viewers, hls)
      await sleep(warmS * 1000)
      const r = { channels: n, ...(await measure(studio.pid, [...viewers.values()], windowS)) }
      results.push(r)
      report(`HLS ${hls ? 'on ' : 'off'}`, r)
      if (r.underSpeed > 0) break
      held = n
    }
  } finally {
    await offAir(studio.call, viewers)
  }
  return { held, results }
}

/** The baseline: one `webtv air` process per channel, each its own Node, media worker and playout. */
async function perProcessBaseline(
  bin: string,
  dataDir: string,
  channelIds: number[],
  windowS: number,
  warmS: number
): Promise<{ perChannel: number; node: number; ffmpeg: number; minSpeed: number } | null> {
  if (channelIds.length === 0) return null
  const airs: ChildProcess[] = []
  const viewers: FlvSampler[] = []
  try {
    // The channels were created as "Bench 1", "Bench 2", … in channelIds' order.
    for (const k of channelIds.keys()) {
      const { child, out } = await startWebtv(
        bin,
        [
          'air',
          '--channel',
          `Bench ${k + 1}`,
          '--rtmp-port',
          String(await freePort()),
          '--flv-port',
          String(await freePort()),
          '--data-dir',
          dataDir
        ],
        /On air[\s\S]*HTTP-FLV: +\S+\n/
      )
      airs.push(child)
      viewers.push(sampleFlv(/HTTP-FLV: +(\S+)/.exec(out)![1]!))
    }
    await sleep(warmS * 1000)
    const from = airs.map((a) => snapshot(a.pid!))
    const t0 = Date.now()
    await sleep(windowS * 1000)
    const uses = airs.map((a, k) => usedSince(a.pid!, from[k]!))
    const t1 = Date.now()
    const sum = (name?: string): number =>
      uses.reduce((a, u) => a + (name ? (u.byName.get(name) ?? 0) : u.total) / u.seconds, 0) / channelIds.length
    const minSpeed = Math.min(...viewers.map((v) => paceOf(v.samples, t0, t1).speed))
    return { perChannel: sum(), node: sum('node'), ffmpeg: sum('ffmpeg'), minSpeed }
  } finally {
    for (const v of viewers) v.close()
    await Promise.all(airs.map((a) => stop(a).catch(() => {})))
  }
}

/**
 * The library: `most` channels in the house format ("Bench 1", "Bench 2", …), each with the
 * same three detailed clips (conformed once by the first import; the rest reuse the media by
 * content hash) in its own order. A folder kept from an earlier run (WEBTV_BENCH_CHANNELS_LIBRARY)
 * is topped up, not made again. Every channel's HLS is set to `hls` (the baseline reads it).
 */
async function library(dataDir: string, scratch: string, most: number, hls: boolean): Promise<number[]> {
  const core = await openCore(dataDir)
  try {
    const channelIds = (await callCore(core, 'library.channels.list', {})).channels
      .filter((c) => /^Bench \d+$/.test(c.name))
      .sort((a, b) => Number(a.name.slice(6)) - Number(b.name.slice(6)))
      .map((c) => c.id)
    if (channelIds.length < most) {
      console.log(
        `[channels] making ${CLIP_S.length} clips (${CLIP_S.join(', ')} s, 1024x576@24, real-footage detail) and ${most - channelIds.length} channels…`
      )
      const clips = await Promise.all(CLIP_S.map((s, i) => makeFootage(join(scratch, `footage${i}.mp4`), i, s)))
      for (let k = channelIds.length; k < most; k++) {
        const ch = await callCore(core, 'library.channels.create', { name: `Bench ${k + 1}` })
        const { results } = await callCore(core, 'library.import', { channelId: ch.id, paths: clips, approved: true })
        const shotIds = results.map((r) => {
          if (!r.ok) throw new Error(`import into channel ${ch.id} failed: ${r.error}`)
          return r.shot.id
        })
        // A different first clip per channel, so boundaries do not line up across channels.
        const order = shotIds.map((_, j) => shotIds[(j + k) % shotIds.length]!)
        await callCore(core, 'library.playlist.add', { channelId: ch.id, shotIds: order })
        channelIds.push(ch.id)
      }
    }
    for (const channelId of channelIds)
      await callCore(core, 'outputs.settings.update', { channelId, hls, record: false })
    return channelIds
  } finally {
    await core.close()
  }
}

export async function run(): Promise<void> {
  const steps = ramp()
  const modes = hlsModes()
  const windowS = envNumber('WEBTV_BENCH_CHANNELS_S', 30, 5)
  const warmS = envNumber('WEBTV_BENCH_CHANNELS_WARM_S', 10, 0)
  const baseN = envNumber('WEBTV_BENCH_CHANNELS_BASE', 4, 0)
  const profDir = process.env.WEBTV_BENCH_CHANNELS_PROF
  const bin = join(repoRoot, 'bin', 'webtv.js')
  const other = process.env.WEBTV_BENCH_WEBTV || null
  const most = Math.max(...steps, baseN)
  const { dir, cleanup } = tempDir('webtv-bench-channels-')
  let serve: ChildProcess | null = null
  try {
    const keep = process.env.WEBTV_BENCH_CHANNELS_LIBRARY
    const dataDir = keep || join(dir, 'studio')
    const channelIds = await library(dataDir, dir, most, modes[0]!)

    const base = await perProcessBaseline(bin, dataDir, channelIds.slice(0, baseN), Math.min(windowS, 20), warmS)
    if (base)
      console.log(
        `[channels] baseline, one \`webtv air\` process per channel (${baseN}, HLS ${modes[0] ? 'on' : 'off'}): ${f4(base.perChannel)} CPU-s/s per channel ` +
          `(Node ${f4(base.node)}, ffmpeg ${f4(base.ffmpeg)}); slowest ${f3(base.minSpeed)}×`
      )

    // The other build first (when given), then this one, on the same library and ramp.
    const builds: Array<{ label: string; bin: string }> = [
      ...(other ? [{ label: `other build (${other})`, bin: other }] : []),
      { label: 'this build', bin }
    ]
    const perChannelAt = new Map<string, number>()
    for (const build of builds) {
      const port = await freePort()
      const nodeArgs = profDir
        ? ['--cpu-prof', '--cpu-prof-dir', join(profDir, build === builds[0] && other ? 'other' : 'this')]
        : []
      serve = (
        await startWebtv(build.bin, ['serve', '--port', String(port), '--data-dir', dataDir], /Press Ctrl-C/, nodeArgs)
      ).child
      const token = readFileSync(join(dataDir, 'serve-token'), 'utf8').trim()
      const call = api(`http://127.0.0.1:${port}`, token)
      await call('onair.settings.update', { rtmpPort: await freePort(), httpPort: await freePort() })
      const studio = { pid: serve.pid!, call }
      if (builds.length > 1) console.log(`[channels] ${build.label}:`)
      for (const hls of modes) {
        const { held, results } = await rampStudio(studio, channelIds, hls, windowS, warmS)
        for (const r of results) {
          const key = `${hls}/${r.channels}`
          const mine = r.cpu.total / r.cpu.seconds / r.channels
          const theirs = perChannelAt.get(key)
          if (theirs !== undefined)
            console.log(
              `[channels] HLS ${hls ? 'on' : 'off'}, ${r.channels} channels: ${f4(mine)} CPU-s/s per channel against the other build's ${f4(theirs)} (×${(theirs / mine).toFixed(2)})`
            )
          perChannelAt.set(key, mine)
        }
        const last = results.find((r) => r.channels === held)
        const perChannel = last ? last.cpu.total / last.cpu.seconds / last.channels : NaN
        console.log(
          `[channels] HLS ${hls ? 'on' : 'off'}: ${held} channels held ≥ ${MIN_SPEED}× (no stall over ${MAX_WAIT_S} s) in one studio (goal ≥ 100 with HLS off)` +
            (last
              ? `; ${f4(perChannel)} CPU-s/s per channel → about ${Math.floor(2 / perChannel)} channels fill 2 cores` +
                (base && hls === modes[0]
                  ? `; ×${(base.perChannel / perChannel).toFixed(1)} cheaper per channel than a process per channel`
                  : '')
              : '')
        )
      }
      await stop(serve)
      serve = null
    }
  } finally {
    if (serve) await stop(serve).catch(() => {})
    cleanup()
  }
}

export default run

if (require.main === module) {
  run().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err)
      process.exit(1)
    }
  )
}
