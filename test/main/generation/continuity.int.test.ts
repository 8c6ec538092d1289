import { afterEach, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { openStudio } from '../../../src/main/studio'
import { GENERATION } from '../../../src/main/services'
import { callCore } from '../../../src/main/cli/open-core'
import { startFakeComfy } from '../../fixtures/comfyui-server'
import { tempDir } from '../../helpers/tmp'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function studio(settings: Record<string, unknown>) {
  const t = tempDir()
  cleanups.push(t.cleanup)
  const core = await openStudio({ dataDir: join(t.dir, 'studio'), shell: 'headless', version: 'test' })
  cleanups.push(() => core.close())
  const gen = core.services.get(GENERATION)
  const ch = await callCore(core, 'library.channels.create', {
    name: 'Cont',
    format: { width: 256, height: 144, fps: 24 }
  })
  await callCore(core, 'generation.backends.set', {
    channelId: ch.id,
    settings: {
      music: { enabled: false, backend: 'offline', preset: 'musicgen', spaces: [] },
      retryBaseMs: 50,
      ...settings
    } as never
  })
  return { core, gen, channelId: ch.id }
}

const size = (png: Buffer): string => `${png.readUInt32BE(16)}x${png.readUInt32BE(20)}`

describe('continuity: each shot starts from the last frame of the previous one', () => {
  it('uploads the previous shot’s last frame and runs the image-to-video workflow; the take records it', async () => {
    const s = await startFakeComfy({ latencyMs: 300, oomNext: 0 })
    cleanups.push(() => s.close())
    const { core, gen, channelId } = await studio({
      video: {
        enabled: true,
        backend: 'comfyui',
        preset: 'zeroscope-v2',
        spaces: [],
        comfyui: { workflow: 'wan22-t2v', seconds: 1 }
      },
      comfyui: { endpoints: [{ url: s.url, concurrency: 2 }] }
    })
    const r = await callCore(core, 'generation.enqueue', {
      channelId,
      shots: [
        { prompt: 'a paper boat sets off, slow pan' },
        { prompt: 'the boat drifts under a bridge' },
        { prompt: 'the boat reaches the sea' }
      ],
      music: false,
      continuity: true
    })
    gen.start({ autopilot: false })
    const jobs = await gen.service.waitForJobs(r.jobIds, { pollMs: 50 })
    expect(jobs.map((j) => j.state)).toEqual(['ready', 'ready', 'ready'])
    // Shot 1 from text (Wan t2v graph: no LoadImage), shots 2 and 3 from an uploaded frame (the i2v graph).
    const byText = (t: string) => s.submits.find((x) => Object.values(x.graph).some((n) => n.inputs.text === t))!
    expect(
      Object.values(byText('a paper boat sets off, slow pan').graph).some((n) => n.class_type === 'LoadImage')
    ).toBe(false)
    expect(byText('the boat drifts under a bridge').graph['56']!.class_type).toBe('LoadImage')
    expect(byText('the boat reaches the sea').graph['55']!.inputs.start_image).toEqual(['56', 0])
    expect(s.uploads).toHaveLength(2)
    // A real frame of the previous clip: a PNG of its size (the raw 160x96 clip, or the 256x144 take).
    for (const u of s.uploads) {
      expect(u.bytes.subarray(1, 4).toString()).toBe('PNG')
      expect(['160x96', '256x144']).toContain(size(u.bytes))
    }
    // Shot 2 waited for shot 1's video: it started after shot 1's prompt ended.
    const e1 = s.executions.find((e) => e.text.startsWith('a paper boat'))!
    const e2 = s.executions.find((e) => e.text.startsWith('the boat drifts'))!
    expect(e2.startedAt).toBeGreaterThanOrEqual(e1.endedAt)
    // Recorded on the take: which shot it continued, on which server and workflow.
    const [, shot2, shot3] = r.shotIds
    const o2 = (await callCore(core, 'generation.takes.origin', { shotId: shot2! })).origins[0]!
    expect(o2.continuedFrom?.shotId).toBe(r.shotIds[0])
    expect(o2.workflow).toBe('wan22-i2v')
    expect(o2.endpoint).toBe(s.url)
    const o3 = (await callCore(core, 'generation.takes.origin', { shotId: shot3! })).origins[0]!
    expect(o3.continuedFrom?.shotId).toBe(shot2)
    const o1 = (await callCore(core, 'generation.takes.origin', { shotId: r.shotIds[0]! })).origins[0]!
    expect(o1.continuedFrom).toBeNull()
    expect(o1.workflow).toBe('wan22-t2v')
    // The uploaded frame is the clip's LAST frame: the image-to-video output opens on it.
    const first = spawnSync('ffmpeg', ['-v', 'error', '-i', '-', '-f', 'null', '-'], { input: s.uploads[0]!.bytes })
    expect(first.status).toBe(0)
  }, 60_000)

  it('falls back to text: after a failed shot, and on a backend without an image input — and says so', async () => {
    const s = await startFakeComfy({ latencyMs: 200, oomNext: 1 })
    cleanups.push(() => s.close())
    const { core, gen, channelId } = await studio({
      video: {
        enabled: true,
        backend: 'comfyui',
        preset: 'zeroscope-v2',
        spaces: [],
        comfyui: { workflow: 'wan22-t2v', seconds: 1 }
      },
      comfyui: { endpoints: [{ url: s.url, concurrency: 1 }] },
      maxAttempts: 1
    })
    const r = await callCore(core, 'generation.enqueue', {
      channelId,
      shots: [{ prompt: 'first shot fails here' }, { prompt: 'second shot from text' }],
      music: false,
      continuity: true
    })
    gen.start({ autopilot: false })
    const jobs = await gen.service.waitForJobs(r.jobIds, { pollMs: 50 })
    expect([...jobs].sort((a, b) => a.index - b.index).map((j) => j.state)).toEqual(['failed', 'ready'])
    expect(jobs.find((j) => j.state === 'failed')!.error).toMatch(/ran out of memory/)
    expect(s.uploads).toHaveLength(0)
    const o = (await callCore(core, 'generation.takes.origin', { shotId: r.shotIds[1]! })).origins[0]!
    expect(o.continuedFrom).toBeNull()
    expect(o.continuityNote).toMatch(/previous shot failed/)

    // The offline generator has no image input: text-to-video, noted on the take.
    await callCore(core, 'generation.backends.set', {
      channelId,
      settings: {
        video: { enabled: true, backend: 'offline', preset: 'zeroscope-v2', spaces: [] },
        offline: { seconds: 1, width: 256, height: 144 }
      }
    })
    const r2 = await callCore(core, 'generation.enqueue', {
      channelId,
      shots: [{ prompt: 'offline one, slow pan' }, { prompt: 'offline two, slow pan' }],
      music: false,
      continuity: true
    })
    const jobs2 = await gen.service.waitForJobs(r2.jobIds, { pollMs: 50 })
    expect(jobs2.map((j) => j.state)).toEqual(['ready', 'ready'])
    const o2 = (await callCore(core, 'generation.takes.origin', { shotId: r2.shotIds[1]! })).origins[0]!
    expect(o2.continuityNote).toMatch(/offline generator has no start-image input/)
  }, 90_000)
})
