import { readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { callCore } from '../../../src/main/cli/open-core'
import type { Core } from '../../../src/main/core/core'
import { openStudio } from '../../../src/main/studio'
import { TEST_MAX_BYTES } from '../../../src/main/show/voice-test'
import { startFakeFal } from '../../fixtures/fal-server'
import { startFakeLlm, TONE_SECONDS_PER_CHAR, type FakeLlm } from '../../fixtures/openai-server'
import { soundIntervals } from '../../fixtures/speech-onsets'
import { tempDir } from '../../helpers/tmp'

let t: ReturnType<typeof tempDir>
let core: Core
let server: FakeLlm
beforeAll(async () => {
  t = tempDir()
  server = await startFakeLlm({ apiKey: 'sk-voice-secret-123456' })
  core = await openStudio({ dataDir: t.dir, shell: 'headless', version: 'test' })
})
afterAll(async () => {
  await core.close()
  await server.close()
  t.cleanup()
})

/** Decode a data URL the way the renderer's <audio> gets it, and measure where ffmpeg hears sound. */
async function heard(dataUrl: string): Promise<Array<[number, number]>> {
  const m = /^data:audio\/wav;base64,(.+)$/.exec(dataUrl)
  expect(m).not.toBeNull()
  const file = join(t.dir, `heard-${Date.now()}.wav`)
  writeFileSync(file, Buffer.from(m![1]!, 'base64'))
  return soundIntervals(file)
}

// Each test runs real programs (espeak-ng, ffmpeg, ffprobe: ~9 per sample); beside the other integration files on a busy machine that is tens of seconds.
const REAL_PROCESSES_MS = 120_000

describe('voice settings and "Test voice" through the core', () => {
  it(
    'the OS voice by default: a test speaks the sample line into a small WAV the UI can play; no work files left',
    async () => {
      const s = await callCore(core, 'show.voice.get', {})
      expect(s).toMatchObject({ provider: 'os', baseUrl: '', model: '', voice: '', apiKey: null, osMissing: null })
      const r = await callCore(core, 'show.voice.test', { text: 'Hello there. The rain has stopped.' })
      expect(r.provider).toMatch(/espeak-ng/)
      expect(r.bytes).toBeLessThanOrEqual(TEST_MAX_BYTES)
      expect(r.seconds).toBeGreaterThan(1)
      expect((await heard(r.audio)).length).toBeGreaterThanOrEqual(2)
      expect(readdirSync(t.dir).filter((f) => f.startsWith('tmp-voice-test-'))).toEqual([])
    },
    REAL_PROCESSES_MS
  )

  it(
    'an OpenAI-compatible server: settings stored, the key masked, the test spoken by that server with the chosen voice',
    async () => {
      const set = await callCore(core, 'show.voice.set', {
        provider: 'openai',
        baseUrl: server.url,
        model: 'kokoro',
        voice: 'af_bella',
        apiKey: 'sk-voice-secret-123456'
      })
      expect(set).toMatchObject({ provider: 'openai', baseUrl: server.url, model: 'kokoro', voice: 'af_bella' })
      expect(set.apiKey).toBe('••••••••3456')
      expect(JSON.stringify(await callCore(core, 'show.voice.get', {}))).not.toContain('sk-voice-secret')
      const r = await callCore(core, 'show.voice.test', { text: 'Over there.' })
      expect(server.speech.at(-1)).toMatchObject({ input: 'Over there.', voice: 'af_bella', model: 'kokoro' })
      expect(server.speech.at(-1)!.authorization).toBe('Bearer sk-voice-secret-123456')
      expect(r.seconds).toBeCloseTo(0.4 + 'Over there.'.length * TONE_SECONDS_PER_CHAR, 0)
      // A voice named for the test wins over the settings' voice.
      await callCore(core, 'show.voice.test', { voice: 'am_adam' })
      expect(server.speech.at(-1)!.voice).toBe('am_adam')
      // The settings' rate reaches the server (a show's lines go through the same provider).
      await callCore(core, 'show.voice.set', { rate: 1.5 })
      await callCore(core, 'show.voice.test', { text: 'Faster.' })
      expect(server.speech.at(-1)).toMatchObject({ input: 'Faster.', speed: 1.5 })
    },
    REAL_PROCESSES_MS
  )

  it(
    'bad input: each refused with the field named and nothing stored changed; a wrong key never echoed',
    async () => {
      const before = await callCore(core, 'show.voice.get', {})
      await expect(callCore(core, 'show.voice.set', { baseUrl: 'not a url' })).rejects.toMatchObject({
        field: 'baseUrl',
        message: expect.stringMatching(/not a server address/)
      })
      await expect(callCore(core, 'show.voice.set', { model: '' })).rejects.toMatchObject({ field: 'model' })
      await expect(callCore(core, 'show.voice.set', { voice: 'en; rm -rf /' })).rejects.toMatchObject({
        field: 'voice'
      })
      await expect(callCore(core, 'show.voice.test', { text: 'x'.repeat(201) })).rejects.toThrow()
      expect(await callCore(core, 'show.voice.get', {})).toEqual(before)

      await callCore(core, 'show.voice.set', { apiKey: 'sk-wrong-key-000000' })
      const err = (await callCore(core, 'show.voice.test', {}).catch((e: unknown) => e)) as Error
      expect(err.message).toMatch(/refused the key/)
      expect(err.message).not.toContain('sk-wrong-key')

      // Back to the OS voice: the server's address is kept for later, the key can be removed.
      const os = await callCore(core, 'show.voice.set', { provider: 'os', apiKey: '' })
      expect(os).toMatchObject({ provider: 'os', baseUrl: server.url, model: 'kokoro', apiKey: null })
    },
    REAL_PROCESSES_MS
  )

  it('Hugging Face and fal voices: chosen with their model / endpoint, each checked; the studio HF token / fal key is what they need', async () => {
    await expect(callCore(core, 'show.voice.set', { provider: 'hf' })).rejects.toMatchObject({
      field: 'model',
      message: expect.stringMatching(/needs a text-to-speech model id/)
    })
    await expect(callCore(core, 'show.voice.set', { provider: 'hf', model: 'kokoro; rm' })).rejects.toMatchObject({
      field: 'model',
      message: expect.stringMatching(/not a Hugging Face model id/)
    })
    await expect(callCore(core, 'show.voice.set', { provider: 'fal', model: 'not an endpoint' })).rejects.toMatchObject(
      {
        field: 'model',
        message: expect.stringMatching(/not a fal endpoint id/)
      }
    )
    const hf = await callCore(core, 'show.voice.set', { provider: 'hf', model: 'hexgrad/Kokoro-82M' })
    expect(hf).toMatchObject({ provider: 'hf', model: 'hexgrad/Kokoro-82M' })
    // No HF token in the secret store: said before anything is sent.
    await expect(callCore(core, 'show.voice.test', {})).rejects.toThrow(/No Hugging Face token is set/)
    const fal = await callCore(core, 'show.voice.set', { provider: 'fal', model: 'fal-ai/kokoro/american-english' })
    expect(fal).toMatchObject({ provider: 'fal', model: 'fal-ai/kokoro/american-english' })
    await expect(callCore(core, 'show.voice.test', {})).rejects.toThrow(/No fal key is set/)
    // Each provider keeps its own model: back to HF, and to the speech server, finds them.
    expect(await callCore(core, 'show.voice.set', { provider: 'hf' })).toMatchObject({ model: 'hexgrad/Kokoro-82M' })
    expect(await callCore(core, 'show.voice.set', { provider: 'openai' })).toMatchObject({
      baseUrl: server.url,
      model: 'kokoro'
    })
  })

  it(
    'hosted voices and effects through a self-hosted gateway: the key goes there only when switched on; bad gateways refused, nothing stored changed',
    async () => {
      const FAL_KEY = 'fal-gw-key:0123456789abcdef'
      const endpoint = 'fal-ai/kokoro/american-english'
      const gw = await startFakeFal({ key: FAL_KEY, runMs: 50 })
      try {
        const ch = await callCore(core, 'library.channels.create', { name: 'Gateway' })
        await callCore(core, 'generation.backends.set', { channelId: ch.id, falKey: FAL_KEY })
        // The gateway alone: the key stays home, so the gateway refuses the call and says why.
        const set = await callCore(core, 'show.voice.set', { provider: 'fal', model: endpoint, gateway: gw.url })
        expect(set).toMatchObject({ provider: 'fal', gateway: gw.url, keyToGateway: false })
        await expect(callCore(core, 'show.voice.test', { text: 'Hello there.' })).rejects.toThrow()
        expect(gw.stats.authHeaders.filter((h) => h?.includes(FAL_KEY))).toEqual([])
        // Switched on: the sample is spoken there, with the key.
        const on = await callCore(core, 'show.voice.set', { keyToGateway: true })
        expect(on).toMatchObject({ gateway: gw.url, keyToGateway: true })
        const r = await callCore(core, 'show.voice.test', { text: 'Hello there.' })
        expect(r.seconds).toBeGreaterThan(0.3)
        expect(gw.stats.authHeaders.some((h) => h?.includes(FAL_KEY))).toBe(true)
        expect(JSON.stringify(on)).not.toContain(FAL_KEY)

        // Refused, each naming the field; nothing stored changes.
        const before = await callCore(core, 'show.voice.get', {})
        await expect(callCore(core, 'show.voice.set', { gateway: 'http://10.0.0.9:8080' })).rejects.toMatchObject({
          field: 'gateway',
          message: expect.stringMatching(/plain http on another machine: a key is never sent there/)
        })
        await expect(
          callCore(core, 'show.voice.set', { gateway: 'https://gw.example.org/some/path' })
        ).rejects.toMatchObject({ field: 'gateway', message: expect.stringMatching(/origin only/) })
        await expect(callCore(core, 'show.voice.set', { gateway: 'not a url' })).rejects.toMatchObject({
          field: 'gateway'
        })
        expect(await callCore(core, 'show.voice.get', {})).toEqual(before)
        // '' removes the gateway and the switch with it.
        expect(await callCore(core, 'show.voice.set', { gateway: '' })).toMatchObject({
          gateway: '',
          keyToGateway: false
        })
        await expect(callCore(core, 'show.voice.set', { keyToGateway: true })).rejects.toMatchObject({
          field: 'keyToGateway'
        })

        // The effects take the same gateway settings, checked alike.
        const fx = await callCore(core, 'show.effects.set', {
          provider: 'fal',
          model: 'fal-ai/stable-audio',
          gateway: gw.url,
          keyToGateway: true
        })
        expect(fx).toMatchObject({ provider: 'fal', gateway: gw.url, keyToGateway: true, missing: null })
        await expect(callCore(core, 'show.effects.set', { gateway: 'http://192.168.1.5' })).rejects.toMatchObject({
          field: 'gateway'
        })
        await callCore(core, 'show.effects.set', { provider: 'offline', gateway: '' })
        await callCore(core, 'show.voice.set', { provider: 'os' })
      } finally {
        await gw.close()
      }
    },
    REAL_PROCESSES_MS
  )
})
