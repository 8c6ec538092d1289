import { afterEach, describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Core } from '../../../src/main/core/core'
import { openStudio } from '../../../src/main/studio'
import { GENERATION, LIBRARY } from '../../../src/main/services'
import { callCore } from '../../../src/main/cli/open-core'
import type { FalConfig } from '../../../src/shared/contract/generation'
import type { GenerationHandle } from '../../../src/main/generation/feature'
import type { Library } from '../../../src/main/library'
import { falInput, runOnFal } from '../../../src/main/generation/fal/queue'
import { GenerationError } from '../../../src/main/generation/errors'
import { testFal } from '../../../src/main/generation/health'
import type { StepContext, StepProgress } from '../../../src/main/generation/types'
import { startFakeFal, type FakeFal, type FakeFalOptions } from '../../fixtures/fal-server'
import { tempDir } from '../../helpers/tmp'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const KEY = 'fal-key-id:fal-key-secret-0123456789'
const ENDPOINT = 'fal-ai/wan/v2.2-5b/text-to-video'

async function fal(opts: Partial<FakeFalOptions> = {}): Promise<FakeFal> {
  const s = await startFakeFal({ key: KEY, endpoints: [ENDPOINT, 'fal-ai/stable-audio'], ...opts })
  cleanups.push(() => s.close())
  return s
}

function config(server: FakeFal, patch: Partial<FalConfig> = {}): FalConfig {
  return {
    kind: 'fal',
    endpoint: ENDPOINT,
    preset: 'wan22-ti2v-5b',
    params: { frames: 81, fps: 16, steps: 20, guidance: 3.5, resolution: '580p' },
    concurrency: 2,
    gateway: server.url,
    keyToGateway: true,
    pollMs: 100,
    ...patch
  }
}

function ctx(over: Partial<StepContext> = {}): StepContext & { progress: StepProgress[]; ids: Array<string | null> } {
  const progress: StepProgress[] = []
  const ids: Array<string | null> = []
  return {
    signal: new AbortController().signal,
    onProgress: (p) => progress.push(p),
    workDir: mkdtempSync(join(tmpdir(), 'fal-step-')),
    onRemoteId: (id) => ids.push(id),
    progress,
    ids,
    ...over
  }
}

const input = (c: FalConfig): Record<string, unknown> =>
  falInput(c, { prompt: 'a red kite over dunes, slow pan left', seed: 42 })

describe('fal queue backend (real @fal-ai/client against a local fal queue server)', () => {
  it('submits once, reports the queue position, keeps the request id, downloads the video', async () => {
    const s = await fal({ runMs: 500 })
    const c = config(s)
    const runs = [ctx(), ctx(), ctx()]
    const [a, b, d] = runs as [ReturnType<typeof ctx>, ReturnType<typeof ctx>, ReturnType<typeof ctx>]
    const outs = await Promise.all(
      runs.map((x) => runOnFal({ config: c, key: KEY }, { input: input(c), timeoutMs: 20_000, outputName: 'video' }, x))
    )
    expect(readFileSync(outs[0]!).subarray(4, 8).toString()).toBe('ftyp')
    expect(readFileSync(outs[2]!).length).toBeGreaterThan(1000)
    expect(s.stats.submits).toHaveLength(3)
    expect(s.stats.submits[0]!.authorization).toBe(`Key ${KEY}`)
    expect(s.stats.submits[0]!.body).toMatchObject({
      prompt: 'a red kite over dunes, slow pan left',
      seed: 42,
      num_frames: 81,
      frames_per_second: 16,
      num_inference_steps: 20,
      guidance_scale: 3.5,
      resolution: '580p'
    })
    // Three on one fake GPU: the last waited behind another queued one, and moved up (1 = next).
    const positions = [...a.progress, ...b.progress, ...d.progress]
      .map((p) => p.queuePosition)
      .filter((x) => x !== undefined)
    expect(positions).toContain(2)
    expect(positions).toContain(1)
    // The id was written (after the "submitting" marker) before anything else, and is left for the worker to clear.
    expect(a.ids[0]).toMatch(/^submitting:/)
    expect(a.ids[1]).toMatch(/^[0-9a-f-]{36}$/)
    expect(s.stats.downloads).toBe(3)
    // The key never went with the file download (public CDN URLs).
    expect(s.stats.authHeaders.filter((h) => h === undefined).length).toBe(3)
  })

  it('resumes by request id: polls the existing request, never submits again', async () => {
    const s = await fal({ runMs: 300 })
    const c = config(s)
    const first = ctx()
    const controller = new AbortController()
    const running = runOnFal(
      { config: c, key: KEY },
      { input: input(c), timeoutMs: 20_000, outputName: 'video' },
      { ...first, signal: controller.signal }
    )
    while (first.ids.length < 2) await new Promise((r) => setTimeout(r, 10))
    controller.abort('shutdown') // the process stops: the request stays at fal
    const stopped = await running.catch((e: unknown) => e)
    expect(stopped).toBeInstanceOf(GenerationError)
    expect(s.stats.cancels).toEqual([])
    const again = ctx({ remoteId: first.ids[1]! })
    const out = await runOnFal(
      { config: c, key: KEY },
      { input: input(c), timeoutMs: 20_000, outputName: 'video' },
      again
    )
    expect(readFileSync(out).length).toBeGreaterThan(1000)
    expect(s.stats.submits).toHaveLength(1)
  })

  it('a request half-sent when the process died is not sent again blindly', async () => {
    const s = await fal()
    const c = config(s)
    const err = await runOnFal(
      { config: c, key: KEY },
      { input: input(c), timeoutMs: 5000, outputName: 'video' },
      ctx({ remoteId: 'submitting:abc' })
    ).catch((e: unknown) => e as GenerationError)
    expect(err).toBeInstanceOf(GenerationError)
    expect((err as GenerationError).kind).toBe('permanent')
    expect((err as GenerationError).message).toMatch(/may already be making it.*Retry the job/)
    expect(s.stats.submits).toHaveLength(0)
  })

  it('cancel cancels at fal', async () => {
    const s = await fal({ runMs: 5000 })
    const c = config(s)
    const controller = new AbortController()
    const a = ctx({ signal: controller.signal })
    const running = runOnFal({ config: c, key: KEY }, { input: input(c), timeoutMs: 20_000, outputName: 'video' }, a)
    while (a.ids.length < 2) await new Promise((r) => setTimeout(r, 10))
    controller.abort('cancel')
    const err = (await running.catch((e: unknown) => e)) as GenerationError
    expect(err.kind).toBe('canceled')
    expect(s.stats.cancels).toEqual([a.ids[1]])
    expect(a.ids.at(-1)).toBeNull()
    expect(s.pending()).toBe(0)
  })

  it('a call that runs past the timeout is canceled at fal and retried later', async () => {
    const s = await fal({ scenario: 'never-finishes' })
    const c = config(s)
    const a = ctx()
    const err = (await runOnFal(
      { config: c, key: KEY },
      { input: input(c), timeoutMs: 600, outputName: 'video' },
      a
    ).catch((e: unknown) => e)) as GenerationError
    expect(err.kind).toBe('transient')
    expect(err.message).toMatch(/did not finish within 1 s; canceled there/)
    expect(s.stats.cancels).toHaveLength(1)
    expect(a.ids.at(-1)).toBeNull() // the next attempt submits anew
  })

  it.each([
    ['unauthorized', 'permanent', /did not accept the key \(401\).*fal\.ai\/dashboard\/keys/],
    ['balance', 'permanent', /billing: your credit is used up.*Exhausted balance.*fal\.ai\/dashboard\/billing/],
    ['validation', 'permanent', /rejected the inputs \(422\).*num_frames: Input should be less than or equal to 161/],
    ['oom', 'transient', /failed \(HTTP 500\).*CUDA out of memory/]
  ] as const)('%s: %s, in plain words', async (scenario, kind, message) => {
    const s = await fal({ scenario, runMs: 50 })
    const c = config(s)
    const err = (await runOnFal(
      { config: c, key: KEY },
      { input: input(c), timeoutMs: 10_000, outputName: 'video' },
      ctx()
    ).catch((e: unknown) => e)) as GenerationError
    expect(err).toBeInstanceOf(GenerationError)
    expect(err.kind).toBe(kind)
    expect(err.message).toMatch(message)
    expect(err.message).not.toContain(KEY)
    expect(err.retryAfterMs).toBeUndefined()
  })

  it('429: not retried blindly; the job waits (after the client’s own short retries)', async () => {
    const s = await fal({ scenario: 'rate-limited' })
    const c = config(s)
    const err = (await runOnFal(
      { config: c, key: KEY },
      { input: input(c), timeoutMs: 10_000, outputName: 'video' },
      ctx()
    ).catch((e: unknown) => e)) as GenerationError
    expect(err.kind).toBe('transient')
    expect(err.message).toMatch(/rate-limiting this account \(429\).*waits 60 s/)
    expect(err.retryAfterMs).toBe(60_000)
  }, 30_000)

  it('Test connection: key accepted, endpoint exists; bad key, unknown endpoint, no key, no switch — nothing generated', async () => {
    const s = await fal()
    expect(await testFal(config(s), KEY)).toMatchObject({
      ok: true,
      message: expect.stringMatching(/Key accepted by fal; fal-ai\/wan\/v2\.2-5b\/text-to-video exists/)
    })
    expect(await testFal(config(s), 'wrong-key-000000')).toMatchObject({ ok: false, problem: 'unauthorized' })
    expect(await testFal(config(s, { endpoint: 'fal-ai/nothing-here' }), KEY)).toMatchObject({
      ok: false,
      problem: 'not-found'
    })
    expect(await testFal(config(s), undefined)).toMatchObject({ ok: false, problem: 'no-key' })
    expect(await testFal(config(s, { keyToGateway: false }), KEY)).toMatchObject({ ok: false, problem: 'refused-host' })
    expect(s.stats.submits).toHaveLength(0)
  })

  it('the key goes to a local gateway only with the switch on', async () => {
    const s = await fal()
    const c = config(s, { keyToGateway: false })
    const err = (await runOnFal(
      { config: c, key: KEY },
      { input: input(c), timeoutMs: 5000, outputName: 'video' },
      ctx()
    ).catch((e: unknown) => e)) as GenerationError
    expect(err.kind).toBe('permanent')
    expect(err.message).toMatch(/goes only to fal\.ai \/ fal\.run.*switch on/)
    expect(s.stats.authHeaders).toEqual([]) // nothing reached the server
  })
})

async function studio(dir?: string): Promise<{ core: Core; gen: GenerationHandle; lib: Library; dir: string }> {
  let d = dir
  if (!d) {
    const t = tempDir()
    cleanups.push(t.cleanup)
    d = t.dir
  }
  const core = await openStudio({ dataDir: d, shell: 'headless', version: 'test' })
  cleanups.push(() => core.close())
  return {
    core,
    gen: core.services.get(GENERATION),
    lib: core.services.get(LIBRARY),
    dir: d
  }
}

describe('fal through the job queue', () => {
  it('jobs run on fal with per-backend concurrency, show queue position and where they run; the take says which model made it', async () => {
    const s = await fal({ runMs: 400 })
    const { core, gen, lib } = await studio()
    const ch = await callCore(core, 'library.channels.create', {
      name: 'Fal',
      format: { width: 256, height: 144, fps: 24 }
    })
    const set = await callCore(core, 'generation.backends.set', {
      channelId: ch.id,
      falKey: KEY,
      settings: {
        video: {
          enabled: true,
          backend: 'fal',
          preset: 'zeroscope-v2',
          spaces: [],
          configs: [config(s, { concurrency: 3 })]
        }
      }
    })
    expect(set.falKey).toBe('••••••••6789')
    const seen: Array<{ jobId: number; queuePosition: number | null; runsOn?: string | null | undefined }> = []
    core.bus.on('generation.job', (e) =>
      seen.push({ jobId: e.jobId, queuePosition: e.queuePosition, runsOn: e.runsOn })
    )
    const r = await callCore(core, 'generation.enqueue', {
      channelId: ch.id,
      shots: [
        { prompt: 'a lighthouse at night, slow push in' },
        { prompt: 'waves on rocks, static shot' },
        { prompt: 'gulls over the sea, pan right' }
      ],
      music: false
    })
    gen.start({ autopilot: false })
    const jobs = await gen.service.waitForJobs(r.jobIds, { pollMs: 100 })
    expect(jobs.map((j) => j.state)).toEqual(['ready', 'ready', 'ready'])
    expect(s.stats.submits).toHaveLength(3)
    expect(seen.some((e) => (e.queuePosition ?? 0) >= 2)).toBe(true)
    expect(jobs[0]!.runsOn).toBe(`fal · ${ENDPOINT} via ${new URL(s.url).host}`)
    expect(jobs[0]!.backend).toBe(`fal:${ENDPOINT}`)
    const takes = await callCore(core, 'library.takes.list', { shotId: r.shotIds[0]! })
    expect(takes.takes[0]!.backend).toContain(`fal · ${ENDPOINT}`)
    // The key is in the secret store only.
    const db = readFileSync(join(lib.dataDir, 'library.db')).toString('latin1')
    expect(db.includes(KEY)).toBe(false)
    expect(
      (
        lib
          .featureDatabase('generation')
          .prepare('SELECT COUNT(*) AS n FROM jobs WHERE remote_id IS NOT NULL')
          .get() as { n: number }
      ).n
    ).toBe(0)
  })

  it('402/balance fails the job at once with what to do; 429 waits instead of burning attempts', async () => {
    const s = await fal({ scenario: 'balance' })
    const { core, gen } = await studio()
    const ch = await callCore(core, 'library.channels.create', {
      name: 'Broke',
      format: { width: 256, height: 144, fps: 24 }
    })
    await callCore(core, 'generation.backends.set', {
      channelId: ch.id,
      falKey: KEY,
      settings: {
        retryBaseMs: 50,
        video: { enabled: true, backend: 'fal', preset: 'zeroscope-v2', spaces: [], configs: [config(s)] }
      }
    })
    const r = await callCore(core, 'generation.enqueue', {
      channelId: ch.id,
      shots: [{ prompt: 'a desert road, slow pan' }],
      music: false
    })
    gen.start({ autopilot: false })
    const [job] = await gen.service.waitForJobs(r.jobIds, { pollMs: 100 })
    expect(job!.state).toBe('failed')
    expect(job!.attempts).toBe(1)
    expect(job!.error).toMatch(/credit is used up.*fal\.ai\/dashboard\/billing/)
    expect(s.stats.submits).toHaveLength(1)
  })
})
