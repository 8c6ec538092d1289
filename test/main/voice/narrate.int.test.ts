import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { narrate, sentences } from '../../../src/main/voice/narrate'
import { voiceProvider } from '../../../src/main/voice/registry'
import { VoiceError } from '../../../src/main/voice/types'
import { startFakeLlm, TONE_SECONDS_PER_CHAR, type FakeLlm } from '../../fixtures/openai-server'
import { soundIntervals } from '../../fixtures/speech-onsets'

let dir: string
let server: FakeLlm
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'webtv-voice-'))
  server = await startFakeLlm({ apiKey: 'sk-voice-secret' })
})
afterAll(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

/** Every cue starts within 0.3 s of a sound onset ffmpeg hears, and its sound ends within 0.3 s of the cue's end. */
async function expectCuesOnSpeech(file: string, cues: Array<{ start: number; end: number }>): Promise<void> {
  const sound = await soundIntervals(file)
  expect(sound.length).toBeGreaterThan(0)
  for (const cue of cues) {
    const inside = sound.filter(([a, b]) => b > cue.start && a < cue.end)
    expect(inside.length, `no sound near the cue ${cue.start}–${cue.end}: ${JSON.stringify(sound)}`).toBeGreaterThan(0)
    expect(Math.abs(inside[0]![0] - cue.start)).toBeLessThan(0.3)
    expect(Math.abs(inside.at(-1)![1] - cue.end)).toBeLessThan(0.3)
  }
}

describe('voices', () => {
  it('splits a line into caption-sized sentences', () => {
    expect(sentences('Hello there. How are you? Fine!')).toEqual(['Hello there.', 'How are you?', 'Fine!'])
    expect(sentences('  ')).toEqual([])
    const long = sentences(`${'word '.repeat(15).trim()}, ${'more '.repeat(15).trim()}.`, 90)
    expect(long).toHaveLength(2)
  })

  it('the offline OS voice (espeak-ng) speaks a line; the cues sit on the speech ffmpeg hears', async () => {
    const os = voiceProvider({ provider: 'os' })
    expect(await os.unavailable()).toBeNull()
    const n = await narrate(
      os,
      { text: 'The boats come home at dusk. Everyone waits on the quay.', speaker: 'narrator', voice: 'en-us' },
      join(dir, 'espeak')
    )
    expect(n.cues).toHaveLength(2)
    expect(n.cues[0]!.text).toBe('The boats come home at dusk.')
    expect(n.cues[1]!.start).toBeGreaterThan(n.cues[0]!.end)
    await expectCuesOnSpeech(n.file, n.cues)
  })

  it('an OpenAI-compatible speech server (through the openai package) speaks a line; padding trimmed, cues measured', async () => {
    const p = voiceProvider({
      provider: 'openai',
      openai: { baseUrl: server.url, model: 'kokoro', apiKey: 'sk-voice-secret' }
    })
    const n = await narrate(
      p,
      { text: 'I can see them! Over there.', speaker: 'Mara', voice: 'af_bella' },
      join(dir, 'oa')
    )
    expect(server.speech.map((s) => s.input)).toEqual(['I can see them!', 'Over there.'])
    expect(server.speech[0]!.voice).toBe('af_bella')
    for (const c of n.cues) expect(c.end - c.start).toBeCloseTo(c.text.length * TONE_SECONDS_PER_CHAR, 1)
    await expectCuesOnSpeech(n.file, n.cues)
  })

  it('a server that answers MP3 whatever was asked is decoded (one ffmpeg run for the whole line); its cues are measured', async () => {
    const p = voiceProvider({
      provider: 'openai',
      openai: { baseUrl: server.url, model: 'kokoro', apiKey: 'sk-voice-secret' }
    })
    const n = await narrate(
      p,
      { text: 'The tide is turning. We should go.', speaker: 'Mara', voice: 'mp3-only' },
      join(dir, 'mp3')
    )
    expect(n.cues).toHaveLength(2)
    // MP3 adds its encoder's priming silence and a little ringing at the tone's edges.
    for (const c of n.cues) expect(Math.abs(c.end - c.start - c.text.length * TONE_SECONDS_PER_CHAR)).toBeLessThan(0.08)
    await expectCuesOnSpeech(n.file, n.cues)
  })

  it('a server that answers something that is not audio gives a clear error naming it', async () => {
    const p = voiceProvider({
      provider: 'openai',
      openai: { baseUrl: server.url, model: 'kokoro', apiKey: 'sk-voice-secret' }
    })
    const err = await narrate(p, { text: 'Hello there.', speaker: 'n', voice: 'not-audio' }, join(dir, 'junk')).catch(
      (e: Error) => e
    )
    expect(err).toBeInstanceOf(VoiceError)
    expect((err as Error).message).toMatch(
      /OpenAI-compatible speech \(kokoro at http.*\) sent audio ffmpeg cannot read/
    )
  })

  it('bad input: a wrong key, an odd voice name, an overlong line, a missing espeak-ng — each a clear error', async () => {
    const wrong = voiceProvider({
      provider: 'openai',
      openai: { baseUrl: server.url, model: 'kokoro', apiKey: 'sk-wrong-key' }
    })
    const err = await narrate(wrong, { text: 'Hi.', speaker: 'narrator', voice: '' }, join(dir, 'bad')).catch(
      (e: Error) => e
    )
    expect(err).toBeInstanceOf(VoiceError)
    expect((err as Error).message).toMatch(/refused the key/)
    expect((err as Error).message).not.toContain('sk-wrong-key')
    const os = voiceProvider({ provider: 'os' })
    await expect(narrate(os, { text: 'Hi.', speaker: 'n', voice: 'en; rm -rf /' }, join(dir, 'bad'))).rejects.toThrow(
      /not a voice name/
    )
    await expect(narrate(os, { text: 'x'.repeat(700), speaker: 'n', voice: '' }, join(dir, 'bad'))).rejects.toThrow(
      /at most 600/
    )
    const path = process.env.PATH
    process.env.PATH = join(dir, 'nothing-here')
    try {
      expect(await os.unavailable()).toMatch(/espeak-ng is not installed.*apt-get install espeak-ng/)
      await expect(narrate(os, { text: 'Hi.', speaker: 'n', voice: '' }, join(dir, 'bad'))).rejects.toThrow(
        /espeak-ng is not installed/
      )
    } finally {
      process.env.PATH = path
    }
  })
})
