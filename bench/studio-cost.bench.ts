/**
 * The studio's own cost (run by bench/run.ts, or alone: npx tsx bench/studio-cost.bench.ts).
 * CPU time, never wall time: the machine is shared and busy.
 * 1. CPU per second of air of the whole `webtv air` process tree (node and every
 *    ffmpeg child, read from /proc), in steady state, against the seed's command
 *    (concat demuxer + libx264 veryfast re-encode to RTMP) on the same clips, side
 *    by side in this run; prints the ratio (goal ≥ ×20). HLS is on, written by the
 *    playout's own ffmpeg (its tee); the path before issue 22 item 2 is measured beside
 *    it: `webtv air` with HLS off plus the copy tap it used to run (an ffmpeg reading the
 *    local HTTP-FLV back and writing the same HLS), both trees summed.
 * 2. `webtv serve` with nothing on air: CPU-s per second (goal ≤ 0.002).
 * The clips have the detail and motion of real footage — a zooming fractal, a
 * moving cellular texture and film-like noise — not flat test patterns, which
 * would flatter the seed's re-encode.
 * WEBTV_BENCH_COST_S sets each measured window (default 30 s; longer is steadier).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { cpus, loadavg } from 'node:os'
import { toolPath } from '../src/main/media/ffmpeg-path'
import { seedPlayoutArgs } from '../src/main/onair/ffmpeg-args'
import { hlsArgs } from '../src/main/outputs/copy-tap'
import { LocalRtmpServer } from '../src/main/onair/rtmp-server'
import { freePort } from '../test/fixtures/rtmp'
import { tempDir } from '../test/helpers/tmp'
import { makeFootage } from './footage'
import { snapshot, treeCpuOver, usedSince } from './tree-cpu'

const run$ = promisify(execFile)
const repoRoot = join(__dirname, '..')
const webtvBin = join(repoRoot, 'bin', 'webtv.js')
const WINDOW_S = Number(process.env.WEBTV_BENCH_COST_S ?? 30)
const CLIPS = 3
const CLIP_S = 4
/** V8 settles (its memory reducer runs a few GCs) in the first ~40 s of a fresh process. */
const SERVE_WARMUP_MS = 45_000

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

function webtv(dataDir: string, args: string[]): Promise<string> {
  return run$(process.execPath, [webtvBin, ...args, '--data-dir', dataDir], { maxBuffer: 16 << 20 }).then(
    (r) => r.stdout
  )
}

/** Starts a long-running `webtv` command and resolves once its stdout shows `ready`. */
async function startWebtv(dataDir: string, args: string[], ready: RegExp): Promise<ChildProcess> {
  const child = spawn(process.execPath, [webtvBin, ...args, '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer): void => {
      out += d.toString()
      if (ready.test(out)) resolve()
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
    child.once('exit', (code) => reject(new Error(`webtv ${args[0]} exited (${code}) before it was ready:\n${out}`)))
    setTimeout(() => reject(new Error(`webtv ${args[0]} was not ready after 60 s:\n${out}`)), 60_000).unref()
  })
  // Keep draining so a chatty child never blocks on a full pipe.
  child.stdout!.resume()
  child.stderr!.resume()
  return child
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  child.kill('SIGINT')
  const t = setTimeout(() => child.kill('SIGKILL'), 15_000)
  await exited
  clearTimeout(t)
}

const fmt = (x: number): string => x.toFixed(4)

export async function run(): Promise<void> {
  const { dir, cleanup } = tempDir('webtv-bench-cost-')
  const airData = join(dir, 'air')
  const serveData = join(dir, 'serve')
  const children: ChildProcess[] = []
  let server: LocalRtmpServer | null = null
  try {
    // The idle studio starts first, so its start-up (module loading, V8's first
    // GCs) is long over by the time its window opens.
    await webtv(serveData, ['channel', 'create', 'idle', '--size', '1024x576', '--fps', '24'])
    const serve = await startWebtv(serveData, ['serve', '--port', String(await freePort())], /Press Ctrl-C/)
    children.push(serve)
    const serveFrom = Date.now()

    console.log(
      `[cost] making ${CLIPS} clips of ${CLIP_S} s at 1024x576@24 with real-footage detail (fractal zoom, texture, grain)…`
    )
    const clips = await Promise.all(
      Array.from({ length: CLIPS }, (_, i) => makeFootage(join(dir, `footage${i}.mp4`), i, CLIP_S))
    )
    await webtv(airData, ['channel', 'create', 'bench', '--size', '1024x576', '--fps', '24'])
    const imported = (await webtv(airData, ['import', '--channel', 'bench', '--json', ...clips]))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { shotId?: number; error?: string })
    const shotIds = imported.map((r) => {
      if (!r.shotId) throw new Error(`import failed: ${r.error}`)
      return String(r.shotId)
    })
    await webtv(airData, ['playlist', 'add', '--channel', 'bench', ...shotIds])

    // 1a. Ours: the real `webtv air` command, its whole process tree, HLS on (the default).
    const air = await startWebtv(
      airData,
      ['air', '--channel', 'bench', '--rtmp-port', String(await freePort()), '--flv-port', String(await freePort())],
      /On air/
    )
    children.push(air)
    await sleep(10_000) // past the first clip boundaries and V8's warm-up
    // 2 (window opens). The idle studio is measured alongside, once its start-up is long over.
    await sleep(Math.max(0, serveFrom + SERVE_WARMUP_MS - Date.now()))
    const serveFromSnap = snapshot(serve.pid!)
    const ours = await treeCpuOver(air.pid!, WINDOW_S)
    const hlsOf = (d: string): number => (existsSync(d) ? readdirSync(d).filter((f) => f.endsWith('.ts')).length : 0)
    if (hlsOf(join(airData, 'hls', 'bench')) === 0) throw new Error('webtv air wrote no HLS: the bench measures HLS on')
    await stop(air)

    // 1a'. The path before: `webtv air` with HLS off, and the copy tap it ran for HLS, reading the
    // local HTTP-FLV back (tagged as a relay, as the studio's own tap was).
    writeFileSync(join(airData, 'onair', 'outputs.json'), JSON.stringify({ '1': { hls: false } }))
    const flvPort = await freePort()
    const airOld = await startWebtv(
      airData,
      ['air', '--channel', 'bench', '--rtmp-port', String(await freePort()), '--flv-port', String(flvPort)],
      /On air/
    )
    children.push(airOld)
    const tapDir = join(dir, 'tap-hls')
    mkdirSync(tapDir, { recursive: true })
    const tap = spawn(toolPath('ffmpeg'), hlsArgs(`http://127.0.0.1:${flvPort}/live/bench.flv?relay=hls`, tapDir), {
      stdio: ['pipe', 'ignore', 'ignore']
    })
    children.push(tap)
    await sleep(10_000)
    if (hlsOf(join(airData, 'hls', 'bench')) !== 0) throw new Error('webtv air wrote HLS with HLS off')
    const oldFrom = [snapshot(airOld.pid!), snapshot(tap.pid!)]
    await sleep(WINDOW_S * 1000)
    const [oldAir, oldTap] = [usedSince(airOld.pid!, oldFrom[0]!), usedSince(tap.pid!, oldFrom[1]!)]
    if (hlsOf(tapDir) === 0) throw new Error('the copy tap wrote no HLS')
    await stop(tap)
    await stop(airOld)

    // 1b. The seed's command on the same source clips, looping, to a local RTMP server.
    server = await LocalRtmpServer.start({
      bind: '127.0.0.1',
      rtmpPort: await freePort(),
      httpPort: await freePort(),
      log: () => {}
    })
    const list = join(dir, 'seed.txt')
    writeFileSync(list, 'ffconcat version 1.0\n' + clips.map((c) => `file '${c}'\n`).join(''))
    // Nothing publishes over the network to the embedded server: the seed's FLV comes out on fd 3
    // and goes in through the same in-process door our encoder uses.
    const args = seedPlayoutArgs(list, 'pipe:3')
    // The seed's list loops with -stream_loop before the input (its own placement after -i is ignored).
    args.splice(args.indexOf('-f'), 0, '-stream_loop', '-1')
    // Its progress says how much air it produced: on a busy machine a re-encode falls behind real
    // time, and CPU per wall second would then flatter it; CPU per second of air does not.
    const seed = spawn(toolPath('ffmpeg'), ['-progress', 'pipe:1', '-stats_period', '0.5', ...args], {
      stdio: ['ignore', 'pipe', 'ignore', 'pipe']
    })
    const seedSink = server.openPublisher('seed')
    ;(seed.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => seedSink.write(d))
    seed.on('close', () => seedSink.close())
    children.push(seed)
    let seedOutUs = 0
    let seedBuf = ''
    seed.stdout!.on('data', (d: Buffer) => {
      seedBuf += d.toString()
      const lines = seedBuf.split('\n')
      seedBuf = lines.pop()!
      for (const l of lines) if (l.startsWith('out_time_us=')) seedOutUs = Number(l.slice(12)) || seedOutUs
    })
    await sleep(3000)
    const seedOut0 = seedOutUs
    const seedCpu = await treeCpuOver(seed.pid!, Math.max(10, Math.round(WINDOW_S * 0.7)))
    const seedAirS = (seedOutUs - seedOut0) / 1e6
    await stop(seed)
    const idle = usedSince(serve.pid!, serveFromSnap)
    await stop(serve)

    const oursPerS = ours.total / ours.seconds
    if (seedAirS <= 0) throw new Error('the seed command produced no air (no progress from ffmpeg)')
    const seedPerS = seedCpu.total / seedAirS
    const parts = [...ours.byName].map(([name, s]) => `${name} ${fmt(s / ours.seconds)}`).join(', ')
    const oldPerS = oldAir.total / oldAir.seconds + oldTap.total / oldTap.seconds
    const oldParts = [...oldAir.byName]
      .map(([name, s]) => `${name} ${fmt(s / oldAir.seconds)}`)
      .concat(`copy tap ffmpeg ${fmt(oldTap.total / oldTap.seconds)}`)
      .join(', ')
    const node = (ours.byName.get('node') ?? 0) / ours.seconds
    const ffmpeg = (ours.byName.get('ffmpeg') ?? 0) / ours.seconds
    console.log(
      `[cost] CPU per second of air, whole process tree, HLS on: webtv air ${fmt(oursPerS)} CPU-s/s (${parts}; ${ours.seconds.toFixed(0)} s), ` +
        `seed re-encode ${fmt(seedPerS)} CPU-s/s (${seedAirS.toFixed(0)} s of air in ${seedCpu.seconds.toFixed(0)} s, speed ${(seedAirS / seedCpu.seconds).toFixed(2)}×) → ×${(seedPerS / oursPerS).toFixed(1)} cheaper (goal ≥ ×20)`
    )
    console.log(
      `[cost] HLS from the playout's tee ${fmt(oursPerS)} vs the copy tap reading HTTP-FLV back ${fmt(oldPerS)} CPU-s/s (${oldParts}) → ×${(oldPerS / oursPerS).toFixed(2)}; ` +
        `the seed against the copy-tap path: ×${(seedPerS / oldPerS).toFixed(1)}; Node's share ${fmt(node)} vs ffmpeg's ${fmt(ffmpeg)} (goal: Node ≤ ffmpeg); ` +
        `load average ${loadavg()
          .map((x) => x.toFixed(1))
          .join(' ')} on ${cpus().length} cores`
    )
    console.log(
      `[cost] webtv serve idle, nothing on air: ${fmt(idle.total / idle.seconds)} CPU-s/s over ${idle.seconds.toFixed(0)} s (goal ≤ 0.002)`
    )
  } finally {
    for (const c of children) await stop(c).catch(() => {})
    await server?.stop()
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
