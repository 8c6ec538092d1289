import { afterEach, describe, expect, it } from 'vitest'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Core } from '../../../src/main/core/core'
import { openStudio } from '../../../src/main/studio'
import { GENERATION, LIBRARY } from '../../../src/main/services'
import { callCore } from '../../../src/main/cli/open-core'
import type { GenerationHandle } from '../../../src/main/generation/feature'
import type { Library } from '../../../src/main/library'
import type { JobDto, RunpodConfig } from '../../../src/shared/contract/generation'
import { tokenDecision } from '../../../src/main/generation/token-policy'
import { RUNPOD_SERVICE } from '../../../src/main/generation/runpod/run'
import { startFakeRunpod, type FakeRunpod, type FakeRunpodOptions } from '../../fixtures/runpod-server'
import { tempDir } from '../../helpers/tmp'
import { openLibraryDb } from '../../fixtures/library-db'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const KEY = 'rpa_TESTKEY0123456789abcdef'
const ENDPOINT = 'wan22ep01'

async function runpod(opts: Partial<FakeRunpodOptions> = {}): Promise<FakeRunpod> {
  const s = await startFakeRunpod({ key: KEY, endpoints: [ENDPOINT], ...opts })
  cleanups.push(() => s.close())
  return s
}

function config(s: FakeRunpod, patch: Partial<RunpodConfig> = {}): RunpodConfig {
  return {
    kind: 'runpod',
    endpointId: ENDPOINT,
    comfyui: { workflow: 'wan22-t2v', seconds: 1 },
    concurrency: 2,
    baseUrl: s.url,
    pollMs: 100,
    ...patch
  }
}

interface Studio {
  core: Core
  gen: GenerationHandle
  lib: Library
  dir: string
  close(): Promise<void>
}

async function studio(dir?: string): Promise<Studio> {
  let d = dir
  if (!d) {
    const t = tempDir()
    cleanups.push(t.cleanup)
    d = t.dir
  }
  const core = await openStudio({ dataDir: d, shell: 'headless', version: 'test' })
  let closed = false
  const close = async (): Promise<void> => {
    if (closed) return
    closed = true
    await core.close()
  }
  cleanups.push(close)
  return { core, gen: core.services.get(GENERATION), lib: core.services.get(LIBRARY), dir: d, close }
}

async function channelOnRunpod(
  st: Studio,
  s: FakeRunpod,
  patch: Partial<RunpodConfig> = {},
  key: string = KEY
): Promise<number> {
  const ch = await callCore(st.core, 'library.channels.create', {
    name: `RunPod${Math.random().toString(36).slice(2, 6)}`,
    format: { width: 256, height: 144, fps: 24 }
  })
  const set = await callCore(st.core, 'generation.backends.set', {
    channelId: ch.id,
    keys: { runpodKey: key },
    settings: {
      retryBaseMs: 50,
      maxAttempts: 3,
      music: { enabled: false, backend: 'offline', preset: 'musicgen', spaces: [] },
      video: { enabled: true, backend: 'runpod', preset: 'zeroscope-v2', spaces: [], configs: [config(s, patch)] }
    }
  })
  // Masked on the way back: only the last four characters.
  expect(set.keys?.runpodKey).toBe(`••••••••${key.slice(-4)}`)
  return ch.id
}

async function until<T>(what: string, f: () => T | undefined | false, ms = 20_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = f()
    if (v) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

describe('RunPod Serverless (worker-comfyui) through the job queue, against a local RunPod API server', () => {
  it('submits the workflow once, shows the queue, brings the base64 result home and conforms the shot', async () => {
    const s = await runpod()
    const st = await studio()
    const channelId = await channelOnRunpod(st, s)
    const steps: string[] = []
    st.core.bus.on('generation.job', (e) => {
      if (e.step) steps.push(e.step)
    })
    const r = await callCore(st.core, 'generation.enqueue', {
      channelId,
      shots: [{ prompt: 'a red kite over dunes, slow pan left', seed: 7 }],
      music: false
    })
    st.gen.start({ autopilot: false })
    const [job] = await st.gen.service.waitForJobs(r.jobIds, { pollMs: 50 })
    expect(job!.state, job!.error ?? '').toBe('ready')
    expect(s.stats.submits).toHaveLength(1)
    const sent = s.stats.submits[0]!
    expect(sent.authorization).toBe(`Bearer ${KEY}`)
    // The shipped API-format workflow, with the shot's prompt and seed filled in.
    const nodes = Object.values(sent.input.workflow)
    expect(nodes.some((n) => n.class_type === 'KSampler' && n.inputs.seed === 7)).toBe(true)
    expect(
      nodes.some((n) => n.class_type === 'CLIPTextEncode' && n.inputs.text === 'a red kite over dunes, slow pan left')
    ).toBe(true)
    expect(job!.runsOn).toBe(`RunPod · ${ENDPOINT} via ${new URL(s.url).host}`)
    expect(job!.backend).toBe(`runpod:${ENDPOINT}`)
    expect(steps.some((x) => x.startsWith(`video: RunPod · ${ENDPOINT}`))).toBe(true)
    const shot = st.lib.getShot(r.shotIds[0]!)
    expect(shot.status).toBe('ready')
    const takes = await callCore(st.core, 'library.takes.list', { shotId: r.shotIds[0]! })
    expect(takes.takes[0]!.backend).toBe(`runpod:wan22-t2v@${ENDPOINT}`)
    // The key lives in the secret store only; no request id is left on a finished job.
    expect(readFileSync(join(st.dir, 'library.db')).toString('latin1').includes(KEY)).toBe(false)
    expect(
      (
        openLibraryDb(st.dir).prepare('SELECT COUNT(*) AS n FROM jobs WHERE remote_id IS NOT NULL').get() as {
          n: number
        }
      ).n
    ).toBe(0)
  })

  it('an s3_url result is downloaded without the key; music runs on RunPod too', async () => {
    const s = await runpod({ output: 's3_url' })
    const st = await studio()
    const channelId = await channelOnRunpod(st, s)
    await callCore(st.core, 'generation.backends.set', {
      channelId,
      settings: {
        music: {
          enabled: true,
          backend: 'runpod',
          preset: 'musicgen',
          spaces: [],
          configs: [config(s, { comfyui: { workflow: 'ace-step' } })]
        }
      }
    })
    const r = await callCore(st.core, 'generation.enqueue', {
      channelId,
      shots: [{ prompt: 'harbour lights at dusk' }],
      music: true
    })
    st.gen.start({ autopilot: false })
    const [job] = await st.gen.service.waitForJobs(r.jobIds, { pollMs: 50 })
    expect(job!.state, job!.error ?? '').toBe('ready')
    const music = st.gen.service.listJobs({ channelId, limit: 10 }).find((j) => j.kind === 'music')
    expect(music?.state, music?.error ?? '').toBe('ready')
    expect(s.stats.submits).toHaveLength(2)
    expect(
      s.stats.submits.some((x) => Object.values(x.input.workflow).some((n) => n.class_type === 'SaveAudioMP3'))
    ).toBe(true)
    expect(s.stats.s3Downloads).toBe(2)
    expect(s.stats.s3Authorization).toEqual([])
  })

  it('cancel stops the job at RunPod', async () => {
    const s = await runpod({ queueMs: 60_000 })
    const st = await studio()
    const channelId = await channelOnRunpod(st, s)
    const r = await callCore(st.core, 'generation.enqueue', {
      channelId,
      shots: [{ prompt: 'slow rain' }],
      music: false
    })
    st.gen.start({ autopilot: false })
    await until('the submit', () => s.stats.submits.length === 1)
    await until('the job id on the row', () => st.gen.service.store.get(r.jobIds[0]!)?.remote_id?.endsWith('-u1'))
    const c = await callCore(st.core, 'generation.jobs.cancel', { id: r.jobIds[0]! })
    expect(c.state).toBe('canceled')
    await until('the cancel at RunPod', () => s.stats.cancels.length === 1)
    expect(s.stats.cancels[0]).toBe([...s.jobs.keys()][0])
  })

  it('a restart mid-job re-attaches to the job by its id: 0 resubmits', async () => {
    const s = await runpod({ queueMs: 600, runMs: 600 })
    const t = tempDir()
    cleanups.push(t.cleanup)
    const first = await studio(t.dir)
    const channelId = await channelOnRunpod(first, s)
    const r = await callCore(first.core, 'generation.enqueue', {
      channelId,
      shots: [{ prompt: 'a tram in fog' }],
      music: false
    })
    first.gen.start({ autopilot: false })
    const id = await until('the job id on the row', () => {
      const v = first.gen.service.store.get(r.jobIds[0]!)?.remote_id
      return v && !v.startsWith('submitting:') ? v : undefined
    })
    expect(id).toBe([...s.jobs.keys()][0])
    await first.close()
    expect(s.stats.cancels).toEqual([])
    const second = await studio(t.dir)
    // The id survived the stop on the row.
    expect(second.gen.service.store.get(r.jobIds[0]!)?.remote_id).toBe(id)
    second.gen.start({ autopilot: false })
    const [job] = await second.gen.service.waitForJobs(r.jobIds, { pollMs: 50 })
    expect(job!.state, job!.error ?? '').toBe('ready')
    expect(s.stats.submits).toHaveLength(1)
  })

  it.each(['404', 'empty'] as const)(
    'a result past its retention (%s) says so clearly and is sent again on the retry',
    async (forgetAs) => {
      const s = await runpod({ forgetFirst: 1, forgetAs })
      const st = await studio()
      const channelId = await channelOnRunpod(st, s)
      const errors: string[] = []
      const r = await callCore(st.core, 'generation.enqueue', {
        channelId,
        shots: [{ prompt: 'dust in a barn' }],
        music: false
      })
      st.gen.start({ autopilot: false })
      const [job] = await st.gen.service.waitForJobs(r.jobIds, {
        pollMs: 20,
        onUpdate: (jobs: JobDto[]) => {
          for (const j of jobs) if (j.error) errors.push(j.error)
        }
      })
      expect(job!.state, job!.error ?? '').toBe('ready')
      expect(s.stats.submits).toHaveLength(2)
      expect(
        errors.some((e) =>
          /Attempt 1 of 3 failed: RunPod no longer has job .*kept only about 30 minutes.*sent again/.test(e)
        )
      ).toBe(true)
    }
  )

  it('401 and 402 answers fail the job at once and say what to do; Test connection says it too', async () => {
    const bad = await runpod()
    const st = await studio()
    const ch401 = await channelOnRunpod(st, bad, {}, 'rpa_WRONGKEY000000000000')
    const r1 = await callCore(st.core, 'generation.enqueue', {
      channelId: ch401,
      shots: [{ prompt: 'x y z' }],
      music: false
    })
    st.gen.start({ autopilot: false })
    const [j1] = await st.gen.service.waitForJobs(r1.jobIds, { pollMs: 50 })
    expect(j1!.state).toBe('failed')
    expect(j1!.error).toMatch(/RunPod did not accept the key \(401\).*runpod\.io → Settings → API Keys/)
    expect(j1!.attempts).toBe(1)
    const t1 = await callCore(st.core, 'generation.backends.test', { channelId: ch401, step: 'video' })
    expect(t1.results[0]).toMatchObject({ kind: 'runpod', ok: false, problem: 'unauthorized' })
    // The right key (one key for every channel), on an account with no credit left.
    const broke = await runpod({ refuseRun: { status: 402, body: { error: 'insufficient balance' } } })
    const ch402 = await channelOnRunpod(st, broke)
    const r2 = await callCore(st.core, 'generation.enqueue', {
      channelId: ch402,
      shots: [{ prompt: 'x y z' }],
      music: false
    })
    const [j2] = await st.gen.service.waitForJobs(r2.jobIds, { pollMs: 50 })
    expect(j2!.state).toBe('failed')
    expect(j2!.error).toMatch(/RunPod refused the job for billing.*Add credit at runpod\.io/)
    // Nothing about the key itself in what the user reads.
    expect(`${j1!.error}${j2!.error}`.includes('WRONGKEY')).toBe(false)
    const t2 = await callCore(st.core, 'generation.backends.test', { channelId: ch402, step: 'video' })
    expect(t2.results[0]).toMatchObject({ kind: 'runpod', ok: true })
    expect(broke.stats.submits).toHaveLength(0)
  })

  it('a result far larger than the clip can be is not kept: the partial file is deleted and the job says why', async () => {
    // 1 s asked: the bound is 1 s at 50 Mbit/s + 8 MB ≈ 14 MB; the "result" is 64 MB.
    const s = await runpod({ output: 's3_url', s3Bytes: 64 * 1024 * 1024 })
    const st = await studio()
    const channelId = await channelOnRunpod(st, s)
    const r = await callCore(st.core, 'generation.enqueue', {
      channelId,
      shots: [{ prompt: 'a huge file' }],
      music: false
    })
    st.gen.start({ autopilot: false })
    const [job] = await st.gen.service.waitForJobs(r.jobIds, { pollMs: 50 })
    expect(job!.state).toBe('failed')
    expect(job!.error).toMatch(/larger than \d+ MB.*not kept/)
    const dir = join(st.dir, 'generation', 'jobs', String(r.jobIds[0]!), 'video')
    expect(existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith('video')) : []).toEqual([])
  })

  it('the key goes only to api.runpod.ai; another API address is refused unless it is this machine', async () => {
    const s = await runpod()
    const st = await studio()
    const channelId = await channelOnRunpod(st, s)
    await expect(
      callCore(st.core, 'generation.backends.set', {
        channelId,
        settings: {
          video: {
            enabled: true,
            backend: 'runpod',
            preset: 'zeroscope-v2',
            spaces: [],
            configs: [config(s, { baseUrl: 'https://runpod-proxy.example.org' })]
          }
        }
      })
    ).rejects.toThrow(/goes only to api\.runpod\.ai.*this machine/)
    await expect(
      callCore(st.core, 'generation.backends.set', {
        channelId,
        settings: {
          video: {
            enabled: true,
            backend: 'runpod',
            preset: 'zeroscope-v2',
            spaces: [],
            configs: [config(s, { endpointId: 'x', baseUrl: undefined }) as RunpodConfig]
          }
        }
      })
    ).resolves.toBeTruthy()
    const route = { service: RUNPOD_SERVICE }
    expect(tokenDecision('https://api.runpod.ai/v2/x/run', route).send).toBe(true)
    expect(tokenDecision('http://api.runpod.ai/v2/x/run', route).send).toBe(false)
    expect(tokenDecision('https://api.runpod.ai.evil.example/v2/x/run', route).send).toBe(false)
    expect(tokenDecision('https://runpod.ai/v2/x/run', route).send).toBe(false)
    expect(tokenDecision('http://127.0.0.1:9/v2/x/run', { ...route, allowCustomHost: true }).send).toBe(true)
  })
})
