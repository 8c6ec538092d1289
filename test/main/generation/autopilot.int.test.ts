import { afterEach, describe, expect, it } from 'vitest'
import { callCore } from '../../../src/main/cli/open-core'
import { tempDir } from '../../helpers/tmp'
import { openStudio } from '../../../src/main/studio'
import { GENERATION, LIBRARY } from '../../../src/main/services'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('autopilot', () => {
  it('keeps M minutes ahead: writes the next sequence only when ready + in-flight material runs short', async () => {
    const t = tempDir()
    const core = await openStudio({ dataDir: t.dir, shell: 'headless', version: 'test' })
    cleanups.push(t.cleanup, () => core.close())
    const gen = core.services.get(GENERATION)
    const lib = core.services.get(LIBRARY)
    const ch = await callCore(core, 'library.channels.create', {
      name: 'Auto',
      format: { width: 256, height: 144, fps: 24 }
    })
    await callCore(core, 'generation.backends.set', {
      channelId: ch.id,
      settings: {
        offline: { seconds: 2, width: 256, height: 144 },
        music: { enabled: false, backend: 'offline', preset: 'musicgen', spaces: [] }
      }
    })

    // no theme anywhere: a clear reason, nothing enqueued
    await callCore(core, 'generation.autopilot.set', {
      channelId: ch.id,
      enabled: true,
      minutesAhead: 0.1,
      shotsPerSequence: 2
    })
    expect(await gen.autopilot.check(ch.id)).toBeUndefined()
    expect((await callCore(core, 'generation.autopilot.get', { channelId: ch.id })).lastError).toMatch(/needs a theme/)

    const view = await callCore(core, 'generation.autopilot.set', {
      channelId: ch.id,
      theme: 'jellyfish in a dark sea',
      reviewPolicy: 'manual'
    })
    expect(view).toMatchObject({ enabled: true, reviewPolicy: 'manual', runwaySeconds: 0, lastError: null })
    const first = await gen.autopilot.check(ch.id)
    expect(first).toBeDefined()
    // 2 shots × 2 s in flight < 6 s: one more sequence, then enough is on its way
    const second = await gen.autopilot.check(ch.id)
    expect(second).toBeDefined()
    expect(await gen.autopilot.check(ch.id)).toBeUndefined()
    gen.service.startWorkers()
    const ids = gen.service.listJobs({ channelId: ch.id }).map((j) => j.id)
    await gen.service.waitForJobs(ids, { pollMs: 100 })
    // held for review (manual policy): not airable, so the runway is still empty and the autopilot asks again
    expect(gen.autopilot.runwaySeconds(ch.id)).toBe(0)
    const shots = lib.listShots({ channelId: ch.id }).shots
    expect(shots).toHaveLength(4)
    expect(shots.every((s) => s.status === 'ready' && !s.approved)).toBe(true)
    // each sequence continues the theme with new prompts
    const bySeq = new Map<number, string[]>()
    for (const s of shots) bySeq.set(s.sequenceId!, [...(bySeq.get(s.sequenceId!) ?? []), s.prompt])
    const [a, b] = [...bySeq.values()]
    expect(a).not.toEqual(b)
    // approved, the material counts: 4 × ~2 s ≥ 6 s, so nothing more is asked for
    for (const s of shots) await callCore(core, 'library.shots.update', { id: s.id, approved: true })
    expect(gen.autopilot.runwaySeconds(ch.id)).toBeGreaterThanOrEqual(7.5)
    expect(await gen.autopilot.check(ch.id)).toBeUndefined()
    expect(lib.listShots({ channelId: ch.id }).total).toBe(4)
  })
})
