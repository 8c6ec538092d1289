import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { statSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { startFakeSpace, type FakeSpace, type FakeSpaceOptions } from '../../fixtures/gradio-server'
import { runOnSpace, testSpace } from '../../../src/main/generation/gradio/space'
import { PRESETS, type GradioMapping } from '../../../src/main/generation/gradio/presets'
import { GenerationError } from '../../../src/main/generation/errors'
import type { StepProgress } from '../../../src/main/generation/types'
import { tempDir } from '../../helpers/tmp'

const spaces: FakeSpace[] = []
async function space(opts: FakeSpaceOptions): Promise<FakeSpace> {
  const s = await startFakeSpace(opts)
  spaces.push(s)
  return s
}
afterEach(async () => {
  await Promise.all(spaces.splice(0).map((s) => s.close()))
})

let tmp: { dir: string; cleanup: () => void }
beforeAll(() => {
  tmp = tempDir()
})
afterAll(() => tmp.cleanup())

function ctx(
  progress: StepProgress[] = [],
  signal = new AbortController().signal
): { signal: AbortSignal; onProgress: (p: StepProgress) => void; workDir: string } {
  return { signal, onProgress: (p) => progress.push(p), workDir: tmp.dir }
}

function durationOf(path: string): number {
  const r = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path])
  return Number(r.stdout.toString().trim())
}

const zeroscope = PRESETS['zeroscope-v2'].mapping

describe('Gradio backend with the real @gradio/client against a local Gradio 5 app', () => {
  it('runs zeroscope /run and downloads the video', async () => {
    const s = await space({ signature: 'zeroscope' })
    const progress: StepProgress[] = []
    const out = await runOnSpace(
      { space: s.url },
      {
        mapping: zeroscope,
        values: { prompt: 'a red fox, slow pan left', seed: 42 },
        timeoutMs: 20_000,
        outputName: 'v1'
      },
      ctx(progress)
    )
    expect(statSync(out).size).toBeGreaterThan(1000)
    expect(durationOf(out)).toBeCloseTo(1, 0)
    expect(s.stats.joins).toHaveLength(1)
    expect(s.stats.joins[0]!.data).toEqual(['a red fox, slow pan left', 42, 24, 35])
    expect(progress.some((p) => p.percent !== undefined && p.percent > 0)).toBe(true)
  })

  it('uploads the clip for the XL upscale and FILM, and picks the audio of MusicGen', async () => {
    const gen = await space({ signature: 'zeroscope' })
    const clip = await runOnSpace(
      { space: gen.url },
      { mapping: zeroscope, values: { prompt: 'p', seed: 1 }, timeoutMs: 20_000, outputName: 'src' },
      ctx()
    )
    const xl = await space({ signature: 'zeroscope-xl' })
    const up = await runOnSpace(
      { space: xl.url },
      {
        mapping: PRESETS['zeroscope-xl'].mapping,
        values: { prompt: 'p', video: clip },
        timeoutMs: 20_000,
        outputName: 'xl'
      },
      ctx()
    )
    expect(xl.stats.uploads).toBe(1)
    expect(xl.stats.joins[0]!.data[0]).toBe('p')
    expect((xl.stats.joins[0]!.data[1] as { meta: { _type: string } }).meta._type).toBe('gradio.FileData')
    expect(durationOf(up)).toBeGreaterThan(0.5)
    const film = await space({ signature: 'film' })
    await runOnSpace(
      { space: film.url },
      { mapping: PRESETS.film.mapping, values: { video: up }, timeoutMs: 20_000, outputName: 'film' },
      ctx()
    )
    expect(film.stats.uploads).toBe(1)
    const music = await space({ signature: 'musicgen' })
    const track = await runOnSpace(
      { space: music.url },
      {
        mapping: PRESETS.musicgen.mapping,
        values: { prompt: 'calm synth', duration: 3 },
        timeoutMs: 20_000,
        outputName: 'music'
      },
      ctx()
    )
    expect(track.endsWith('.wav')).toBe(true)
    expect(durationOf(track)).toBeCloseTo(3, 0)
  })

  it('reports queue positions and ETA while slow', async () => {
    const s = await space({ signature: 'zeroscope', scenario: 'slow', latencyMs: 250, jobsAhead: 2 })
    const progress: StepProgress[] = []
    await runOnSpace(
      { space: s.url },
      { mapping: zeroscope, values: { prompt: 'p', seed: 1 }, timeoutMs: 20_000, outputName: 'slow' },
      ctx(progress)
    )
    const positions = progress.map((p) => p.queuePosition).filter((p): p is number => p !== undefined)
    expect(Math.max(...positions)).toBe(2)
    expect(progress.some((p) => p.etaSeconds !== undefined)).toBe(true)
  })

  it.each([
    ['queue-full', 'transient', /busy/],
    ['error', 'transient', /CUDA out of memory/],
    ['auth', 'permanent', /needs a Hugging Face token/],
    ['gradio3', 'permanent', /Gradio 3.*Gradio 4 or newer/],
    ['sleeping', 'transient', /asleep or starting/],
    ['paused', 'permanent', /paused by its owner/]
  ] as const)('scenario %s fails as %s with a message saying what to do', async (scenario, kind, message) => {
    const s = await space({
      signature: 'zeroscope',
      scenario,
      ...(scenario === 'sleeping' ? { sleepingRequests: 5 } : {})
    })
    const err = await runOnSpace(
      { space: s.url },
      { mapping: zeroscope, values: { prompt: 'p', seed: 1 }, timeoutMs: 20_000, outputName: 'x' },
      ctx()
    ).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(GenerationError)
    expect((err as GenerationError).kind).toBe(kind)
    expect((err as GenerationError).message).toMatch(message)
  })

  it('sends the token to a self-hosted Space only with the switch on, and never puts it in an error', async () => {
    const token = 'hf_secret_abcdef123456'
    const s = await space({ signature: 'zeroscope', scenario: 'auth', token })
    // Off by default: a Space on another host than Hugging Face's (here 127.0.0.1) gets no token.
    const refused = await runOnSpace(
      { space: s.url, token },
      { mapping: zeroscope, values: { prompt: 'p', seed: 1 }, timeoutMs: 20_000, outputName: 'off' },
      ctx()
    ).catch((e: Error) => e)
    expect((refused as GenerationError).kind).toBe('permanent')
    expect((refused as Error).message).toMatch(/yours was not sent.*another host.*switch on/)
    expect(s.stats.authHeaders.filter(Boolean)).toEqual([])
    const out = await runOnSpace(
      { space: s.url, token, tokenToCustomHost: true },
      { mapping: zeroscope, values: { prompt: 'p', seed: 1 }, timeoutMs: 20_000, outputName: 'auth' },
      ctx()
    )
    expect(statSync(out).size).toBeGreaterThan(0)
    expect(s.stats.joins[0]!.authorization).toBe(`Bearer ${token}`)
    const wrong = await runOnSpace(
      { space: s.url, token: 'hf_wrong_0000000000', tokenToCustomHost: true },
      { mapping: zeroscope, values: { prompt: 'p', seed: 1 }, timeoutMs: 20_000, outputName: 'a2' },
      ctx()
    ).catch((e: Error) => e)
    expect((wrong as Error).message).not.toContain('hf_wrong_0000000000')
    expect((wrong as GenerationError).kind).toBe('permanent')
  })

  it('rejects wrong arguments (422) as permanent', async () => {
    const s = await space({ signature: 'zeroscope' })
    const bad: GradioMapping = { endpoint: '/run', args: ['{prompt}', 'not-a-number', 24, 35], outputIndex: 0 }
    const err = (await runOnSpace(
      { space: s.url },
      { mapping: bad, values: { prompt: 'p', seed: 1 }, timeoutMs: 20_000, outputName: 'x' },
      ctx()
    ).catch((e: unknown) => e)) as GenerationError
    expect(err.kind).toBe('permanent')
    expect(err.message).toMatch(/rejected the arguments.*seed/)
  })

  it('cancels the Space job when the signal aborts', async () => {
    // The job runs far longer than any cancel takes on a busy machine: a canceled run that
    // waited for the job instead would show as a completed job and a late answer.
    const s = await space({ signature: 'zeroscope', latencyMs: 30_000 })
    const ac = new AbortController()
    const running = runOnSpace(
      { space: s.url },
      { mapping: zeroscope, values: { prompt: 'p', seed: 1 }, timeoutMs: 60_000, outputName: 'x' },
      ctx([], ac.signal)
    ).catch((e: unknown) => e)
    // Cancel once the Space has the job (its queue join), not after a guessed delay.
    await expect.poll(() => s.stats.joins.length, { timeout: 20_000 }).toBe(1)
    const abortedAt = Date.now()
    ac.abort()
    const err = (await running) as GenerationError
    expect(err.kind).toBe('canceled')
    expect(Date.now() - abortedAt).toBeLessThan(20_000)
    expect(s.stats.completed).toBe(0)
    // The cancel request goes out without holding up the run: the Space counts it when it arrives.
    await expect.poll(() => s.stats.canceled, { timeout: 20_000 }).toBe(1)
  })

  it('times out as transient', async () => {
    const s = await space({ signature: 'zeroscope', latencyMs: 3000 })
    const err = (await runOnSpace(
      { space: s.url },
      { mapping: zeroscope, values: { prompt: 'p', seed: 1 }, timeoutMs: 300, outputName: 'x' },
      ctx()
    ).catch((e: unknown) => e)) as GenerationError
    expect(err.kind).toBe('transient')
    expect(err.message).toMatch(/did not finish within/)
  })
})

describe('test connection', () => {
  it('accepts a matching Space and lists its parameters', async () => {
    const s = await space({ signature: 'zeroscope' })
    const r = await testSpace({ space: s.url }, zeroscope, 'video')
    expect(r.ok).toBe(true)
    expect(r.parameters.map((p) => p.name)).toEqual(['prompt', 'seed', 'num_frames', 'num_inference_steps'])
    expect(r.gradioVersion).toBe('5.9.1')
  })

  it.each([
    [
      { signature: 'zeroscope', apiName: 'generate' },
      zeroscope,
      'missing-endpoint',
      /has no endpoint \/run.*\/generate/
    ],
    [
      { signature: 'zeroscope' },
      { endpoint: '/run', args: ['{prompt}', '{seed}', 24, 35, 7], outputIndex: 0 },
      'wrong-parameters',
      /takes 4 values .* sends 5/
    ],
    [
      { signature: 'zeroscope-xl' },
      { endpoint: '/zero_xl', args: ['{video}', '{prompt}', 0.66], outputIndex: 0 },
      'wrong-parameters',
      /\{video\} goes to "prompt"/
    ],
    [{ signature: 'zeroscope', scenario: 'auth' }, zeroscope, 'unauthorized', /token/],
    [{ signature: 'zeroscope', scenario: 'gradio3' }, zeroscope, 'gradio3', /Gradio 3\.50\.2.*Gradio 4 or newer/],
    [{ signature: 'zeroscope', scenario: 'sleeping', sleepingRequests: 10 }, zeroscope, 'sleeping', /asleep/],
    [{ signature: 'zeroscope', scenario: 'paused' }, zeroscope, 'paused', /paused by its owner.*Duplicate/]
  ] as const)('reports %o in plain words', async (opts, mapping, problem, message) => {
    const s = await space(opts as FakeSpaceOptions)
    const step = (opts.signature as string) === 'zeroscope-xl' ? 'upscale' : 'video'
    const r = await testSpace({ space: s.url }, mapping as GradioMapping, step)
    expect(r.ok).toBe(false)
    expect(r.problem).toBe(problem)
    expect(r.message).toMatch(message)
  })

  it('reports an unreachable Space', async () => {
    const s = await space({ signature: 'zeroscope' })
    const url = s.url
    await s.close()
    spaces.splice(spaces.indexOf(s), 1)
    const r = await testSpace({ space: url }, zeroscope, 'video')
    expect(r.problem).toBe('unreachable')
    expect(r.message).toMatch(/Could not reach/)
  })
})
