import { afterEach, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { callCore } from '../../../src/main/cli/open-core'
import type { GenerationHandle } from '../../../src/main/generation/feature'
import type { Library } from '../../../src/main/library'
import { startFakeSpace, type FakeSpace } from '../../fixtures/gradio-server'
import { tempDir } from '../../helpers/tmp'
import type { Core } from '../../../src/main/core/core'
import { openStudio } from '../../../src/main/studio'
import { GENERATION, LIBRARY } from '../../../src/main/services'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function studio(): Promise<{ core: Core; gen: GenerationHandle; lib: Library; dir: string }> {
  const t = tempDir()
  const core = await openStudio({ dataDir: t.dir, shell: 'headless', version: 'test' })
  cleanups.push(t.cleanup, () => core.close())
  return { core, gen: core.services.get(GENERATION), lib: core.services.get(LIBRARY), dir: t.dir }
}

async function space(...args: Parameters<typeof startFakeSpace>): Promise<FakeSpace> {
  const s = await startFakeSpace(...args)
  cleanups.push(() => s.close())
  return s
}

/** A small house format and tiny offline clips keep conform cheap on 2 cores. */
async function smallChannel(core: Core, name: string, reviewPolicy: 'auto' | 'manual' = 'auto'): Promise<number> {
  const ch = await callCore(core, 'library.channels.create', {
    name,
    reviewPolicy,
    format: { width: 256, height: 144, fps: 24 }
  })
  await callCore(core, 'generation.backends.set', {
    channelId: ch.id,
    settings: { offline: { seconds: 1, width: 256, height: 144 } }
  })
  return ch.id
}

function streams(file: string): string[] {
  const r = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type', '-of', 'csv=p=0', file])
  return r.stdout.toString().trim().split('\n')
}

function meanVolume(file: string): number {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-i', file, '-af', 'volumedetect', '-f', 'null', '-'])
  return Number(/mean_volume: (-?[\d.]+) dB/.exec(r.stderr.toString())?.[1] ?? '-999')
}

describe('generation pipeline through the contract', () => {
  it('opening a core starts no workers: an enqueued job waits until asked', async () => {
    const { core, gen } = await studio()
    const channelId = await smallChannel(core, 'Idle')
    const r = await callCore(core, 'generation.enqueue', {
      channelId,
      shots: [{ prompt: 'a quiet pond, static shot' }],
      music: false
    })
    await new Promise((res) => setTimeout(res, 1200))
    expect(gen.service.listJobs({ ids: r.jobIds })[0]!.state).toBe('queued')
    expect(gen.service.workers.started).toBe(false)
  })

  it('offline: prompts → ready shots in playlist order, music laid under them, events on every change', async () => {
    const { core, gen, lib } = await studio()
    const channelId = await smallChannel(core, 'Offline', 'manual')
    const events: Array<{ jobId: number; state: string; step: string | null }> = []
    core.bus.on('generation.job', (e) => events.push({ jobId: e.jobId, state: e.state, step: e.step }))
    const r = await callCore(core, 'generation.enqueue', {
      channelId,
      theme: 'a forest at dawn',
      style: 'misty, soft green',
      shots: [
        { prompt: 'a forest at dawn, deer walking left, slow pan left, misty' },
        { prompt: 'a forest at dawn, birds rising, static shot, misty' }
      ]
    })
    const again = await callCore(core, 'generation.enqueue', {
      channelId,
      shots: [{ prompt: 'ignored, slow pan' }],
      requestId: 'x1'
    })
    const repeat = await callCore(core, 'generation.enqueue', {
      channelId,
      shots: [{ prompt: 'ignored, slow pan' }],
      requestId: 'x1'
    })
    expect(repeat).toEqual({ ...again, duplicate: true })
    await callCore(core, 'generation.jobs.cancel', { id: again.jobIds[0]! })
    gen.start({ autopilot: false })
    const jobs = await gen.service.waitForJobs([...r.jobIds, again.jobIds[0]!], { pollMs: 100 })
    expect(jobs.map((j) => j.state).sort()).toEqual(['canceled', 'ready', 'ready'])
    const playlist = await callCore(core, 'library.playlist.get', { channelId })
    expect(playlist.items.map((i) => i.shotId)).toEqual(r.shotIds)
    for (const item of playlist.items) {
      expect(item.status).toBe('ready')
      expect(item.approved).toBe(false) // manual review: held until a person approves
    }
    const shot = lib.getShot(r.shotIds[0]!)
    expect(shot.backend).toBe('offline')
    expect(shot.extra).toMatchObject({ generator: 'Offline generator (ffmpeg)', offline: true, music: true })
    const mp4 = lib.abs(shot.mp4Path!)
    expect(streams(mp4).sort()).toEqual(['audio', 'video'])
    expect(meanVolume(mp4)).toBeGreaterThan(-60) // the synthesised music, not the silence conform adds
    const seq = lib
      .featureDatabase('generation')
      .prepare('SELECT music_path FROM sequences WHERE id = ?')
      .get(r.sequenceId) as {
      music_path: string
    }
    expect(statSync(join(lib.dataDir, seq.music_path)).size).toBeGreaterThan(1000)
    const states = events.filter((e) => e.jobId === r.jobIds[0]).map((e) => e.state)
    expect(states[0]).toBe('queued')
    expect(states).toContain('running')
    expect(states).toContain('conforming')
    expect(states.at(-1)).toBe('ready')
    // the canceled job's pending shot is gone, not left as a placeholder
    expect(lib.listShots({ channelId }).total).toBe(2)
    // a job's working files are removed once its shot is in the library
    for (const id of r.jobIds) expect(existsSync(join(lib.dataDir, 'generation', 'jobs', String(id)))).toBe(false)
  })

  it('gradio: two copies of a Space, queue-full retried, token sent but never stored in SQLite', async () => {
    const { core, gen, lib, dir } = await studio()
    const channelId = await smallChannel(core, 'Spaces')
    const token = 'hf_secret_token_abcdef123456'
    const a = await space({ signature: 'zeroscope', scenario: 'auth', token, latencyMs: 150 })
    const b = await space({ signature: 'zeroscope', scenario: 'auth', token, latencyMs: 150, queueFullTimes: 2 })
    const music = await space({ signature: 'musicgen', scenario: 'auth', token })
    await callCore(core, 'generation.backends.set', {
      channelId,
      hfToken: token,
      settings: {
        // The fake Spaces are on 127.0.0.1, not Hugging Face: the token goes there only with the switch on.
        video: {
          enabled: true,
          backend: 'gradio',
          preset: 'zeroscope-v2',
          spaces: [a.url, b.url],
          tokenToCustomHost: true
        },
        music: { enabled: true, backend: 'gradio', preset: 'musicgen', spaces: [music.url], tokenToCustomHost: true },
        retryBaseMs: 50
      }
    })
    const got = await callCore(core, 'generation.backends.get', { channelId })
    expect(got.hfToken).toBe('••••••••3456')
    const r = await callCore(core, 'generation.enqueue', {
      channelId,
      theme: 't',
      shots: [1, 2, 3, 4].map((i) => ({ prompt: `shot ${i}, slow pan left` }))
    })
    gen.start({ autopilot: false })
    const jobs = await gen.service.waitForJobs(r.jobIds, { pollMs: 100 })
    expect(jobs.map((j) => j.state)).toEqual(['ready', 'ready', 'ready', 'ready'])
    expect(a.stats.completed + b.stats.completed).toBe(4)
    expect(a.stats.completed).toBeGreaterThan(0)
    expect(b.stats.completed).toBeGreaterThan(0)
    expect(b.stats.rejectedJoins).toBe(2)
    expect(music.stats.joins).toHaveLength(1)
    expect(music.stats.joins[0]!.data[3]).toBe('t, instrumental soundtrack')
    expect(lib.getShot(r.shotIds[0]!).backend).toMatch(/^http:\/\/127\.0\.0\.1:\d+ \/run$/)
    const db = readFileSync(join(dir, 'library.db'))
    const wal = readdirSync(dir)
      .filter((f) => f.startsWith('library.db'))
      .map((f) => readFileSync(join(dir, f)).toString('latin1'))
      .join('')
    expect(db.toString('latin1').includes(token) || wal.includes(token)).toBe(false)
    const stat = statSync(join(dir, 'secrets.json'))
    expect(stat.mode & 0o777).toBe(0o600)
  })

  it('a permanent failure (Gradio 3 Space) fails at once with what to do; the shot is marked failed', async () => {
    const { core, gen, lib } = await studio()
    const channelId = await smallChannel(core, 'Old')
    const old = await space({ signature: 'zeroscope', scenario: 'gradio3' })
    await callCore(core, 'generation.backends.set', {
      channelId,
      settings: {
        video: { enabled: true, backend: 'gradio', preset: 'zeroscope-v2', spaces: [old.url] },
        retryBaseMs: 50
      }
    })
    const r = await callCore(core, 'generation.enqueue', {
      channelId,
      shots: [{ prompt: 'a boat, slow pan left' }],
      music: false
    })
    gen.start({ autopilot: false })
    const [job] = await gen.service.waitForJobs(r.jobIds, { pollMs: 100 })
    expect(job!.state).toBe('failed')
    expect(job!.attempts).toBe(1)
    expect(job!.error).toMatch(/Gradio 4 or newer/)
    expect(lib.getShot(r.shotIds[0]!).status).toBe('failed')
  })

  it('transient failures are retried up to the attempt limit, then fail saying so', async () => {
    const { core, gen } = await studio()
    const channelId = await smallChannel(core, 'Busy')
    const busy = await space({ signature: 'zeroscope', scenario: 'queue-full' })
    await callCore(core, 'generation.backends.set', {
      channelId,
      settings: {
        video: { enabled: true, backend: 'gradio', preset: 'zeroscope-v2', spaces: [busy.url] },
        retryBaseMs: 20,
        maxAttempts: 3
      }
    })
    const r = await callCore(core, 'generation.enqueue', {
      channelId,
      shots: [{ prompt: 'a boat, slow pan left' }],
      music: false
    })
    gen.start({ autopilot: false })
    const [job] = await gen.service.waitForJobs(r.jobIds, { pollMs: 50 })
    expect(job!.state).toBe('failed')
    expect(job!.attempts).toBe(3)
    expect(busy.stats.rejectedJoins).toBe(3)
    expect(job!.error).toMatch(/Gave up after 3 attempts: .*busy/)
    // fixed on the Space's side: a retry goes through
    busy.setScenario('success')
    await callCore(core, 'generation.jobs.retry', { id: job!.id })
    const [again] = await gen.service.waitForJobs(r.jobIds, { pollMs: 50 })
    expect(again!.state).toBe('ready')
  })

  it('cancel while the Space is working stops the Space job and removes the pending shot', async () => {
    const { core, gen, lib } = await studio()
    const channelId = await smallChannel(core, 'Cancel')
    const slow = await space({ signature: 'zeroscope', latencyMs: 4000 })
    await callCore(core, 'generation.backends.set', {
      channelId,
      settings: { video: { enabled: true, backend: 'gradio', preset: 'zeroscope-v2', spaces: [slow.url] } }
    })
    const r = await callCore(core, 'generation.enqueue', {
      channelId,
      shots: [{ prompt: 'a boat, slow pan left' }],
      music: false
    })
    gen.start({ autopilot: false })
    for (let i = 0; i < 50 && slow.stats.joins.length === 0; i++) await new Promise((res) => setTimeout(res, 100))
    const canceled = await callCore(core, 'generation.jobs.cancel', { id: r.jobIds[0]! })
    expect(canceled.state).toBe('canceled')
    await new Promise((res) => setTimeout(res, 300))
    expect(slow.stats.canceled).toBe(1)
    expect(lib.listShots({ channelId }).total).toBe(0)
    await expect(callCore(core, 'generation.jobs.cancel', { id: r.jobIds[0]! })).rejects.toThrow(/already canceled/)
  })

  it('refuses bad input with the field named', async () => {
    const { core } = await studio()
    const channelId = await smallChannel(core, 'Bad')
    await expect(callCore(core, 'generation.enqueue', { channelId, shots: [] })).rejects.toMatchObject({
      code: 'invalid_input',
      field: 'shots'
    })
    await expect(
      callCore(core, 'generation.enqueue', { channelId: 999, shots: [{ prompt: 'abc def' }] })
    ).rejects.toMatchObject({ code: 'not_found' })
    await expect(
      callCore(core, 'generation.enqueue', { channelId, shots: [{ prompt: 'abc def' }], backend: 'gradio' })
    ).resolves.toBeTruthy()
    await expect(
      callCore(core, 'generation.backends.set', {
        channelId,
        settings: { video: { enabled: true, backend: 'gradio', preset: 'zeroscope-v2', spaces: [] } }
      })
    ).rejects.toMatchObject({ code: 'invalid_input', field: 'settings.video.spaces' })
    await expect(
      callCore(core, 'generation.backends.set', {
        channelId,
        settings: { upscale: { enabled: true, backend: 'gradio', preset: 'film', spaces: ['a/b'] } }
      })
    ).rejects.toThrow(/preset "film" is for the interpolate step/)
    await expect(
      callCore(core, 'generation.backends.set', {
        channelId,
        settings: { video: { enabled: true, backend: 'gradio', preset: 'custom', spaces: ['a/b'] } }
      })
    ).rejects.toThrow(/custom Space but has no mapping/)
    await expect(
      callCore(core, 'generation.backends.set', {
        channelId,
        settings: { video: { enabled: true, backend: 'gradio', preset: 'zeroscope-v2', spaces: ['not a space'] } }
      })
    ).rejects.toMatchObject({ field: 'settings.video.spaces.0' })
    // nothing half-written: the settings are still the defaults
    const s = await callCore(core, 'generation.backends.get', { channelId })
    expect(s.settings.video.backend).toBe('offline')
    await expect(callCore(core, 'generation.llm.set', { baseUrl: 'not a url' })).rejects.toMatchObject({
      field: 'baseUrl'
    })
    const llm = await callCore(core, 'generation.llm.set', { apiKey: 'sk-abcdefghijklmnop', model: 'llama3' })
    expect(llm.apiKey).toBe('••••••••mnop')
    expect(llm.model).toBe('llama3')
  })
})
