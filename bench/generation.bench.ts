/**
 * Generation queue against K local copies of a Gradio Space, each taking L ms per
 * call, with 20 % of calls refused as transient failures (503 "queue full", what a
 * busy ZeroGPU Space answers). Prints the video-step throughput as a ratio of the
 * ideal K/L, the count of lost and duplicated shots, and the same numbers for a
 * baseline measured in this run: the seed's way (one call at a time, no retry).
 *
 * What is measured: the backend/queue layer — from start until each shot's video
 * is downloaded. Conforming into the library (real ffmpeg, tiny 256x144 clips)
 * runs alongside and is reported separately; on 2 cores it would otherwise dominate.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { callCore } from '../src/main/cli/open-core'
import { runOnSpace } from '../src/main/generation/gradio/space'
import { PRESETS } from '../src/main/generation/gradio/presets'
import { startFakeSpace, type FakeSpace } from '../test/fixtures/gradio-server'
import { tempDir } from '../test/helpers/tmp'
import type { Core } from '../src/main/core/core'
import { openStudio } from '../src/main/studio'
import { GENERATION, LIBRARY } from '../src/main/services'

const K = 4
const JOBS = 80
const FAILURE_RATE = 0.2
/** Per-call latencies: 300 ms shows the fixed local overhead per call; real Spaces take 30–60 s, so the longer one is closer to life. */
const LATENCIES = [300, 1000]

async function baseline(space: FakeSpace, workDir: string): Promise<{ seconds: number; made: number; lost: number }> {
  // The original AI WebTV: one predict at a time against one Space, no retry; a refused call is a lost shot.
  const started = Date.now()
  let made = 0
  let lost = 0
  for (let i = 0; i < JOBS / K; i++) {
    const dir = join(workDir, `b${i}`)
    mkdirSync(dir, { recursive: true })
    try {
      await runOnSpace(
        { space: space.url },
        {
          mapping: PRESETS['zeroscope-v2'].mapping,
          values: { prompt: `baseline shot ${i}`, seed: i },
          timeoutMs: 30_000,
          outputName: 'v'
        },
        { signal: new AbortController().signal, onProgress: () => {}, workDir: dir }
      )
      made++
    } catch {
      lost++
    }
  }
  return { seconds: (Date.now() - started) / 1000, made, lost }
}

export default async function run(): Promise<void> {
  for (const L of LATENCIES) await runOnce(L)
}

async function runOnce(L: number): Promise<void> {
  const t = tempDir('webtv-bench-gen-')
  const spaces: FakeSpace[] = []
  const quiet = console.error
  // The Gradio client logs each refused call on stderr; a benchmark with 20 % refusals would drown its own output.
  console.error = () => {}
  let core: Core | undefined
  try {
    for (let i = 0; i < K; i++)
      spaces.push(
        await startFakeSpace({ signature: 'zeroscope', latencyMs: L, failureRate: FAILURE_RATE, failureSeed: 100 + i })
      )
    const baseSpace = await startFakeSpace({
      signature: 'zeroscope',
      latencyMs: L,
      failureRate: FAILURE_RATE,
      failureSeed: 7
    })
    spaces.push(baseSpace)
    const base = await baseline(baseSpace, join(t.dir, 'baseline'))
    const baseThroughput = base.made / base.seconds

    core = await openStudio({ dataDir: join(t.dir, 'studio'), shell: 'headless', version: 'bench' })
    const gen = core.services.get(GENERATION)
    const lib = core.services.get(LIBRARY)
    const ch = await callCore(core, 'library.channels.create', {
      name: 'Bench',
      format: { width: 256, height: 144, fps: 24 }
    })
    await callCore(core, 'generation.backends.set', {
      channelId: ch.id,
      settings: {
        video: {
          enabled: true,
          backend: 'gradio',
          preset: 'zeroscope-v2',
          spaces: spaces.slice(0, K).map((s) => s.url)
        },
        music: { enabled: false, backend: 'offline', preset: 'musicgen', spaces: [] },
        concurrencyPerCopy: 1,
        // Backoff scaled to the call latency, as the 2 s default is to real Spaces' ~1 min calls.
        retryBaseMs: Math.round(L / 3),
        maxAttempts: 10
      }
    })
    const r = await callCore(core, 'generation.enqueue', {
      channelId: ch.id,
      shots: Array.from({ length: JOBS }, (_, i) => ({ prompt: `bench shot ${i}, slow pan left` })),
      music: false
    })
    const videoDone = new Map<number, number>()
    core.bus.on('generation.job', (e) => {
      if ((e.state === 'conforming' || e.state === 'ready') && !videoDone.has(e.jobId))
        videoDone.set(e.jobId, Date.now())
    })
    const started = Date.now()
    gen.start({ autopilot: false })
    const jobs = await gen.service.waitForJobs(r.jobIds, { pollMs: 50 })
    const allDone = (Date.now() - started) / 1000
    const videoSeconds = (Math.max(...videoDone.values()) - started) / 1000
    const throughput = videoDone.size / videoSeconds
    const ideal = K / (L / 1000)

    const shots = lib.listShots({ channelId: ch.id, limit: 1000 }).shots
    const ready = shots.filter((s) => s.status === 'ready')
    const lost = JOBS - ready.length
    const byJob = new Map<number, number>()
    for (const s of shots) {
      const jobId = Number((s.extra as { jobId?: number } | null)?.jobId)
      byJob.set(jobId, (byJob.get(jobId) ?? 0) + 1)
    }
    // A second shot filled by the same job would be a shot generated twice.
    const duplicated = shots.length - byJob.size
    const refused = spaces.slice(0, K).reduce((n, s) => n + s.stats.rejectedJoins, 0)
    const completed = spaces.slice(0, K).reduce((n, s) => n + s.stats.completed, 0)

    console.log(
      `setup: K=${K} Space copies, L=${L} ms per call, ${JOBS} shots, ${Math.round(FAILURE_RATE * 100)} % of calls refused (503 queue full)`
    )
    console.log(
      `baseline (seed: one call at a time, no retry): ${base.made}/${JOBS / K} shots in ${base.seconds.toFixed(2)} s → ${baseThroughput.toFixed(2)} shots/s, lost ${base.lost} (${Math.round((base.lost / (JOBS / K)) * 100)} %)`
    )
    console.log(
      `queue: ${videoDone.size} videos in ${videoSeconds.toFixed(2)} s → ${throughput.toFixed(2)} shots/s; ideal K/L = ${ideal.toFixed(2)} shots/s`
    )
    console.log(
      `throughput / ideal = ${(throughput / ideal).toFixed(3)} (goal ≥ 0.9); vs baseline ×${(throughput / baseThroughput).toFixed(1)}`
    )
    console.log(`refused calls retried: ${refused}; Space renders: ${completed} for ${JOBS} shots`)
    console.log(
      `lost shots: ${lost}; duplicated shots: ${duplicated} (goal: 0 and 0); jobs ready ${jobs.filter((j) => j.state === 'ready').length}/${JOBS}`
    )
    console.log(`end to end incl. conform of ${JOBS} clips (real ffmpeg, one at a time): ${allDone.toFixed(1)} s`)
  } finally {
    console.error = quiet
    await core?.close()
    for (const s of spaces) await s.close()
    t.cleanup()
  }
}
