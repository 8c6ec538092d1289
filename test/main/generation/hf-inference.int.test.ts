import { afterEach, describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStudio } from '../../../src/main/studio'
import { GENERATION } from '../../../src/main/services'
import { callCore } from '../../../src/main/cli/open-core'
import type { HfInferenceConfig } from '../../../src/shared/contract/generation'
import { runOnHf } from '../../../src/main/generation/hf-inference/run'
import { testHfInference } from '../../../src/main/generation/health'
import { GenerationError } from '../../../src/main/generation/errors'
import type { StepContext } from '../../../src/main/generation/types'
import { startFakeFal, type FakeFal, type FakeFalOptions } from '../../fixtures/fal-server'
import { tempDir } from '../../helpers/tmp'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const TOKEN = 'hf_router_test_token_abcdef0123'
const WAN = 'Wan-AI/Wan2.2-TI2V-5B'
const AUDIO = 'stabilityai/stable-audio-open-1.0'

async function router(opts: Partial<FakeFalOptions> = {}): Promise<FakeFal> {
  const s = await startFakeFal({
    mode: 'hf-router',
    key: TOKEN,
    hfModels: {
      [WAN]: { task: 'text-to-video', providers: { 'fal-ai': 'fal-ai/wan/v2.2-5b/text-to-video' } },
      [AUDIO]: { task: 'text-to-audio', providers: { 'fal-ai': 'fal-ai/stable-audio' } }
    },
    ...opts
  })
  cleanups.push(() => s.close())
  return s
}

function config(server: FakeFal, patch: Partial<HfInferenceConfig> = {}): HfInferenceConfig {
  return {
    kind: 'hf-inference',
    provider: 'fal-ai',
    model: WAN,
    preset: 'wan22-ti2v-5b',
    params: { frames: 81, steps: 20, guidance: 3.5, negativePrompt: 'blurry' },
    concurrency: 2,
    gateway: server.url,
    tokenToGateway: true,
    ...patch
  }
}

function ctx(signal = new AbortController().signal): StepContext {
  return { signal, onProgress: () => undefined, workDir: mkdtempSync(join(tmpdir(), 'hf-step-')) }
}

const run = (
  s: FakeFal,
  patch: Partial<HfInferenceConfig> = {},
  token = TOKEN,
  timeoutMs = 20_000,
  signal?: AbortSignal
): Promise<string> =>
  runOnHf(
    { config: config(s, patch), token },
    { task: 'video', prompt: 'a paper boat on a river, slow pan left', seed: 7, timeoutMs, outputName: 'video' },
    ctx(signal)
  )

describe('HF Inference Providers (real @huggingface/inference against a local server speaking the router protocol)', () => {
  it('text-to-video through the router to fal-ai: model mapping from the Hub, queue, result, file', async () => {
    const s = await router({ runMs: 200 })
    const out = await run(s)
    expect(readFileSync(out).subarray(4, 8).toString()).toBe('ftyp')
    expect(s.stats.hubCalls.some((c) => c.startsWith(`/api/models/${WAN}`))).toBe(true)
    expect(s.stats.submits).toHaveLength(1)
    expect(s.stats.submits[0]!.authorization).toBe(`Bearer ${TOKEN}`)
    expect(s.stats.submits[0]!.body).toMatchObject({
      prompt: 'a paper boat on a river, slow pan left',
      seed: 7,
      num_frames: 81,
      num_inference_steps: 20,
      guidance_scale: 3.5,
      negative_prompt: 'blurry'
    })
    expect(s.stats.statusPolls).toBeGreaterThan(0)
  })

  it('text-to-audio (Stable Audio Open) for the music step', async () => {
    const s = await router({ runMs: 100 })
    const out = await runOnHf(
      {
        config: config(s, { model: AUDIO, preset: 'stable-audio-open', params: { steps: 50, seconds: 47 } }),
        token: TOKEN
      },
      {
        task: 'music',
        prompt: 'calm piano, instrumental',
        seed: 3,
        durationSeconds: 12,
        timeoutMs: 20_000,
        outputName: 'music'
      },
      ctx()
    )
    expect(out.endsWith('.wav')).toBe(true)
    expect(readFileSync(out).subarray(0, 4).toString()).toBe('RIFF')
    expect(s.stats.submits[0]!.body).toMatchObject({ prompt: 'calm piano, instrumental', seconds_total: 12, steps: 50 })
  })

  it.each([
    ['unauthorized', /did not accept the key \(401\).*huggingface\.co\/settings\/tokens/, 'permanent'],
    [
      'payment-required',
      /billing: your credit is used up.*monthly included credits.*huggingface\.co\/settings\/billing/,
      'permanent'
    ],
    ['validation', /rejected the inputs \(422\)/, 'permanent']
  ] as const)('%s: in plain words, %s', async (scenario, message, kind) => {
    const s = await router({ scenario })
    const err = (await run(s, {}, scenario === 'unauthorized' ? 'hf_wrong_token_0000000000' : TOKEN).catch(
      (e: unknown) => e
    )) as GenerationError
    expect(err).toBeInstanceOf(GenerationError)
    expect(err.kind).toBe(kind)
    expect(err.message).toMatch(message)
    expect(err.message).not.toContain(TOKEN)
  })

  it('429: waits the Retry-After the router gave instead of retrying blindly', async () => {
    const s = await router({ scenario: 'rate-limited' })
    const err = (await run(s).catch((e: unknown) => e)) as GenerationError
    expect(err.kind).toBe('transient')
    expect(err.message).toMatch(/rate-limiting this account \(429\)/)
    expect(err.retryAfterMs).toBeGreaterThanOrEqual(1000)
    expect(s.stats.submits).toHaveLength(1) // the client itself did not hammer it either
  })

  it('a model the provider does not serve, and a model that does not exist, are refused with what to do', async () => {
    const s = await router()
    const wrong = (await run(s, { provider: 'replicate' }).catch((e: unknown) => e)) as GenerationError
    expect(wrong.kind).toBe('permanent')
    const missing = (await run(s, { model: 'nobody/no-such-model' }).catch((e: unknown) => e)) as GenerationError
    expect(missing.kind).toBe('permanent')
    expect(missing.message).toMatch(/nobody\/no-such-model/)
    expect(s.stats.submits).toHaveLength(0)
  })

  it('timeout and cancel stop the call', async () => {
    const s = await router({ scenario: 'never-finishes' })
    const timedOut = (await run(s, {}, TOKEN, 1500).catch((e: unknown) => e)) as GenerationError
    expect(timedOut.kind).toBe('transient')
    expect(timedOut.message).toMatch(/did not finish within 2 s/)
    const c = new AbortController()
    const p = run(s, {}, TOKEN, 20_000, c.signal)
    setTimeout(() => c.abort('cancel'), 800)
    expect(((await p.catch((e: unknown) => e)) as GenerationError).kind).toBe('canceled')
  })

  it('the token is not sent to a gateway unless switched on, nor a token that is not an HF token', async () => {
    const s = await router()
    const off = (await run(s, { tokenToGateway: false }).catch((e: unknown) => e)) as GenerationError
    expect(off.kind).toBe('permanent')
    expect(off.message).toMatch(/goes only to huggingface\.co \/ hf\.space.*switch on/)
    const notHf = (await run(s, {}, 'fal-key-123456789').catch((e: unknown) => e)) as GenerationError
    expect(notHf.message).toMatch(/must start with "hf_"/)
    expect(s.stats.authHeaders).toEqual([])
  })

  it('Test connection: token via whoami, model served by the provider', async () => {
    const s = await router()
    expect(await testHfInference(config(s), TOKEN, 'text-to-video')).toMatchObject({
      ok: true,
      message: expect.stringMatching(/tester.*served by fal-ai/)
    })
    expect(await testHfInference(config(s), 'hf_bad_token_000000000', 'text-to-video')).toMatchObject({
      ok: false,
      problem: 'unauthorized'
    })
    expect(await testHfInference(config(s, { provider: 'novita' }), TOKEN, 'text-to-video')).toMatchObject({
      ok: false,
      problem: 'not-served',
      message: expect.stringMatching(/served by fal-ai/)
    })
    expect(await testHfInference(config(s, { model: 'x/y' }), TOKEN, 'text-to-video')).toMatchObject({
      ok: false,
      problem: 'not-found'
    })
    expect(await testHfInference(config(s), undefined, 'text-to-video')).toMatchObject({ ok: false, problem: 'no-key' })
    expect(await testHfInference(config(s, { tokenToGateway: false }), TOKEN, 'text-to-video')).toMatchObject({
      ok: false,
      problem: 'refused-host'
    })
    expect(s.stats.submits).toHaveLength(0) // a test never generates (nor bills)
  })
})

describe('HF Inference through the job queue', () => {
  it('a shot made on Inference Providers becomes a take that says which provider and model made it', async () => {
    const s = await router({ runMs: 150 })
    const t = tempDir()
    cleanups.push(t.cleanup)
    const core = await openStudio({ dataDir: t.dir, shell: 'headless', version: 'test' })
    cleanups.push(() => core.close())
    const gen = core.services.get(GENERATION)
    const ch = await callCore(core, 'library.channels.create', {
      name: 'HF',
      format: { width: 256, height: 144, fps: 24 }
    })
    await callCore(core, 'generation.backends.set', {
      channelId: ch.id,
      hfToken: TOKEN,
      settings: {
        video: { enabled: true, backend: 'hf-inference', preset: 'zeroscope-v2', spaces: [], configs: [config(s)] },
        music: {
          enabled: true,
          backend: 'hf-inference',
          preset: 'musicgen',
          spaces: [],
          configs: [config(s, { model: AUDIO, preset: 'stable-audio-open', params: { steps: 20 } })]
        }
      }
    })
    const test = await callCore(core, 'generation.backends.test', { channelId: ch.id })
    expect(test.results.map((r) => [r.step, r.kind, r.ok])).toEqual([
      ['video', 'hf-inference', true],
      ['music', 'hf-inference', true]
    ])
    const r = await callCore(core, 'generation.enqueue', {
      channelId: ch.id,
      theme: 'rivers',
      shots: [{ prompt: 'a river at dawn, slow pan left' }]
    })
    gen.start({ autopilot: false })
    const jobs = await gen.service.waitForJobs(r.jobIds, { pollMs: 100 })
    expect(jobs[0]!.state).toBe('ready')
    expect(jobs[0]!.runsOn).toBe(`HF Inference · fal-ai · ${WAN} via ${new URL(s.url).host}`)
    const all = gen.service.listJobs({ channelId: ch.id })
    expect(all.find((j) => j.kind === 'music')!.state).toBe('ready')
    const takes = await callCore(core, 'library.takes.list', { shotId: r.shotIds[0]! })
    expect(takes.takes[0]!.backend).toContain(`HF Inference · fal-ai · ${WAN}`)
  })
})
