import { createServer } from 'node:net'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { COMFYUI_TOKEN_SECRET, setBackends } from '../../../src/main/generation/settings'
import { openLibrary, type Library } from '../../../src/main/library'
import { probe } from '../../../src/main/media/probe'
import { makeEffect } from '../../../src/main/sfx/make'
import { EffectError } from '../../../src/main/sfx/types'
import { effectComfyServers, effectProviderFor, setEffectSettings } from '../../../src/main/show/effect-settings'
import { startFakeComfy, type FakeComfy, type FakeComfyOptions } from '../../fixtures/comfyui-server'

/**
 * The ComfyUI effects row against a local server that speaks ComfyUI's HTTP + WebSocket API
 * (test/fixtures/comfyui-server.ts): the shipped Stable Audio workflow is submitted with the
 * cue, the server's audio comes back through the runner that renders music and video, and
 * makeEffect brings it to the shot's length in the data folder. The servers and the token
 * come from the channels' backends, as at produce time (show/effect-settings.ts).
 */
const TOKEN = 'comfy-effect-token-0123456789abcdef'
const CUE = 'rain on a tin roof'
const SECONDS = 4.5

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'webtv-comfy-sfx-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function server(opts: FakeComfyOptions = {}): Promise<FakeComfy> {
  const s = await startFakeComfy({ latencyMs: 50, ...opts })
  cleanups.push(() => s.close())
  return s
}

/** A studio whose channels list these ComfyUI servers, with effects set to ComfyUI. */
function studio(channels: Record<number, Array<{ url: string; sendToken?: boolean }>>): Library {
  const lib = openLibrary(mkdtempSync(join(dir, 'data-')))
  cleanups.push(() => lib.close())
  for (const [id, servers] of Object.entries(channels))
    setBackends(lib, Number(id), {
      comfyui: { endpoints: servers.map((e) => ({ url: e.url, concurrency: 1, sendToken: e.sendToken ?? false })) }
    })
  setEffectSettings(lib, { provider: 'comfyui' })
  return lib
}
const secrets = { get: async (name: string) => (name === COMFYUI_TOKEN_SECRET ? TOKEN : undefined) }

/** A port nothing listens on (a GPU server that is off). */
async function closedPort(): Promise<string> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const port = (s.address() as { port: number }).port
  await new Promise<void>((r) => s.close(() => r()))
  return `http://127.0.0.1:${port}`
}

async function refusal(lib: Library, channelId = 1, signal?: AbortSignal): Promise<EffectError> {
  const provider = await effectProviderFor(lib, secrets, channelId)
  const err = await makeEffect(provider, { cue: CUE, seconds: SECONDS }, lib.dataDir, signal).then(
    () => null,
    (e: unknown) => e
  )
  expect(err).toBeInstanceOf(Error)
  return err as EffectError
}

describe('ComfyUI sound effects', () => {
  it("makes the effect from its cue with the Stable Audio workflow, the shot's length, the token where it is marked", async () => {
    const s = await server({ token: TOKEN })
    const lib = studio({ 1: [{ url: s.url, sendToken: true }] })
    const provider = await effectProviderFor(lib, secrets, 1)
    expect(await provider.unavailable()).toBeNull()
    expect(provider.label).toBe(`ComfyUI Stable Audio Open 1.0 (${s.url})`)

    const made = await makeEffect(provider, { cue: CUE, seconds: SECONDS }, lib.dataDir)
    expect(made.file).toMatch(/^sfx\/[0-9a-f]{2}\/[0-9a-f]{64}\.wav$/)
    const info = await probe(join(lib.dataDir, ...made.file.split('/')))
    expect(Math.abs((info.audio?.durationSec ?? 0) - SECONDS)).toBeLessThan(0.001)
    expect(s.submits).toHaveLength(1)
    const g = s.submits[0]!.graph
    expect(g['6']!.inputs.text).toBe(CUE)
    expect(g['11']).toMatchObject({ class_type: 'EmptyLatentAudio', inputs: { seconds: 5 } })
    expect(g['19']!.class_type).toBe('SaveAudio')
    expect(s.executions.map((e) => e.outcome)).toEqual(['success'])
    // The runner's files stay in the work folder, which makeEffect removes: only the kept effect remains.
    expect(readdirSync(join(lib.dataDir, 'sfx')).length).toBe(1)

    // Asked again, the kept file answers: the server is not asked twice.
    await makeEffect(provider, { cue: CUE, seconds: SECONDS }, lib.dataDir)
    expect(s.submits).toHaveLength(1)
  })

  it('sends no token to a server not marked "send token": its refusal is said, without the token', async () => {
    const s = await server({ token: TOKEN })
    const lib = studio({ 1: [{ url: s.url }] })
    const err = await refusal(lib)
    expect(err).toBeInstanceOf(EffectError)
    expect(err.message).toContain(`ComfyUI (${s.url})`)
    expect(err.message).toMatch(/401|unauthori|token/i)
    expect(err.message).not.toContain(TOKEN)
    expect(s.submits).toHaveLength(0)
  })

  it("a workflow failing on the server (out of GPU memory) gives the server's own reason", async () => {
    const s = await server({ oomNext: 1 })
    const lib = studio({ 1: [{ url: s.url }] })
    const err = await refusal(lib)
    expect(err).toBeInstanceOf(EffectError)
    expect(err.message).toContain(`ComfyUI (${s.url})`)
    expect(err.message).toMatch(/out of (GPU )?memory/i)
    expect(readdirSync(lib.dataDir)).not.toContain('sfx')
  })

  it("tries the channel's own servers first, then the other channels'; an unreachable one hands the effect on", async () => {
    const off = await closedPort()
    const s = await server()
    const other = await server()
    const lib = studio({ 1: [{ url: other.url }], 2: [{ url: off }, { url: s.url }] })
    expect(effectComfyServers(lib, 2)).toEqual([off, s.url, other.url])
    expect(effectComfyServers(lib)).toEqual([other.url, off, s.url])
    const provider = await effectProviderFor(lib, secrets, 2)
    await makeEffect(provider, { cue: CUE, seconds: SECONDS }, lib.dataDir)
    expect(s.submits).toHaveLength(1)
    expect(other.submits).toHaveLength(0)
  })

  it('every server unreachable, or none listed: a clear reason', async () => {
    const off = await closedPort()
    const err = await refusal(studio({ 1: [{ url: off }] }))
    expect(err.message).toMatch(/No ComfyUI server could make the effect: .*unreachable/)
    const none = await effectProviderFor(studio({}), secrets, 1)
    expect(await none.unavailable()).toMatch(/No ComfyUI server is listed: .*webtv comfy add URL --channel NAME/)
  })

  it.each([
    ['while it runs', 0],
    ['before the server answered the submit', 10_000]
  ])('a cancel %s stops the prompt on its server', async (_when, submitAnswerDelayMs) => {
    const s = await server({ latencyMs: 30_000, submitAnswerDelayMs })
    const lib = studio({ 1: [{ url: s.url }] })
    const ac = new AbortController()
    const started = setInterval(() => {
      if (s.executions.length > 0) ac.abort()
    }, 20)
    cleanups.push(() => clearInterval(started))
    const err = await refusal(lib, 1, ac.signal)
    expect(err.message).toMatch(/Canceled/)
    expect(s.interrupts + s.deletes.length).toBeGreaterThan(0)
    expect(readdirSync(lib.dataDir)).not.toContain('sfx')
  })
})
