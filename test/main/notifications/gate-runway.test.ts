import { describe, expect, it } from 'vitest'
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
