import { describe, expect, it } from 'vitest'
import { EventBus } from '../../../src/main/core/events'
import { Notifier } from '../../../src/main/notifications/notifier'
import { gateRunwayRisk, type GateRunwayInput } from '../../../src/main/notifications/gate-runway'

const fmt = (s: number): string => `${Math.round(s)} s`
const base: GateRunwayInput = { recent: [], runwayS: 30, onAir: true, warnS: 120, budgetLeft: 0, held: 0 }
const fail = (...c: string[]) => ({ failed: c })
const ok = { failed: [] }

describe('gateRunwayRisk', () => {
  it('names each failing check with its count, the runway the engine reported, and what to do', () => {
    const r = gateRunwayRisk({ ...base, recent: [fail('text'), fail('text', 'black'), ok, fail('text')], held: 3 }, fmt)
    expect(r?.failed).toBe(3)
    expect(r?.body).toBe(
      '3 of the last 4 takes failed the quality gate: text in the picture ×3, black ×1; 30 s of runway left. ' +
        'To keep it fed: review the 3 held shots (webtv shots --failed), loosen its checks (webtv gate set --checks) ' +
        'or raise its budget (0 regenerations left this hour; --takes-per-hour).'
    )
  })

  it('one failure, a minority of failures, or enough runway is not news', () => {
    expect(gateRunwayRisk({ ...base, recent: [fail('black')] }, fmt)).toBeNull()
    expect(gateRunwayRisk({ ...base, recent: [fail('black'), ok, ok, fail('text'), ok] }, fmt)).toBeNull()
    expect(gateRunwayRisk({ ...base, recent: [fail('black'), fail('text')], runwayS: 120 }, fmt)).toBeNull()
  })

  it('an unknown check keeps its name; off air it speaks of the timeline, not the runway', () => {
    const r = gateRunwayRisk({ ...base, onAir: false, recent: [fail('newcheck'), fail('frozen')], budgetLeft: 1 }, fmt)
    expect(r?.body).toContain('newcheck ×1, frozen picture ×1; 30 s ready to air on its timeline.')
    expect(r?.body).toContain('(1 regeneration left this hour')
    expect(r?.body).not.toContain('held shot')
  })
})

describe('Notifier: runway at risk because takes keep failing', () => {
  it('raised when the gate settles a failing take; new material clears it on the runway tick, which never raises', async () => {
    const bus = new EventBus()
    const settled: Array<(id: number) => void> = []
    const recent = [fail('text'), fail('black')]
    let airable = 10
    const notifier = new Notifier({
      bus,
      onair: () => undefined,
      channelName: () => 'Night Owl',
      airableSeconds: () => airable,
      secrets: async () => [],
      gate: () => ({
        channel: () => ({ enabled: true, budgetLeft: 2 }),
        recentTakes: () => recent.map((t, i) => ({ takeId: i + 1, ...t })),
        heldSince: () => 1,
        onSettled: (l) => {
          settled.push(l)
          return () => undefined
        }
      })
    })
    const notes: Array<{ action: string; cause: string; title: string }> = []
    bus.on('notifications.notification', (n) => notes.push(n))
    notifier.start()
    notifier.watchRunway(10)
    settled[0]!(1)
    await new Promise((r) => setTimeout(r, 100))
    await notifier.settled()
    // Still at risk on every tick: one notice, not one per tick.
    expect(notes).toEqual([
      expect.objectContaining({
        action: 'raise',
        cause: 'runway-low:1:gate',
        title: 'Runway at risk on "Night Owl": takes keep failing'
      })
    ])
    airable = 600
    await new Promise((r) => setTimeout(r, 100))
    await notifier.settled()
    expect(notes.map((n) => n.action)).toEqual(['raise', 'clear'])
    expect(notes[1]!.title).toBe('"Night Owl" has runway again')
    notifier.close()
  })
})
