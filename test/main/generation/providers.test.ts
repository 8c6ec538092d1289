import { describe, expect, it } from 'vitest'
import { falInput, falRewrite } from '../../../src/main/generation/fal/queue'
import { hfRewrite } from '../../../src/main/generation/hf-inference/run'
import { classifyProviderAnswer, retryAfterSeconds } from '../../../src/main/generation/provider-errors'
import { parseParam } from '../../../src/main/cli/backends-command'
import { MODEL_PRESETS } from '../../../src/shared/backend-presets'
import { backendSettingsSchema } from '../../../src/shared/contract/generation'
import { DEFAULT_BACKENDS } from '../../../src/main/generation/settings'

const help = { tokenHelp: 'Fix the token.', billingHelp: 'Add credit.' }

describe('provider presets and inputs', () => {
  it('maps our parameter names to each model’s input names', () => {
    const ltx = MODEL_PRESETS.find((p) => p.id === 'ltx-video')!
    expect(
      falInput(
        { kind: 'fal', endpoint: ltx.falEndpoint, preset: ltx.id, params: { steps: 8, frames: 121 }, concurrency: 1 },
        { prompt: 'p', seed: 5 }
      )
    ).toEqual({
      prompt: 'p',
      seed: 5,
      first_pass_num_inference_steps: 8,
      num_frames: 121
    })
    const audio = falInput(
      {
        kind: 'fal',
        endpoint: 'fal-ai/stable-audio',
        preset: 'stable-audio-open',
        params: { steps: 100, seconds: 47 },
        concurrency: 1
      },
      { prompt: 'p', seed: 1, durationSeconds: 80 }
    )
    expect(audio).toMatchObject({ steps: 100, seconds_total: 47 }) // capped at what one call makes; the bed loops
    // A fixed seed wins over the shot's; extra inputs go as written.
    expect(
      falInput(
        {
          kind: 'fal',
          endpoint: 'a/b',
          preset: 'custom',
          params: { seed: 9, extra: { aspect_ratio: '16:9' } },
          concurrency: 1
        },
        { prompt: 'p', seed: 5 }
      )
    ).toEqual({ prompt: 'p', seed: 9, aspect_ratio: '16:9' })
  })

  it('every preset fits the settings schema, and old stored settings still parse', () => {
    for (const p of MODEL_PRESETS) {
      const step = p.step === 'music' ? 'music' : 'video'
      const parsed = backendSettingsSchema.safeParse({
        ...DEFAULT_BACKENDS,
        [step]: {
          ...DEFAULT_BACKENDS[step],
          backend: 'fal',
          configs: [
            { kind: 'fal', endpoint: p.falEndpoint, preset: p.id, params: p.params, concurrency: 2 },
            { kind: 'hf-inference', provider: 'auto', model: p.hfModel, preset: p.id, params: p.params, concurrency: 2 }
          ]
        }
      })
      expect(parsed.success, p.id).toBe(true)
    }
    expect(
      backendSettingsSchema.safeParse({
        ...DEFAULT_BACKENDS,
        video: { enabled: true, backend: 'gradio', preset: 'zeroscope-v2', spaces: ['hysts/zeroscope-v2'] }
      }).success
    ).toBe(true)
    const twice = backendSettingsSchema.safeParse({
      ...DEFAULT_BACKENDS,
      video: {
        ...DEFAULT_BACKENDS.video,
        configs: [
          { kind: 'fal', endpoint: 'a/b', preset: 'x', params: {}, concurrency: 1 },
          { kind: 'fal', endpoint: 'c/d', preset: 'x', params: {}, concurrency: 1 }
        ]
      }
    })
    expect(twice.success).toBe(false)
  })

  it('a gateway takes the place of the service hosts only', () => {
    const fal = falRewrite({
      kind: 'fal',
      endpoint: 'a/b',
      preset: 'x',
      params: {},
      concurrency: 1,
      gateway: 'https://gw.example.org'
    })!
    expect(fal('https://queue.fal.run/fal-ai/wan/requests/1')).toBe('https://gw.example.org/fal-ai/wan/requests/1')
    expect(fal('https://fal.ai/api/openapi/queue/openapi.json')).toBe(
      'https://gw.example.org/api/openapi/queue/openapi.json'
    )
    expect(fal('https://v3.fal.media/files/x.mp4')).toBe('https://v3.fal.media/files/x.mp4')
    const hf = hfRewrite({
      kind: 'hf-inference',
      provider: 'auto',
      model: 'a/b',
      preset: 'x',
      params: {},
      concurrency: 1,
      gateway: 'https://gw.example.org'
    })!
    expect(hf('https://router.huggingface.co/fal-ai/x')).toBe('https://gw.example.org/fal-ai/x')
    expect(hf('https://huggingface.co/api/models/a/b')).toBe('https://gw.example.org/api/models/a/b')
    expect(hf('https://huggingface.co.evil.com/x')).toBe('https://huggingface.co.evil.com/x')
  })
})

describe('provider answers', () => {
  it('billing is never retried; a rate limit waits what the provider said; 5xx retries', () => {
    expect(classifyProviderAnswer({ service: 'fal', status: 402, ...help }).kind).toBe('permanent')
    expect(
      classifyProviderAnswer({
        service: 'fal',
        status: 403,
        detail: 'User is locked. Reason: Exhausted balance.',
        ...help
      }).message
    ).toMatch(/credit is used up.*Add credit/)
    expect(classifyProviderAnswer({ service: 'fal', status: 403, detail: 'forbidden', ...help }).message).toMatch(
      /refused access.*Fix the token/
    )
    const r = classifyProviderAnswer({ service: 'fal', status: 429, retryAfterSeconds: 90, ...help })
    expect([r.kind, r.retryAfterMs]).toEqual(['transient', 90_000])
    expect(classifyProviderAnswer({ service: 'fal', status: 503, ...help }).kind).toBe('transient')
    expect(retryAfterSeconds('120')).toBe(120)
    expect(retryAfterSeconds(new Date(Date.now() + 30_000).toUTCString())).toBeGreaterThanOrEqual(28)
    expect(retryAfterSeconds('soon')).toBeUndefined()
  })
})

describe('webtv backends --STEP-param', () => {
  it('parses NAME=VALUE, clears with an empty value, refuses unknown names and non-numbers', () => {
    expect(parseParam('frames=97', {}, '--video-param')).toEqual({ frames: 97 })
    expect(parseParam('negative=blurry, text', {}, '--video-param')).toEqual({ negativePrompt: 'blurry, text' })
    expect(parseParam('frames=', { frames: 97, fps: 24 }, '--video-param')).toEqual({ fps: 24 })
    expect(parseParam('extra.enable_safety_checker=false', {}, '--video-param')).toEqual({
      extra: { enable_safety_checker: false }
    })
    expect(() => parseParam('wobble=1', {}, '--video-param')).toThrow(/unknown parameter "wobble"/)
    expect(() => parseParam('frames=lots', {}, '--video-param')).toThrow(/must be a number/)
    expect(() => parseParam('frames', {}, '--video-param')).toThrow(/NAME=VALUE/)
  })
})
