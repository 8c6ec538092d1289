import { afterEach, describe, expect, it } from 'vitest'
import type { EventPayload } from '../../../src/shared/contract'
import { callCore } from '../../../src/main/cli/open-core'
import { writePolicy } from '../../../src/main/checks/policy'
import { CheckStore } from '../../../src/main/checks/store'
import { GENERATION, LIBRARY } from '../../../src/main/services'
import { gateTakes, studioWithSpace } from '../../fixtures/gradio-studio'
import { until } from '../../helpers/until'

/**
 * "Runway at risk because takes keep failing", end to end: the real core and SQLite,
 * a local Gradio Space (real wire protocol through @gradio/client) whose takes have
 * words burned in, the real checks (ffmpeg + OCR) and the studio's one notifier.
 */
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('runway at risk because takes keep failing', () => {
  const made = gateTakes()

  async function run(clips: string[]) {
    const notes: Array<EventPayload<'notifications.notification'>> = []
    const { core, space, channelId } = await studioWithSpace({
      channel: 'Gate',
      clips,
      cleanups,
      onCore: (c) => c.bus.on('notifications.notification', (n) => notes.push(n))
    })
    const lib = core.services.get(LIBRARY)
    writePolicy(lib, channelId, { enabled: true, maxTries: 1, takesPerHour: 5 })
    await callCore(core, 'generation.enqueue', {
      channelId,
      shots: [{ prompt: 'a harbour at dawn, shot on Canon EOS' }],
      music: false
    })
    core.services.get(GENERATION).start({ autopilot: false })
    const store = new CheckStore(lib.featureDatabase('checks'))
    return { notes, space, store, channelId }
  }

  it('every try failed and nothing is ready to air: one warning with the reasons and what to do', async () => {
    const { notes, space, store, channelId } = await run([made.bad])
    await until('one take held', () => store.count(channelId, 'held') === 1, 240_000)
    await until('a notification', () => notes.length > 0, 10_000)
    // The settle of the held take is the last gate event: nothing more comes after it.
    await new Promise((r) => setTimeout(r, 500))
    expect(space.stats.completed).toBe(2)
    expect(notes).toHaveLength(1)
    const n = notes[0]!
    expect(n).toMatchObject({
      action: 'raise',
      kind: 'runway-low',
      cause: `runway-low:${channelId}:gate`,
      channelId,
      level: 'warning'
    })
    expect(n.title).toBe('Runway at risk on "Gate": takes keep failing')
    // Counts from the gate's log: 2 takes checked, both failed on text; the only shot is
    // held, so nothing is airable; one regeneration spent of the 5 an hour.
    expect(n.body).toBe(
      '2 of the last 2 takes failed the quality gate: text in the picture ×2; 0 s ready to air on its timeline. ' +
        'To keep it fed: review the 1 held shot (webtv shots --failed), loosen its checks (webtv gate set --checks) ' +
        'or raise its budget (4 regenerations left this hour; --takes-per-hour).'
    )
  }, 400_000)

  it('a failed take whose retry passes raises nothing', async () => {
    const { notes, space, store, channelId } = await run([made.bad, made.good])
    await until(
      'a take chosen or held',
      () => store.count(channelId, 'chosen') === 1 || store.count(channelId, 'held') > 0,
      240_000
    )
    await new Promise((r) => setTimeout(r, 500))
    expect(store.count(channelId, 'chosen')).toBe(1)
    expect(space.stats.completed).toBe(2)
    expect(notes.filter((n) => n.cause.endsWith(':gate'))).toEqual([])
  }, 400_000)
})
