import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { toolPath } from '../../../src/main/media/ffmpeg-path'
import { probe } from '../../../src/main/media/probe'
import { makeEffect } from '../../../src/main/sfx/make'
import { effectProvider } from '../../../src/main/sfx/registry'
import { EFFECT_MAX_BYTES, EffectError, type EffectSettings } from '../../../src/main/sfx/types'
import { hostedGateway } from '../../fixtures/hosted-gateway'

/**
 * Hosted effects through their real clients against a local server that speaks their
 * wire protocols: Hugging Face Inference Providers' textToAudio (@huggingface/inference:
 * the router in front of fal's queue, and hf-inference's audio bytes) and a fal
 * text-to-audio endpoint (@fal-ai/client's queue, the fal backend's runner). What comes
 * back goes the product's way (makeEffect): to the shot's length and level, into the data folder.
 */
const HF_TOKEN = 'hf_effect_test_token_0123456789'
const FAL_KEY = 'fal-effect-key-id:fal-effect-secret-0123456789'
const MODEL = 'stabilityai/stable-audio-open-1.0'
const FAL_SFX = 'fal-ai/stable-audio'
const CUE = 'rain on a tin roof'
const SECONDS = 4.5

const gw = hostedGateway({ task: 'text-to-audio', model: MODEL, falEndpoint: FAL_SFX, token: HF_TOKEN, key: FAL_KEY })
const { server, hf, fal } = gw

function dataDir(name: string): string {
  return mkdtempSync(join(gw.dir, `${name}-`))
}

/** Mean level (dB) of a narrow band around `hz`, over the first `seconds` of the file. */
function bandDb(file: string, hz: number, seconds: number): number {
  const err = spawnSync(
    toolPath('ffmpeg'),
    [
      ...['-hide_banner', '-nostdin', '-nostats', '-t', String(seconds), '-i', file],
      ...['-af', `bandpass=f=${hz}:width_type=q:w=8,volumedetect`, '-f', 'null', '-']
    ],
    { encoding: 'utf8' }
  ).stderr
  return Number(/mean_volume: (-?[\d.]+|-inf) dB/.exec(err)?.[1] ?? -Infinity)
}

/** The server's audio (a 330 Hz tone, 3 s) became the shot's effect: its length, its tone, in the data folder. */
async function expectEffect(settings: EffectSettings, name: string): Promise<void> {
  const data = dataDir(name)
  const made = await makeEffect(effectProvider(settings), { cue: CUE, seconds: SECONDS }, data)
  expect(made.file).toMatch(/^sfx\/[0-9a-f]{2}\/[0-9a-f]{64}\.wav$/)
  const file = join(data, ...made.file.split('/'))
  const info = await probe(file)
  expect(Math.abs((info.audio?.durationSec ?? 0) - SECONDS)).toBeLessThan(0.001)
  expect(readdirSync(data)).toEqual(['sfx'])
}

async function refusal(settings: EffectSettings, data: string): Promise<EffectError> {
  const err = await makeEffect(effectProvider(settings), { cue: CUE, seconds: SECONDS }, data).then(
    () => null,
    (e: unknown) => e
  )
  expect(err).toBeInstanceOf(EffectError)
  return err as EffectError
}

describe('hosted sound effects', () => {
  it("Hugging Face (provider fal-ai, through the router and fal's queue) makes the effect; the token goes with it", async () => {
    const s = await server({ mode: 'hf-router', key: HF_TOKEN })
    await expectEffect(hf(s, 'fal-ai'), 'hf-fal')
    expect(s.stats.submits).toHaveLength(1)
    expect(s.stats.submits[0]).toMatchObject({
      path: `/${FAL_SFX}`,
      body: { prompt: CUE, seconds_total: 5, duration: 5 },
      authorization: `Bearer ${HF_TOKEN}`
    })
    expect(s.stats.downloads).toBe(1)
  })

  it('Hugging Face (provider hf-inference) makes the effect from the audio bytes it answers', async () => {
    const s = await server({ mode: 'hf-router', key: HF_TOKEN })
    await expectEffect(hf(s, 'hf-inference'), 'hf-inf')
    expect(s.stats.speech[0]).toMatchObject({ path: `/hf-inference/models/${MODEL}`, body: { inputs: CUE } })
  })

  it("fal makes the effect through its queue: the key goes with it, the tone is what's kept", async () => {
    const s = await server({ key: FAL_KEY })
    const data = dataDir('fal')
    const made = await makeEffect(effectProvider(fal(s)), { cue: CUE, seconds: SECONDS }, data)
    const file = join(data, ...made.file.split('/'))
    expect(s.stats.submits[0]).toMatchObject({
      path: `/${FAL_SFX}`,
      body: { prompt: CUE, seconds_total: 5, duration: 5 },
      authorization: `Key ${FAL_KEY}`
    })
    // The fixture's audio is a 330 Hz tone: it is there, and far above a band it has nothing in.
    expect(bandDb(file, 330, 2.5) - bandDb(file, 3000, 2.5)).toBeGreaterThan(20)
    // Asked again (a re-produce, another shot with the cue): the file kept is used, fal is not asked.
    await makeEffect(effectProvider(fal(s)), { cue: CUE, seconds: SECONDS }, data)
    expect(s.stats.submits).toHaveLength(1)
  })

  it('a wrong key gives a clear error that does not carry the key', async () => {
    const h = await server({ mode: 'hf-router', key: HF_TOKEN })
    const wrongToken = 'hf_wrong_token_abcdefghijkl'
    const e1 = await refusal(hf(h, 'fal-ai', wrongToken), dataDir('wrong-hf'))
    expect(e1.message).toMatch(/401|token/i)
    expect(e1.message).not.toContain(wrongToken)

    const f = await server({ key: FAL_KEY })
    const wrongKey = 'fal-wrong-id:fal-wrong-secret-abcdef'
    const e2 = await refusal(fal(f, wrongKey), dataDir('wrong-fal'))
    expect(e2.message).toMatch(/fal/)
    expect(e2.message).toMatch(/key/i)
    expect(e2.message).not.toContain(wrongKey)
    expect(e2.message).not.toContain('fal-wrong-secret')
  })

  it('without a key, or to a host the token may not go to, nothing is sent', async () => {
    const s = await server({ mode: 'hf-router', key: HF_TOKEN })
    expect(await effectProvider(hf(s, 'fal-ai', '')).unavailable()).toMatch(/token/)
    expect(await effectProvider({ provider: 'fal' }).unavailable()).toMatch(/endpoint/)
    const noSwitch: EffectSettings = {
      provider: 'hf',
      hf: { provider: 'fal-ai', model: MODEL, gateway: s.url, token: HF_TOKEN }
    }
    expect((await refusal(noSwitch, dataDir('no-switch'))).message).toMatch(/goes only to huggingface\.co/)
    expect(s.stats.authHeaders).toHaveLength(0)
  })

  it('an oversized answer is refused and nothing is left behind (HF bytes, HF download, fal download)', async () => {
    const over = EFFECT_MAX_BYTES + 1024 * 1024
    const h = await server({ mode: 'hf-router', key: HF_TOKEN, oversizeSpeech: over, oversizeAudio: over })
    const f = await server({ key: FAL_KEY, oversizeAudio: over })
    for (const [settings, name] of [
      [hf(h, 'hf-inference'), 'hf-inf'],
      [hf(h, 'fal-ai'), 'hf-fal'],
      [fal(f), 'fal']
    ] as const) {
      const data = dataDir(`over-${name}`)
      const err = await refusal(settings, data)
      expect(err.message, name).toMatch(/larger than|more than|limit/)
      expect(readdirSync(data), name).toEqual([])
    }
  })
})
