import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { callCore, openCore } from '../../../src/main/cli/open-core'
import type { Core } from '../../../src/main/core/core'
import { tempDir } from '../../helpers/tmp'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function fresh(): Promise<{ dir: string; core: Core }> {
  const t = tempDir()
  cleanups.push(t.cleanup)
  const core = await openCore(t.dir)
  cleanups.push(() => core.close())
  return { dir: t.dir, core }
}

/** What the SQLite file holds, read by a separate connection (not through the studio). */
function stored(dir: string): { channels: number; settings: Array<{ key: string; value: string }> } {
  const db = new Database(join(dir, 'library.db'), { readonly: true, fileMustExist: true })
  try {
    const channels = (db.prepare('SELECT COUNT(*) AS n FROM channels').get() as { n: number }).n
    const settings = db.prepare('SELECT key, value FROM settings ORDER BY key').all() as Array<{
      key: string
      value: string
    }>
    return { channels, settings }
  } finally {
    db.close()
  }
}

type Refusal = { code: string; field?: string; message: string }
const refusal = (e: unknown): Refusal => e as Refusal

describe('first run: offer and dismissal', () => {
  it('is offered on an empty studio, not once a channel exists, and a dismissal survives a restart', async () => {
    const { dir, core } = await fresh()
    expect(await callCore(core, 'firstrun.status', {})).toEqual({ offer: true, dismissed: false, channels: 0 })

    expect(await callCore(core, 'firstrun.dismiss', {})).toEqual({ offer: false, dismissed: true, channels: 0 })
    await core.close()
    const again = await openCore(dir)
    cleanups.push(() => again.close())
    expect(await callCore(again, 'firstrun.status', {})).toMatchObject({ offer: false, dismissed: true })

    expect(await callCore(again, 'firstrun.dismiss', { dismissed: false })).toMatchObject({ offer: true })
    await callCore(again, 'library.channels.create', { name: 'Made by hand' })
    expect(await callCore(again, 'firstrun.status', {})).toEqual({ offer: false, dismissed: false, channels: 1 })
  })
})

describe('first run: the confirm step', () => {
  it('with the defaults makes one channel on the offline generator and the template writer', async () => {
    const { dir, core } = await fresh()
    const before = stored(dir)
    const { channel } = await callCore(core, 'firstrun.setup', { name: 'Night Trains', theme: 'trains at night' })
    expect(channel).toMatchObject({ name: 'Night Trains', theme: 'trains at night', reviewPolicy: 'auto' })
    const backends = await callCore(core, 'generation.backends.get', { channelId: channel.id })
    expect(backends.settings.video.backend).toBe('offline')
    expect(backends.hfToken).toBeNull()
    expect((await callCore(core, 'generation.llm.get', {})).enabled).toBe(false)
    // Nothing but the channel itself: the defaults need no stored settings.
    expect(stored(dir)).toEqual({ channels: 1, settings: before.settings })
    expect(await callCore(core, 'firstrun.status', {})).toMatchObject({ offer: false, channels: 1 })
  })

  it('stores a Hugging Face token only in the secret store and points the video step at Inference Providers', async () => {
    const { dir, core } = await fresh()
    const token = 'hf_FirstRunToken0123456789'
    const { channel } = await callCore(core, 'firstrun.setup', {
      name: 'Upgraded',
      video: { kind: 'hf-inference', hfToken: token }
    })
    const backends = await callCore(core, 'generation.backends.get', { channelId: channel.id })
    expect(backends.settings.video.backend).toBe('hf-inference')
    expect(backends.settings.video.configs?.[0]).toMatchObject({ kind: 'hf-inference', preset: 'wan22-ti2v-5b' })
    expect(backends.hfToken).toBeTruthy()
    expect(backends.hfToken).not.toContain('0123456789')
    expect(readFileSync(join(dir, 'library.db')).includes(Buffer.from('FirstRunToken'))).toBe(false)
    expect(JSON.stringify(stored(dir))).not.toContain('FirstRunToken')
  })

  it('adds a ComfyUI server to the pool and runs the video step there', async () => {
    const { core } = await fresh()
    const { channel } = await callCore(core, 'firstrun.setup', {
      name: 'On my GPU',
      video: { kind: 'comfyui', url: 'http://192.168.1.20:8188/' }
    })
    const { settings } = await callCore(core, 'generation.backends.get', { channelId: channel.id })
    expect(settings.video).toMatchObject({ backend: 'comfyui', comfyui: { workflow: 'wan22-t2v' } })
    expect(settings.comfyui.endpoints).toEqual([{ url: 'http://192.168.1.20:8188', concurrency: 2, sendToken: false }])
  })

  it('sets up an LLM writer with its key masked', async () => {
    const { core } = await fresh()
    await callCore(core, 'firstrun.setup', {
      name: 'Written',
      writer: { kind: 'llm', baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3.1', apiKey: 'sk-local-0123456789' }
    })
    const llm = await callCore(core, 'generation.llm.get', {})
    expect(llm).toMatchObject({ baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3.1', enabled: true })
    expect(llm.apiKey).toBeTruthy()
    expect(llm.apiKey).not.toContain('0123456789')
  })
})

describe('first run: refused confirms change nothing', () => {
  const cases: Array<[string, Record<string, unknown>, string, string | RegExp]> = [
    [
      'a token with a space',
      { name: 'A', video: { kind: 'hf-inference', hfToken: 'hf_ has space' } },
      'video.hfToken',
      'huggingface.co/settings/tokens'
    ],
    ['an empty token', { name: 'A', video: { kind: 'hf-inference', hfToken: '' } }, 'video.hfToken', /token/],
    [
      'a ComfyUI address that is not http(s)',
      { name: 'A', video: { kind: 'comfyui', url: 'ftp://gpu:8188' } },
      'video.url',
      'http://192.168.1.20:8188'
    ],
    [
      'an LLM address that is not a URL',
      { name: 'A', writer: { kind: 'llm', baseUrl: 'localhost ollama', model: 'x' } },
      'writer.baseUrl',
      'http://127.0.0.1:11434/v1'
    ],
    ['an empty name', { name: '   ' }, 'name', /name/]
  ]
  it.each(cases)('%s is refused by field, with what to do', async (_what, input, field, says) => {
    const { dir, core } = await fresh()
    const before = stored(dir)
    const err = refusal(await callCore(core, 'firstrun.setup', input as never).catch((e: unknown) => e))
    expect(err).toMatchObject({ code: 'invalid_input', field })
    expect(err.message).toMatch(says)
    expect(err.message).not.toContain('has space')
    expect(stored(dir)).toEqual(before)
  })

  it('a name already taken is refused before the writer or any secret is touched', async () => {
    const { dir, core } = await fresh()
    await callCore(core, 'library.channels.create', { name: 'Taken' })
    const before = stored(dir)
    const err = refusal(
      await callCore(core, 'firstrun.setup', {
        name: 'Taken',
        writer: { kind: 'llm', baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3.1', apiKey: 'sk-local-0123456789' },
        video: { kind: 'hf-inference', hfToken: 'hf_FirstRunToken0123456789' }
      }).catch((e: unknown) => e)
    )
    expect(err).toMatchObject({ code: 'conflict', field: 'name' })
    expect(stored(dir)).toEqual(before)
    expect((await callCore(core, 'generation.llm.get', {})).apiKey).toBeNull()
  })

  it('a secret store that cannot be written undoes the channel, its backends and the writer', async () => {
    const { dir, core } = await fresh()
    // A real failure: the secrets file is a folder, so reading and writing it fail.
    mkdirSync(join(dir, 'secrets.json'))
    const before = stored(dir)
    const err = refusal(
      await callCore(core, 'firstrun.setup', {
        name: 'Half',
        writer: { kind: 'llm', baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3.1' },
        video: { kind: 'hf-inference', hfToken: 'hf_FirstRunToken0123456789' }
      }).catch((e: unknown) => e)
    )
    expect(err.code).toBe('unavailable')
    expect(err.message).toMatch(/not created.*Nothing was changed/)
    expect(err.message).not.toContain('FirstRunToken')
    expect(stored(dir)).toEqual(before)
    expect(await callCore(core, 'firstrun.status', {})).toMatchObject({ offer: true, channels: 0 })
  })
})
