/**
 * The settings store's quality gate (src/renderer/src/stores/settings.ts, the Settings
 * panel's "Quality gate") against the real core: a headless studio server with its
 * SQLite library, reached through the renderer's own WsBridge over a real WebSocket.
 * Checks what the panel shows and what the core keeps.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { useNotices } from '../../src/renderer/src/stores/notices'
import { useSettings } from '../../src/renderer/src/stores/settings'
import { openRendererCore, type RendererCore } from '../helpers/renderer-core'

let studio: RendererCore
let channelId: number
let otherId: number

const call: RendererCore['call'] = (name, input) => studio.call(name, input)

const errors = () =>
  useNotices
    .getState()
    .notices.filter((n) => n.level === 'error')
    .map((n) => n.message)

beforeAll(async () => {
  studio = await openRendererCore({ name: 'settings-gate' })
  channelId = (await call('library.channels.create', { name: 'gate' })).id
  otherId = (await call('library.channels.create', { name: 'other' })).id
}, 120_000)

afterAll(async () => {
  await studio?.close()
})

beforeEach(() => useNotices.setState({ notices: [] }))

describe('settings store: quality gate', () => {
  it("loads the selected channel's stored policy, its budget and every check the studio runs", async () => {
    await call('gate.policy.set', { channelId, takesPerHour: 30, checks: ['black', 'text'] })
    await useSettings.getState().load(channelId)
    const gate = useSettings.getState().gate!
    expect(gate.channelId).toBe(channelId)
    expect(gate.policy).toEqual({
      enabled: false,
      maxTries: 2,
      takesPerHour: 30,
      checks: ['black', 'text'],
      judge: false
    })
    expect(gate.budgetLeft).toBe(30)
    expect(gate.available.map((c) => c.name)).toEqual(
      expect.arrayContaining(['black', 'frozen', 'silence', 'duration', 'loudness', 'text', 'judge'])
    )
    expect(useSettings.getState().gateError).toBeNull()
    expect(errors()).toEqual([])
    // Another channel: its own policy (the default), not this one's.
    await useSettings.getState().load(otherId)
    expect(useSettings.getState().gate).toMatchObject({ channelId: otherId, policy: { takesPerHour: 12 } })
    // No channel: no gate panel.
    await useSettings.getState().load(null)
    expect(useSettings.getState().gate).toBeNull()
  })

  it('turning it on with 3 tries saves; the panel then shows what the core answered, and the core keeps it', async () => {
    await useSettings.getState().load(channelId)
    expect(await useSettings.getState().saveGate({ channelId, enabled: true, maxTries: 3 })).toBe(true)
    expect(errors()).toEqual([])
    const stored = await call('gate.policy.get', { channelId })
    expect(stored.policy).toEqual({
      enabled: true,
      maxTries: 3,
      takesPerHour: 30,
      checks: ['black', 'text'],
      judge: false
    })
    expect(useSettings.getState().gate).toEqual(stored)
    // The judge turned on decides from then on, as the core adds it to the deciding checks.
    expect(await useSettings.getState().saveGate({ channelId, judge: true })).toBe(true)
    expect(useSettings.getState().gate!.policy).toMatchObject({ judge: true, checks: ['black', 'text', 'judge'] })
    expect((await call('gate.policy.get', { channelId })).policy.checks).toEqual(['black', 'text', 'judge'])
  })

  it("a bad value shows the core's refusal, naming the field, and nothing stored changes", async () => {
    await useSettings.getState().load(channelId)
    const before = await call('gate.policy.get', { channelId })
    const bad: [Parameters<ReturnType<typeof useSettings.getState>['saveGate']>[0], RegExp][] = [
      [{ channelId, maxTries: 99 }, /maxTries.*10/],
      [{ channelId, maxTries: 0, takesPerHour: -1 }, /takesPerHour.*0/],
      [{ channelId, enabled: false, checks: [] }, /checks/],
      [{ channelId, checks: ['black', 'sparkles'] }, /Unknown check sparkles; the checks are black, frozen/]
    ]
    for (const [input, why] of bad) {
      useNotices.setState({ notices: [] })
      expect(await useSettings.getState().saveGate(input)).toBe(false)
      expect(useSettings.getState().gateError).toMatch(why)
      expect(errors()).toEqual([expect.stringMatching(/^Quality gate not saved: /)])
      expect(errors()[0]).toContain(useSettings.getState().gateError!)
      // The panel keeps the last answer of the core; the core kept every field as it was.
      expect(useSettings.getState().gate).toEqual(before)
      expect(await call('gate.policy.get', { channelId })).toEqual(before)
    }
    // A save that goes through clears the refusal.
    expect(await useSettings.getState().saveGate({ channelId, maxTries: 0 })).toBe(true)
    expect(useSettings.getState().gateError).toBeNull()
    expect((await call('gate.policy.get', { channelId })).policy.maxTries).toBe(0)
  })
})
