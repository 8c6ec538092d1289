import { afterEach, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { openStudio } from '../../../src/main/studio'
import { GENERATION, LIBRARY } from '../../../src/main/services'
import { callCore } from '../../../src/main/cli/open-core'
import { startFakeComfy, type FakeComfy } from '../../fixtures/comfyui-server'
import { tempDir } from '../../helpers/tmp'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function studio(servers: FakeComfy[], extra: Record<string, unknown> = {}) {
  const t = tempDir()
  cleanups.push(t.cleanup)
  const core = await openStudio({ dataDir: join(t.dir, 'studio'), shell: 'headless', version: 'test' })
  cleanups.push(() => core.close())
  const gen = core.services.get(GENERATION)
  const lib = core.services.get(LIBRARY)
  const ch = await callCore(core, 'library.channels.create', {
    name: 'Pool',
    format: { width: 256, height: 144, fps: 24 }
  })
  await callCore(core, 'generation.backends.set', {
    channelId: ch.id,
    settings: {
      video: {
        enabled: true,
        backend: 'comfyui',
        preset: 'zeroscope-v2',
        spaces: [],
        comfyui: { workflow: 'wan22-t2v', seconds: 1 }
      },
      music: { enabled: false, backend: 'offline', preset: 'musicgen', spaces: [] },
      comfyui: { endpoints: servers.map((s) => ({ url: s.url, concurrency: 1, sendToken: false })) },
      retryBaseMs: 100,
      ...extra
    }
  })
  return { core, gen, lib, channelId: ch.id, dataDir: join(t.dir, 'studio') }
}

async function servers(k: number, latencyMs: number): Promise<FakeComfy[]> {
  const out: FakeComfy[] = []
  for (let i = 0; i < k; i++) {
    const s = await startFakeComfy({ latencyMs })
    cleanups.push(() => s.close())
    out.push(s)
  }
  return out
}

describe('a pool of ComfyUI servers', () => {
  it('spreads shots over three servers; one killed mid-run and restarted: none lost, none made twice', async () => {
    const pool = await servers(3, 700)
    const { core, gen, lib, channelId } = await studio(pool)
    const r = await callCore(core, 'generation.enqueue', {
      channelId,
      shots: Array.from({ length: 9 }, (_, i) => ({ prompt: `pool shot ${i}, slow pan left` })),
      music: false
    })
    gen.start({ autopilot: false })
    // Kill server 1 once it runs its first prompt; bring it back 2 s later.
    const victim = pool[1]!
    while (!victim.executions.some((e) => e.endedAt === 0)) await new Promise((res) => setTimeout(res, 20))
    await victim.stop()
    const status = await callCore(core, 'generation.comfyui.status', { channelId })
    expect(status.endpoints).toHaveLength(3)
    // The pool says the server is down (once it noticed: not a guess of how long that takes).
    const victimStatus = async () =>
      (await callCore(core, 'generation.comfyui.status', { channelId })).endpoints.find((e) => e.url === victim.url)!
    await expect.poll(async () => (await victimStatus()).state, { timeout: 30_000, interval: 100 }).toBe('down')
    expect((await victimStatus()).lastError).toMatch(/unreachable|lost/)
    await victim.start()
    const jobs = await gen.service.waitForJobs(r.jobIds, { pollMs: 50 })
    expect(jobs.map((j) => j.state)).toEqual(Array(9).fill('ready'))
    // Every server worked, including the one that came back.
    const after = victim.executions.filter((e) => e.startedAt > victim.upRanges[1]![0])
    expect(pool[0]!.executions.length).toBeGreaterThan(0)
    expect(pool[2]!.executions.length).toBeGreaterThan(0)
    expect(after.length + pool[0]!.executions.length + pool[2]!.executions.length).toBeGreaterThanOrEqual(9)
    // Made once: each prompt text finished successfully exactly once across the pool; the killed one was redone elsewhere.
    const done = pool.flatMap((s) => s.executions.filter((e) => e.outcome === 'success').map((e) => e.text))
    expect(done.sort()).toEqual(Array.from({ length: 9 }, (_, i) => `pool shot ${i}, slow pan left`).sort())
    expect(victim.executions.some((e) => e.outcome === 'killed')).toBe(true)
    // The killed prompt's job did not spend an attempt on the dead server.
    expect(jobs.every((j) => j.attempts === 0)).toBe(true)
    // Jobs list says where each ran; the shots are in the library once each.
    expect(jobs.every((j) => pool.some((s) => s.url === j.endpoint))).toBe(true)
    const shots = lib.listShots({ channelId, limit: 100 }).shots
    expect(shots.filter((s) => s.status === 'ready')).toHaveLength(9)
    const back = await callCore(core, 'generation.comfyui.status', { channelId })
    expect(back.endpoints.find((e) => e.url === victim.url)!.state).toBe('up')
    // Nine conforms (ffmpeg) on a machine that may be busy: the limit is a hang guard.
  }, 180_000)

  it('a restarted studio asks the server for its prompt before submitting again', async () => {
    const [s] = await servers(1, 1500)
    const first = await studio([s!])
    const r = await callCore(first.core, 'generation.enqueue', {
      channelId: first.channelId,
      shots: [{ prompt: 'one long shot, slow pan left' }],
      music: false
    })
    first.gen.start({ autopilot: false })
    while (s!.submits.length === 0) await new Promise((res) => setTimeout(res, 20))
    // Stop the studio while the GPU works: the prompt keeps running there.
    await first.core.close()
    expect(s!.interrupts).toBe(0)
    const core = await openStudio({ dataDir: first.dataDir, shell: 'headless', version: 'test' })
    cleanups.push(() => core.close())
    const gen = core.services.get(GENERATION)
    gen.start({ autopilot: false })
    const [job] = await gen.service.waitForJobs(r.jobIds, { pollMs: 50 })
    expect(job!.state).toBe('ready')
    expect(s!.submits).toHaveLength(1)
    expect(s!.executions).toHaveLength(1)
  }, 30_000)

  it('canceling a job whose prompt runs on a server while the studio was stopped stops it there', async () => {
    // The prompt must still run when the other process's cancel arrives: closing one studio and
    // opening another takes seconds on a busy machine, so the prompt runs far longer than that.
    const [s] = await servers(1, 30_000)
    const first = await studio([s!])
    const r = await callCore(first.core, 'generation.enqueue', {
      channelId: first.channelId,
      shots: [{ prompt: 'a long one, slow pan left' }],
      music: false
    })
    first.gen.start({ autopilot: false })
    while (!s!.executions.some((e) => e.endedAt === 0)) await new Promise((res) => setTimeout(res, 20))
    await first.core.close()
    // Another process (e.g. `webtv jobs cancel`) with no workers running.
    const core = await openStudio({ dataDir: first.dataDir, shell: 'headless', version: 'test' })
    cleanups.push(() => core.close())
    await callCore(core, 'generation.jobs.cancel', { id: r.jobIds[0]! })
    await expect.poll(() => s!.interrupts, { timeout: 20_000 }).toBe(1)
    // It stops at its next step (every 6 s at this length).
    await expect.poll(() => s!.executions[0]!.outcome, { timeout: 20_000 }).toBe('interrupted')
  }, 90_000)

  it('music for a sequence from the ACE-Step workflow on the pool', async () => {
    const [s] = await servers(1, 200)
    const { core, gen, channelId } = await studio([s!], {
      video: { enabled: true, backend: 'offline', preset: 'zeroscope-v2', spaces: [] },
      music: { enabled: true, backend: 'comfyui', preset: 'musicgen', spaces: [], comfyui: { workflow: 'ace-step' } },
      offline: { seconds: 1, width: 256, height: 144 }
    })
    const r = await callCore(core, 'generation.enqueue', {
      channelId,
      shots: [{ prompt: 'rain on a window, slow zoom' }, { prompt: 'a cat watches the rain' }],
      music: true
    })
    gen.start({ autopilot: false })
    await gen.service.waitForJobs(r.jobIds, { pollMs: 50 })
    const all = (await callCore(core, 'generation.jobs.list', { channelId })).jobs
    const music = all.find((j) => j.kind === 'music')!
    expect(music.state).toBe('ready')
    expect(music.endpoint).toBe(s!.url)
    expect(s!.submits).toHaveLength(1)
    const g = s!.submits[0]!.graph
    expect(g['59']!.class_type).toBe('SaveAudioMP3')
    expect(Number(g['17']!.inputs.seconds)).toBeGreaterThanOrEqual(2)
  }, 180_000)

  it('refuses settings that cannot work, in plain words', async () => {
    const [s] = await servers(1, 100)
    const { core, channelId } = await studio([s!])
    const set = (settings: Record<string, unknown>) =>
      callCore(core, 'generation.backends.set', { channelId, settings } as never)
    await expect(set({ comfyui: { endpoints: [] } })).rejects.toThrow(/no ComfyUI server is listed/)
    await expect(set({ comfyui: { endpoints: [{ url: s!.url }, { url: s!.url }] } })).rejects.toThrow(/listed twice/)
    await expect(
      set({ comfyui: { endpoints: [{ url: 'http://192.168.1.20:8188', sendToken: true }] } })
    ).rejects.toThrow(/in clear.*https/)
    await expect(set({ comfyui: { endpoints: [{ url: 'gpu-box:8188' }] } })).rejects.toThrow(/http\(s\) address/)
    await expect(
      set({ upscale: { enabled: true, backend: 'comfyui', preset: 'zeroscope-xl', spaces: [] } })
    ).rejects.toThrow(/cannot run on ComfyUI/)
    // Nothing stored was changed by the refusals.
    const now = await callCore(core, 'generation.backends.get', { channelId })
    expect(now.settings.comfyui.endpoints.map((e) => e.url)).toEqual([s!.url])
    // Changing another field keeps the server list.
    await set({ retryBaseMs: 500 })
    const later = await callCore(core, 'generation.backends.get', { channelId })
    expect(later.settings.comfyui.endpoints.map((e) => e.url)).toEqual([s!.url])
  })
})
