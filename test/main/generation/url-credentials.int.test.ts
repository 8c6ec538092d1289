/**
 * Issue 19 finding 6: one parser for every URL a user types refuses user:password@
 * with a message that says where the secret goes (the secret store) and never repeats
 * it; values stored before are migrated (credentials dropped, with a warning); the
 * token policy never sends a token to a URL that carries credentials.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { callCore, openCore } from '../../../src/main/cli/open-core'
import { tokenDecision } from '../../../src/main/generation/token-policy'
import { parseRtmpUrl } from '../../../src/main/onair/destinations'
import { openLibrary } from '../../../src/main/library'
import { tempDir } from '../../helpers/tmp'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const PW = 'hunter2pass'
const CRED = `alice:${PW}@`

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e as { code: string; message: string }
  )
  expect(err, 'expected a refusal').toBeDefined()
  return err!
}

function expectSecretStoreRefusal(err: { code: string; message: string }): void {
  expect(err.code).toBe('invalid_input')
  expect(err.message).toMatch(/user name or password inside the URL/)
  expect(err.message).toMatch(/secret store/)
  expect(err.message).not.toContain(PW)
  expect(err.message).not.toContain('alice')
}

/** Every file's text under dir (the data folder; library.db and its WAL included). */
function grepDir(dir: string, needle: string): string[] {
  const hits: string[] = []
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) hits.push(...grepDir(p, needle))
    else if (readFileSync(p).includes(needle)) hits.push(p)
  }
  return hits
}

describe('credentials inside URLs', () => {
  it('are refused for the Gradio Space, ComfyUI servers, the LLM URL and the gateway; nothing is stored', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const core = await openCore(t.dir)
    cleanups.push(() => core.close())
    const ch = await callCore(core, 'library.channels.create', { name: 'Creds' })
    const before = await callCore(core, 'generation.backends.get', { channelId: ch.id })
    const video = before.settings.video

    expectSecretStoreRefusal(
      await refusal(
        callCore(core, 'generation.backends.set', {
          channelId: ch.id,
          settings: { video: { ...video, backend: 'gradio', spaces: [`https://${CRED}abc.hf.space`] } }
        })
      )
    )
    expectSecretStoreRefusal(
      await refusal(
        callCore(core, 'generation.backends.set', {
          channelId: ch.id,
          settings: {
            comfyui: { endpoints: [{ url: `http://${CRED}192.168.1.20:8188`, concurrency: 1, sendToken: false }] }
          }
        })
      )
    )
    expectSecretStoreRefusal(
      await refusal(
        callCore(core, 'generation.backends.set', {
          channelId: ch.id,
          settings: {
            video: {
              ...video,
              backend: 'fal',
              configs: [
                {
                  kind: 'fal',
                  endpoint: 'fal-ai/x',
                  preset: 'custom',
                  params: {},
                  concurrency: 1,
                  gateway: `https://${CRED}gw.example.org`
                }
              ]
            }
          }
        })
      )
    )
    expectSecretStoreRefusal(
      await refusal(callCore(core, 'generation.llm.set', { baseUrl: `http://${CRED}127.0.0.1:11434/v1` }))
    )
    expect(await callCore(core, 'generation.backends.get', { channelId: ch.id })).toEqual(before)
    expect(grepDir(core.dataDir, PW)).toEqual([])
  })

  it('an RTMP destination with user:password@ is refused the same way', () => {
    let message = ''
    try {
      parseRtmpUrl(`rtmp://${CRED}live.example.org/app/key`)
    } catch (e) {
      message = (e as Error).message
    }
    expect(message).toMatch(/secret store/)
    expect(message).not.toContain(PW)
  })

  it('the token policy never sends a token to a URL with credentials in it', () => {
    const d = tokenDecision(`https://${CRED}abc.hf.space`, { service: 'huggingface', allowCustomHost: false })
    expect(d.send).toBe(false)
    expect(JSON.stringify(d)).not.toContain(PW)
    expect(tokenDecision('https://abc.hf.space', { service: 'huggingface', allowCustomHost: false }).send).toBe(true)
  })

  it('credentials stored before the refusal are dropped at start, with a warning that names the setting, not the secret', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const dataDir = join(t.dir, 'data')
    {
      const lib = openLibrary(dataDir)
      const ch = lib.createChannel({ name: 'Old' })
      lib.setSetting(
        `generation.backends.${ch.id}`,
        JSON.stringify({
          video: { enabled: true, backend: 'gradio', preset: 'custom', spaces: [`https://${CRED}abc.hf.space`] },
          comfyui: { endpoints: [{ url: `http://${CRED}10.0.0.5:8188`, concurrency: 1, sendToken: false }] }
        })
      )
      lib.setSetting(
        'generation.llm',
        JSON.stringify({ baseUrl: `http://${CRED}127.0.0.1:1/v1`, model: 'm', enabled: true })
      )
      await lib.close()
    }
    const warnings: string[] = []
    const onWarning = (w: Error): void => void warnings.push(w.message)
    process.on('warning', onWarning)
    cleanups.push(() => process.off('warning', onWarning))
    const core = await openCore(dataDir)
    cleanups.push(() => core.close())
    const ch = (await callCore(core, 'library.channels.list', {})).channels[0]!
    const got = await callCore(core, 'generation.backends.get', { channelId: ch.id })
    expect(got.settings.video.spaces).toEqual(['https://abc.hf.space'])
    expect(got.settings.comfyui.endpoints[0]!.url).toBe('http://10.0.0.5:8188')
    expect((await callCore(core, 'generation.llm.get', {})).baseUrl).toBe('http://127.0.0.1:1/v1')
    await new Promise((r) => setImmediate(r))
    expect(warnings.join('\n')).toMatch(/generation\.backends\.\d+ \(video\.spaces\.0, comfyui\.endpoints\.0\.url\)/)
    expect(warnings.join('\n')).not.toContain(PW)
    await core.close()
    expect(grepDir(dataDir, PW)).toEqual([])
  })
})
