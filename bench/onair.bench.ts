/**
 * On-air benchmarks (run by bench/run.ts, or alone: npx tsx bench/onair.bench.ts):
 * 1. CPU per second of air: our playout (MPEG-TS into one `ffmpeg -c copy`) against
 *    the seed's command (concat demuxer + libx264 veryfast re-encode), same clips,
 *    one after the other in this run; prints the ratio (goal ≤ 1/10).
 * 2. How many 1024x576@24 channels air in real time at once (goal ≥ 20).
 * 3. Go Live → first video at the local server (goal ≤ 1 s).
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_HOUSE_FORMAT } from '../src/shared/house-format'
import { toolPath } from '../src/main/media/ffmpeg-path'
import { seedPlayoutArgs } from '../src/main/onair/ffmpeg-args'
import { ChannelPlayout } from '../src/main/onair/playout'
import { LocalRtmpServer } from '../src/main/onair/rtmp-server'
import { ensureSlate, makeHouseClip } from '../src/main/onair/slate'
import { FilePlaylistSource } from '../src/main/onair/timeline'
import { freePort } from '../test/fixtures/rtmp'

const CLK_TCK = 100 // Linux USER_HZ

/** CPU seconds (user + system) a live process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'webtv-bench-onair-'))
  const fmt = DEFAULT_HOUSE_FORMAT
  const server = await LocalRtmpServer.start({
    bind: '127.0.0.1',
    rtmpPort: await freePort(),
    httpPort: await freePort(),
    log: () => {}
  })
  try {
    console.log('[onair] making 4 clips of 3 s at 1024x576@24 in the house format…')
    const clips = await Promise.all(
      [0, 1, 2, 3].map((i) =>
        makeHouseClip({
          format: fmt,
          frames: 72,
          video: i % 2 ? 'testsrc2' : 'smptehdbars',
          toneHz: 300 + 100 * i,
          output: join(dir, `clip${i}.ts`)
        })
      )
    )
    const source = new FilePlaylistSource(join(dir, 'playlists'))
    const channelFor = (id: number) => {
      source.write({
        id,
        name: `bench ${id}`,
        items: clips.map((path, i) => ({ itemId: i + 1, path, durationMs: 3000 }))
      })
      return { id, name: `bench ${id}`, format: fmt }
    }
    await ensureSlate(dir, fmt)
    const newPlayout = (id: number) => {
      const channel = channelFor(id)
      const stream = `bench-${id}`
      return new ChannelPlayout({
        channel,
        stream,
        source,
        target: server,
        slatePath: () => ensureSlate(dir, fmt),
        log: () => {}
      })
    }

    // 1. CPU per second of air, ours then the seed's, same clips, same server.
    const AIR_S = 20
    const ours = newPlayout(1)
    const t0 = Date.now()
    await ours.start()
    await sleep(AIR_S * 1000)
    const oursCpu = cpuSeconds(ours.encoderPid!)
    const oursAir = (Date.now() - t0) / 1000
    await ours.stop()
    const list = join(dir, 'seed.txt')
    writeFileSync(list, 'ffconcat version 1.0\n' + clips.map((c) => `file '${c}'\n`).join(''))
    // The seed published over RTMP; here its FLV goes to the server the way ours does (in-process).
    const args = seedPlayoutArgs(list, 'pipe:1')
    // The seed's list loops with -stream_loop before the input (its own placement after -i is ignored).
    args.splice(args.indexOf('-f'), 0, '-stream_loop', '-1')
    const seed = spawn(toolPath('ffmpeg'), args, { stdio: ['ignore', 'pipe', 'ignore'] })
    const seedSink = server.openPublisher('seed')
    seed.stdout.on('data', (d: Buffer) => seedSink.write(d))
    seed.on('close', () => seedSink.close())
    const s0 = Date.now()
    await sleep(AIR_S * 1000)
    const seedCpu = cpuSeconds(seed.pid!)
    const seedAir = (Date.now() - s0) / 1000
    seed.kill('SIGKILL')
    const oursPerS = oursCpu / oursAir
    const seedPerS = seedCpu / seedAir
    console.log(
      `[onair] CPU per second of air: ours ${oursPerS.toFixed(4)} CPU-s/s (${oursCpu.toFixed(2)} s over ${oursAir.toFixed(0)} s), ` +
        `seed re-encode ${seedPerS.toFixed(4)} CPU-s/s (${seedCpu.toFixed(2)} s over ${seedAir.toFixed(0)} s) → ratio 1/${(seedPerS / oursPerS).toFixed(1)} (goal ≤ 1/10)`
    )

    // 3. Go Live → first video at the local server.
    const times: number[] = []
    for (let i = 0; i < 5; i++) {
      const p = newPlayout(100 + i)
      const g0 = performance.now()
      await p.start()
      times.push(performance.now() - g0)
      await p.stop()
    }
    times.sort((a, b) => a - b)
    console.log(
      `[onair] Go Live → first frame at the local server: median ${times[2]!.toFixed(0)} ms, worst ${times[4]!.toFixed(0)} ms (goal ≤ 1000 ms)`
    )

    // 2. Channels in real time at once: step N until one falls behind.
    let best = 0
    for (const n of [10, 20, 30, 40]) {
      const playouts = Array.from({ length: n }, (_, i) => newPlayout(200 + n * 100 + i))
      await Promise.all(playouts.map((p) => p.start()))
      const cpu0 = playouts.map((p) => cpuSeconds(p.encoderPid!))
      await sleep(12_000)
      const speeds = playouts.map((p) => p.stats().speed)
      const cpu = playouts.reduce((sum, p, i) => sum + cpuSeconds(p.encoderPid!) - cpu0[i]!, 0)
      await Promise.all(playouts.map((p) => p.stop()))
      const minSpeed = Math.min(...speeds)
      const ok = minSpeed >= 0.98 && playouts.every((p) => p.stats().restarts === 0)
      console.log(
        `[onair] ${n} channels at once: slowest speed ${minSpeed.toFixed(3)}x, ${(cpu / 12).toFixed(2)} cores of ffmpeg → ${ok ? 'real time' : 'falls behind'}`
      )
      if (!ok) break
      best = n
    }
    console.log(`[onair] channels airing in real time at once: ≥ ${best} (goal ≥ 20)`)
  } finally {
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
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
