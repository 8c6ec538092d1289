import { afterEach, describe, expect, it } from 'vitest'
import { callCore } from '../../../src/main/cli/open-core'
import { writePolicy } from '../../../src/main/checks/policy'
import { CheckStore } from '../../../src/main/checks/store'
import type { Core } from '../../../src/main/core/core'
import { GENERATION, LIBRARY } from '../../../src/main/services'
import type { FakeSpace } from '../../fixtures/gradio-server'
import { gateTakes, studioWithSpace } from '../../fixtures/gradio-studio'
import { until } from '../../helpers/until'

/**
 * The gate's policy end to end: a local Gradio Space (real wire protocol, driven by
 * @gradio/client) answers with a take that has words burned in, then a clean one.
 */
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function setup(
  clips: string[],
  policy: { maxTries: number; takesPerHour: number }
): Promise<{ core: Core; space: FakeSpace; channelId: number }> {
  const studio = await studioWithSpace({ channel: 'Gate', clips, cleanups })
  writePolicy(studio.core.services.get(LIBRARY), studio.channelId, { enabled: true, ...policy })
  return studio
}

describe('quality gate policy', () => {
  const made = gateTakes()

  it('a failed take is regenerated with a new seed and a rewritten prompt; the good one airs', async () => {
    const { core, space, channelId } = await setup([made.bad, made.good], { maxTries: 2, takesPerHour: 5 })
    const gen = core.services.get(GENERATION)
    const lib = core.services.get(LIBRARY)
    const r = await callCore(core, 'generation.enqueue', {
      channelId,
      shots: [{ prompt: 'a harbour at dawn, shot on Canon EOS, IMAX' }],
      music: false
    })
    gen.start({ autopilot: false })
    const shotId = r.shotIds[0]!
    const store = new CheckStore(lib.featureDatabase('checks'))
    await until(
      'a take chosen or held',
      () => store.count(channelId, 'chosen') === 1 || store.count(channelId, 'held') > 0,
      240_000
    )
    const shot = lib.getShot(shotId)
    expect(store.count(channelId, 'held')).toBe(0)
    expect(shot.approved).toBe(true)
    const takes = lib.listTakes(shotId)
    expect(takes).toHaveLength(2)
    const chosen = takes.find((t) => t.chosen)!
    expect(chosen.id).toBe(takes[1]!.id)
    expect(chosen.prompt).not.toMatch(/Canon|IMAX/)
    expect(chosen.seed).not.toBe(takes[0]!.seed)
    expect(store.forTake(takes[0]!.id).find((c) => c.check === 'text')!.verdict).toBe('fail')
    expect(store.forTake(chosen.id).every((c) => c.verdict !== 'fail')).toBe(true)
    expect(space.stats.completed).toBe(2)
    // Two generations, two conforms and two checks in a row: generous for a loaded 2-core machine.
  }, 400_000)

  it('a good first take costs exactly one generation', async () => {
    const { core, space, channelId } = await setup([made.good], { maxTries: 2, takesPerHour: 5 })
    const gen = core.services.get(GENERATION)
    const lib = core.services.get(LIBRARY)
    const r = await callCore(core, 'generation.enqueue', {
      channelId,
      shots: [{ prompt: 'a quiet field' }],
      music: false
    })
    gen.start({ autopilot: false })
    await gen.service.waitForJobs(r.jobIds, { pollMs: 100 })
    const store = new CheckStore(lib.featureDatabase('checks'))
    await until('one take checked', () => store.count(channelId, 'checked') === 1, 240_000)
    await new Promise((res) => setTimeout(res, 500))
    expect(lib.getShot(r.shotIds[0]!).approved).toBe(true)
    expect(store.count(channelId, 'regenerated')).toBe(0)
    expect(space.stats.completed).toBe(1)
  })

  it('no budget left: the failed take is held for review with its reason and never regenerated', async () => {
    const { core, space, channelId } = await setup([made.bad, made.good], { maxTries: 2, takesPerHour: 0 })
    const gen = core.services.get(GENERATION)
    const lib = core.services.get(LIBRARY)
    const r = await callCore(core, 'generation.enqueue', { channelId, shots: [{ prompt: 'a harbour' }], music: false })
    gen.start({ autopilot: false })
    const store = new CheckStore(lib.featureDatabase('checks'))
    await until('one take held', () => store.count(channelId, 'held') === 1, 240_000)
    expect(lib.getShot(r.shotIds[0]!).approved).toBe(false)
    expect(space.stats.completed).toBe(1)
    const held = lib.featureDatabase('checks').prepare("SELECT reason FROM gate_log WHERE kind = 'held'").get() as {
      reason: string
    }
    expect(held.reason).toMatch(/budget.*Text in the picture/)
  })
})
