import { mkdtempSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { narrate } from '../../../src/main/voice/narrate'
import { SPEECH_MAX_BYTES } from '../../../src/main/voice/openai-speech'
import { voiceProvider } from '../../../src/main/voice/registry'
import { VoiceError, type VoiceSettings } from '../../../src/main/voice/types'
import { hostedGateway } from '../../fixtures/hosted-gateway'
import { soundIntervals } from '../../fixtures/speech-onsets'

/**
 * Hosted voices through their real clients against local servers that speak their wire
 * protocols: Hugging Face Inference Providers' textToSpeech (@huggingface/inference, through
 * the router, fal-ai and hf-inference providers) and a fal TTS endpoint (@fal-ai/client's queue).
 */
const HF_TOKEN = 'hf_voice_test_token_0123456789'
const FAL_KEY = 'fal-voice-key-id:fal-voice-secret-0123456789'
const KOKORO = 'hexgrad/Kokoro-82M'
const FAL_TTS = 'fal-ai/kokoro/american-english'
const LINE = 'The boats come home at dusk. Everyone waits on the quay.'
/** The fixture's sentence: a 1.2 s tone between silences. */
const TONE_SECONDS = 1.2

const gw = hostedGateway({ task: 'text-to-speech', model: KOKORO, falEndpoint: FAL_TTS, token: HF_TOKEN, key: FAL_KEY })
const { server, hf, fal } = gw

/** The cues are the measured sentences, laid end to end, and sit on the sound ffmpeg hears. */
async function expectSpokenLine(settings: VoiceSettings, work: string): Promise<void> {
  const n = await narrate(voiceProvider(settings), { text: LINE, speaker: 'narrator', voice: 'af_bella' }, work)
  expect(n.cues.map((c) => c.text)).toEqual(['The boats come home at dusk.', 'Everyone waits on the quay.'])
  for (const c of n.cues) expect(c.end - c.start).toBeCloseTo(TONE_SECONDS, 1)
  const sound = await soundIntervals(n.file)
  expect(sound).toHaveLength(2)
  for (const [i, cue] of n.cues.entries()) {
    expect(Math.abs(sound[i]![0] - cue.start)).toBeLessThan(0.3)
    expect(Math.abs(sound[i]![1] - cue.end)).toBeLessThan(0.3)
  }
}

async function refusal(settings: VoiceSettings, work: string): Promise<VoiceError> {
  const err = await voiceProvider(settings)
    .speak({ text: 'Hello there.', voice: '', rate: 1 }, work)
    .then(
      () => null,
      (e: unknown) => e
    )
  expect(err).toBeInstanceOf(VoiceError)
  return err as VoiceError
}

describe('hosted voices', () => {
  it('Hugging Face (provider fal-ai, through the router) speaks a line: the token goes with it, cues measured', async () => {
    const s = await server({ mode: 'hf-router', key: HF_TOKEN })
    await expectSpokenLine(hf(s, 'fal-ai'), join(gw.dir, 'hf-fal'))
    expect(s.stats.speech).toHaveLength(2)
    expect(s.stats.speech[0]).toMatchObject({
      // The router's route: its provider, then fal's own endpoint id.
      path: `/fal-ai/${FAL_TTS}`,
      body: { text: 'The boats come home at dusk.', voice: 'af_bella' }
    })
  })

  it('Hugging Face (provider hf-inference) speaks a line from the audio bytes it answers', async () => {
    const s = await server({ mode: 'hf-router', key: HF_TOKEN })
    await expectSpokenLine(hf(s, 'hf-inference'), join(gw.dir, 'hf-inf'))
    expect(s.stats.speech[0]).toMatchObject({
      path: `/hf-inference/models/${KOKORO}`,
      body: { inputs: 'The boats come home at dusk.' }
    })
  })

  it('fal speaks a line through its queue: the key goes with it, cues measured', async () => {
    const s = await server({ key: FAL_KEY })
    await expectSpokenLine(fal(s), join(gw.dir, 'fal'))
    expect(s.stats.submits).toHaveLength(2)
    expect(s.stats.submits[0]).toMatchObject({
      path: `/${FAL_TTS}`,
      body: { prompt: 'The boats come home at dusk.', voice: 'af_bella' },
      authorization: `Key ${FAL_KEY}`
    })
  })

  it('a wrong key gives a clear error that does not carry the key', async () => {
    const h = await server({ mode: 'hf-router', key: HF_TOKEN })
    const wrongToken = 'hf_wrong_token_abcdefghijkl'
    const e1 = await refusal(hf(h, 'fal-ai', wrongToken), gw.dir)
    expect(e1.message).toMatch(/401|token/i)
    expect(e1.message).not.toContain(wrongToken)

    const f = await server({ key: FAL_KEY })
    const wrongKey = 'fal-wrong-id:fal-wrong-secret-abcdef'
    const e2 = await refusal(fal(f, wrongKey), gw.dir)
    expect(e2.message).toMatch(/fal/)
    expect(e2.message).toMatch(/key/i)
    expect(e2.message).not.toContain(wrongKey)
    expect(e2.message).not.toContain('fal-wrong-secret')
  })

  it('without a key, or to a host the token may not go to, nothing is sent', async () => {
    const s = await server({ mode: 'hf-router', key: HF_TOKEN })
    expect(await voiceProvider(hf(s, 'fal-ai', '')).unavailable()).toMatch(/token/)
    const noSwitch: VoiceSettings = {
      provider: 'hf',
      hf: { provider: 'fal-ai', model: KOKORO, gateway: s.url, token: HF_TOKEN }
    }
    expect((await refusal(noSwitch, gw.dir)).message).toMatch(/goes only to huggingface\.co/)
    expect(s.stats.authHeaders).toHaveLength(0)
  })

  it('an oversized answer is refused and nothing is left behind (HF bytes, HF download, fal download)', async () => {
    const over = SPEECH_MAX_BYTES + 1024 * 1024
    const h = await server({ mode: 'hf-router', key: HF_TOKEN, oversizeSpeech: over })
    const f = await server({ key: FAL_KEY, oversizeSpeech: over })
    for (const [settings, name] of [
      [hf(h, 'hf-inference'), 'hf-inf'],
      [hf(h, 'fal-ai'), 'hf-fal'],
      [fal(f), 'fal']
    ] as const) {
      const work = mkdtempSync(join(gw.dir, `over-${name}-`))
      const err = await refusal(settings, work)
      expect(err.message, name).toMatch(/larger than|more than|limit/)
      expect(readdirSync(work), name).toEqual([])
    }
  })
})
