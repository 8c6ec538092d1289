/**
 * The settings store's sound effects (src/renderer/src/stores/settings.ts, the Settings
 * panel's "Sound effects") against the real core: a headless studio server with its
 * SQLite library and real ffmpeg, reached through the renderer's own WsBridge over a
 * real WebSocket. Checks what the panel shows and what the core keeps.
 */
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Core } from '../../src/main/core/core'
import { useNotices } from '../../src/renderer/src/stores/notices'
import { useSettings } from '../../src/renderer/src/stores/settings'
import { startFakeComfy } from '../fixtures/comfyui-server'
import { openRendererCore, type RendererCore } from '../helpers/renderer-core'

let studio: RendererCore
let core: Core
let channelId: number

const call: RendererCore['call'] = (name, input) => studio.call(name, input)

const errors = () =>
  useNotices
    .getState()
    .notices.filter((n) => n.level === 'error')
    .map((n) => n.message)

beforeAll(async () => {
  studio = await openRendererCore({ name: 'settings-effects' })
  core = studio.core
  channelId = (await call('library.channels.create', { name: 'effects' })).id
}, 120_000)

afterAll(async () => {
  await studio?.close()
})

beforeEach(() => useNotices.setState({ notices: [] }))

describe('settings store: sound effects', () => {
  it('loads the offline synth by default; "Test effect" plays a short effect the core makes, keeping nothing', async () => {
    await useSettings.getState().load(channelId)
    expect(useSettings.getState().effects).toMatchObject({ provider: 'offline', model: '', missing: null })

    const r = await useSettings.getState().testEffect({ cue: 'thunder over the hills' })
    expect(errors()).toEqual([])
    expect(r).toMatchObject({ provider: 'Offline synth (no account)', cue: 'thunder over the hills' })
    expect(r!.seconds).toBeGreaterThan(3.9)
    expect(r!.seconds).toBeLessThan(4.1)
    const wav = Buffer.from(r!.audio.replace(/^data:audio\/wav;base64,/, ''), 'base64')
    expect(wav.subarray(0, 4).toString()).toBe('RIFF')
    expect(wav.length).toBe(r!.bytes)
    // Audible: not a file of zeros.
    const samples = new Int16Array(wav.buffer, wav.byteOffset + 44, (wav.length - 44) >> 1)
    expect(Math.max(...samples.map(Math.abs))).toBeGreaterThan(1000)
    expect(useSettings.getState().testingEffect).toBe(false)
    // A test keeps nothing: no effect among the shots' (sfx/), no work folder left.
    expect(existsSync(join(core.dataDir, 'sfx'))).toBe(false)
    expect(readdirSync(core.dataDir).filter((f) => f.startsWith('tmp-'))).toEqual([])
  }, 120_000)

  it('a bad model is refused with the field named and nothing stored changes', async () => {
    expect(await useSettings.getState().saveEffects({ provider: 'hf', model: 'not a model' })).toBe(false)
    expect(errors().join()).toMatch(/"not a model" is not a Hugging Face model id.*\(field: model\)/)
    expect(useSettings.getState().effects).toMatchObject({ provider: 'offline' })
    expect(await call('show.effects.get', {})).toMatchObject({ provider: 'offline' })
    expect(await useSettings.getState().saveEffects({ provider: 'off', model: 'a/b' })).toBe(false)
    expect(errors().at(-1)).toMatch(/take no model/)
    // A test cue past the plan's limit is refused before anything is made.
    expect(await useSettings.getState().testEffect({ cue: 'x'.repeat(121) })).toBeNull()
    expect(errors().at(-1)).toMatch(/^Effect test failed: .*120/)
  })

  it('Hugging Face: says the token is missing, and the test fails plainly; once the token is stored it is never shown', async () => {
    expect(
      await useSettings.getState().saveEffects({ provider: 'hf', model: 'stabilityai/stable-audio-open-1.0' })
    ).toBe(true)
    expect(useSettings.getState().effects).toMatchObject({
      provider: 'hf',
      model: 'stabilityai/stable-audio-open-1.0',
      missing: expect.stringMatching(/No Hugging Face token is set/)
    })
    expect(await useSettings.getState().testEffect({})).toBeNull()
    expect(errors().at(-1)).toMatch(/^Effect test failed: No Hugging Face token is set/)

    await call('generation.backends.set', { channelId, hfToken: 'hf_e2eSECRETtoken0001234' })
    await useSettings.getState().load(channelId)
    expect(useSettings.getState().effects).toMatchObject({ provider: 'hf', missing: null })
    expect(JSON.stringify(useSettings.getState().effects)).not.toContain('SECRET')

    // Off: no test, and back to offline keeps the HF model for later.
    expect(await useSettings.getState().saveEffects({ provider: 'off' })).toBe(true)
    expect(await useSettings.getState().testEffect({})).toBeNull()
    expect(errors().at(-1)).toMatch(/Sound effects are off/)
    expect(await useSettings.getState().saveEffects({ provider: 'hf' })).toBe(true)
    expect(useSettings.getState().effects).toMatchObject({ model: 'stabilityai/stable-audio-open-1.0' })
  })

  it('ComfyUI: says no server is listed; once the channel lists one, Test effect plays an effect made there', async () => {
    expect(await useSettings.getState().saveEffects({ provider: 'comfyui' })).toBe(true)
    expect(useSettings.getState().effects).toMatchObject({
      provider: 'comfyui',
      model: '',
      missing: expect.stringMatching(/No ComfyUI server is listed/)
    })
    const comfy = await startFakeComfy({ latencyMs: 20 })
    try {
      await call('generation.backends.set', {
        channelId,
        settings: { comfyui: { endpoints: [{ url: comfy.url, concurrency: 1, sendToken: false }] } }
      })
      await useSettings.getState().load(channelId)
      expect(useSettings.getState().effects).toMatchObject({ provider: 'comfyui', missing: null })
      const r = await useSettings.getState().testEffect({ cue: 'wind in the pines' })
      expect(errors()).toEqual([])
      expect(r).toMatchObject({ provider: `ComfyUI Stable Audio Open 1.0 (${comfy.url})`, cue: 'wind in the pines' })
      expect(comfy.submits.map((x) => x.graph['6']!.inputs.text)).toEqual(['wind in the pines'])
    } finally {
      await call('generation.backends.set', { channelId, settings: { comfyui: { endpoints: [] } } })
      await comfy.close()
    }
  }, 120_000)
})
