/**
 * Soak (run by bench/run.ts, or alone: npx tsx bench/soak.bench.ts): one channel on
 * air through the whole studio core for WEBTV_SOAK_MIN minutes (default 20), with a
 * relay to a local ingest that is SIGKILLed every few minutes, a viewer attached,
 * and the timeline edited every 10 s. Prints the studio process's RSS and open file
 * descriptors after a warm-up and at the end, the growth extrapolated per hour
 * (goals: < 5 MB/h, no descriptor growth) and viewers dropped (goal 0). The
 * baseline is the same process's numbers at the start of the measured window.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeHeapSnapshot } from 'node:v8'
import { callCore, openCore } from '../src/main/cli/open-core'
import { ONAIR } from '../src/main/services'
import { makeHouseClip } from '../src/main/onair/slate'
import { DEFAULT_HOUSE_FORMAT } from '../src/shared/house-format'
import { freePort, startRemoteIngest, startViewer, type Viewer } from '../test/fixtures/rtmp'

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
const MB = 1024 * 1024

/** Anonymous and file-backed resident memory (Linux); null elsewhere. */
function residentSplit(): { anon: number; file: number } | null {
  try {
    const text = readFileSync('/proc/self/smaps_rollup', 'utf8')
    const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN)
    const anon = kb('Anonymous')
    return { anon: anon / 1024, file: (kb('Rss') - anon) / 1024 }
  } catch {
    return null
  }
}

function fds(): number {
  try {
    return readdirSync('/proc/self/fd').length
  } catch {
    return NaN // not Linux: descriptors not counted
  }
}

/** Least-squares slope of y over x (per unit of x); 0 with fewer than two points. */
export function slope(points: { x: number; y: number }[]): number {
  const n = points.length
  if (n < 2) return 0
  const mx = points.reduce((a, p) => a + p.x, 0) / n
  const my = points.reduce((a, p) => a + p.y, 0) / n
  let num = 0
  let den = 0
  for (const p of points) {
    num += (p.x - mx) * (p.y - my)
    den += (p.x - mx) ** 2
  }
  return den > 0 ? num / den : 0
}

function seconds(name: string): number | null {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return null
  const n = Number(raw)
  if (!(n >= 1)) throw new Error(`${name} must be a number of seconds, 1 or more, not "${raw}"`)
  return n * 1000
}

/** WEBTV_SOAK_HEAPSNAP=<dir>: heap snapshots after the warm-up and at the end, to diff in DevTools. */
function snapshot(label: string): void {
  const dir = process.env.WEBTV_SOAK_HEAPSNAP
  if (!dir) return
  mkdirSync(dir, { recursive: true })
  console.log(`[soak] heap snapshot ${writeHeapSnapshot(join(dir, `soak-${label}.heapsnapshot`))}`)
}

export async function run(): Promise<void> {
  const minutes = Number(process.env.WEBTV_SOAK_MIN ?? 20)
  if (!(minutes > 0))
    throw new Error(`WEBTV_SOAK_MIN must be a positive number of minutes, not "${process.env.WEBTV_SOAK_MIN}"`)
  const totalMs = minutes * 60_000
  // Warm-up (caches, JIT, first GOPs) is not growth: measure from 10 % in, at least 30 s.
  // WEBTV_SOAK_WARM_MIN sets it: the first ~15 min settle a few MB of native memory once,
  // which a short window would extrapolate into a per-hour figure.
  const warmRaw = process.env.WEBTV_SOAK_WARM_MIN
  const warmSet = warmRaw === undefined || warmRaw === '' ? null : Number(warmRaw)
  if (warmSet !== null && !(warmSet >= 0 && warmSet * 60_000 < totalMs))
    throw new Error(`WEBTV_SOAK_WARM_MIN must be minutes, 0 or more and under WEBTV_SOAK_MIN, not "${warmRaw}"`)
  const warmMs = warmSet !== null ? warmSet * 60_000 : Math.min(Math.max(30_000, totalMs * 0.1), totalMs / 2)
  // WEBTV_SOAK_EDIT_S / WEBTV_SOAK_KILL_S speed the edits and relay kills up: growth that
  // follows them (not the clock) then shows in a shorter run.
  const editEveryMs = seconds('WEBTV_SOAK_EDIT_S') ?? 10_000
  const killEveryMs = seconds('WEBTV_SOAK_KILL_S') ?? Math.max(20_000, Math.min(3 * 60_000, totalMs / 4))
  const dir = mkdtempSync(join(tmpdir(), 'webtv-bench-soak-'))
  const KEY = 'live_soak_0123456789'
  const remote = await startRemoteIngest({ requiredKey: KEY })
  const core = await openCore(dir)
  let viewer: Viewer | null = null
  let dropped = 0
  let relayKills = 0
  let edits = 0
  let editErrors = 0
  let stopping = false
  try {
    const engine = core.services.get(ONAIR)
    await callCore(core, 'onair.settings.update', { rtmpPort: await freePort(), httpPort: await freePort() })
    const ch = await callCore(core, 'library.channels.create', { name: 'Soak' })
    console.log(
      `[soak] ${minutes} min on air (WEBTV_SOAK_MIN), relay killed every ${Math.round(killEveryMs / 1000)} s, an edit every ${editEveryMs / 1000} s…`
    )
    const clips = await Promise.all(
      [48, 60, 72, 84].map((frames, i) =>
        makeHouseClip({
          format: DEFAULT_HOUSE_FORMAT,
          frames,
          video: i % 2 ? 'testsrc2' : 'smptehdbars',
          toneHz: 300 + 100 * i,
          output: join(dir, `c${i}.ts`)
        })
      )
    )
    const { results } = await callCore(core, 'library.import', { channelId: ch.id, paths: clips, approved: true })
    const shotIds = results.map((r) => {
      if (!r.ok) throw new Error(r.error)
      return r.shot.id
    })
    await callCore(core, 'library.playlist.add', { channelId: ch.id, shotIds })
    const dest = await callCore(core, 'onair.destinations.add', {
      channelId: ch.id,
      kind: 'rtmp',
      name: 'Soak ingest',
      url: remote.url(KEY)
    })
    const st = await callCore(core, 'onair.start', { channelId: ch.id })
    const watch = (): Viewer => {
      const v = startViewer(st.flvUrl!, { record: false })
      void v.exited.then(() => {
        if (viewer === v && !stopping) {
          dropped += 1
          viewer = watch()
        }
      })
      return v
    }
    viewer = watch()

    const t0 = Date.now()
    let nextKill = t0 + killEveryMs
    let nextEdit = t0 + editEveryMs
    let start: { rss: number; fds: number; at: number } | null = null
    // One sample a minute after the warm-up: the slope over all of them is steadier than end − start.
    const rssSamples: { x: number; y: number }[] = []
    const heapSamples: { x: number; y: number }[] = []
    // Where RSS grows when the JS heap doesn't: V8's reserved heap, native anonymous memory, mapped files.
    const heapTotalSamples: { x: number; y: number }[] = []
    const anonSamples: { x: number; y: number }[] = []
    const fileSamples: { x: number; y: number }[] = []
    let nextSample = 0
    while (Date.now() - t0 < totalMs) {
      await sleep(1000)
      const now = Date.now()
      if (!start && now - t0 >= warmMs) {
        global.gc?.()
        start = { rss: process.memoryUsage().rss, fds: fds(), at: now }
        console.log(
          `[soak] after warm-up: RSS ${(start.rss / MB).toFixed(1)} MB, heap ${(process.memoryUsage().heapUsed / MB).toFixed(1)} MB, ${start.fds} open fds`
        )
        snapshot('start')
        nextSample = now
      }
      if (start && now >= nextSample) {
        nextSample += 60_000
        const m = process.memoryUsage()
        const h = (now - start.at) / 3_600_000
        rssSamples.push({ x: h, y: m.rss / MB })
        heapSamples.push({ x: h, y: (m.heapUsed + m.external) / MB })
        heapTotalSamples.push({ x: h, y: m.heapTotal / MB })
        const split = residentSplit()
        if (split) {
          anonSamples.push({ x: h, y: split.anon })
          fileSamples.push({ x: h, y: split.file })
        }
      }
      if (now >= nextEdit) {
        nextEdit += editEveryMs
        try {
          const pl = await callCore(core, 'library.playlist.get', { channelId: ch.id })
          const last = pl.items[pl.items.length - 1]
          if (last) await callCore(core, 'library.playlist.move', { itemId: last.itemId, toPosition: 0 })
          edits += 1
        } catch {
          editErrors += 1
        }
      }
      if (now >= nextKill) {
        nextKill += killEveryMs
        const pid = engine.relayPid(ch.id, dest.id)
        if (pid) {
          process.kill(pid, 'SIGKILL')
          relayKills += 1
        }
      }
    }
    global.gc?.()
    const end = { rss: process.memoryUsage().rss, fds: fds(), at: Date.now() }
    snapshot('end')
    stopping = true
    const status = await callCore(core, 'onair.status', { channelId: ch.id })
    const s = start ?? end
    const hours = (end.at - s.at) / 3_600_000
    const perHour = hours > 0 ? (end.rss - s.rss) / MB / hours : 0
    const destState = status.channels[0]?.destinations.find((d) => d.id === dest.id)?.state
    console.log(
      `[soak] end: RSS ${(end.rss / MB).toFixed(1)} MB, ${end.fds} open fds; channel ${status.channels[0]?.state}, relay ${destState}; ` +
        `${relayKills} relay kills, ${edits} edits (${editErrors} refused), viewer packets ${viewer?.received ?? 0}`
    )
    console.log(
      `[soak] RSS growth ${perHour >= 0 ? '+' : ''}${perHour.toFixed(2)} MB/h over ${(hours * 60).toFixed(1)} min measured (goal < 5 MB/h; ratio to start ${(end.rss / s.rss).toFixed(3)}), ` +
        `fds ${s.fds} → ${end.fds} (goal: no growth), dropped viewers ${dropped} (goal 0)`
    )
    console.log(
      `[soak] fitted over ${rssSamples.length} one-minute samples: RSS ${slope(rssSamples).toFixed(2)} MB/h, JS heap + external ${slope(heapSamples).toFixed(2)} MB/h, V8 heap reserved ${slope(heapTotalSamples).toFixed(2)} MB/h` +
        (anonSamples.length
          ? `; resident anonymous ${slope(anonSamples).toFixed(2)} MB/h, file-backed ${slope(fileSamples).toFixed(2)} MB/h`
          : '')
    )
    if (minutes < 10)
      console.log(
        '[soak] note: under 10 min the per-hour figure is mostly warm-up noise; run WEBTV_SOAK_MIN=20 or more for a real number.'
      )
  } finally {
    await viewer?.stop()
    await core.close()
    await remote.kill()
    rmSync(dir, { recursive: true, force: true })
  }
}

export default run

if (require.main === module) void run()
