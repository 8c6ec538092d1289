import { describe, expect, it } from 'vitest'
import { RunwayWatch, RUNWAY_WARN_S } from '../../../src/main/notifications/runway'

const on = (runwayS: number, totalS: number, slate = false) => ({ onAir: true, runwayS, totalS, slate })

describe('RunwayWatch: when "runway low" is news', () => {
  it('uses a two-minute threshold', () => {
    expect(RUNWAY_WARN_S).toBe(120)
  })

  it('warns once when a channel that had enough falls below the threshold; a loop back to the top does not re-warn', () => {
    const w = new RunwayWatch(120)
    expect(w.observe(1, on(300, 310))).toBeNull()
    expect(w.observe(1, on(150, 310))).toBeNull()
    expect(w.observe(1, on(119, 310))).toBe('low')
    expect(w.observe(1, on(40, 310))).toBeNull()
    // The timeline loops: the runway is long again but nothing new was added.
    expect(w.observe(1, on(300, 310))).toBeNull()
    expect(w.observe(1, on(100, 310))).toBeNull()
  })

  it('new material (the timeline grows) with enough runway clears and re-arms', () => {
    const w = new RunwayWatch(120)
    w.observe(1, on(300, 310))
    expect(w.observe(1, on(60, 310))).toBe('low')
    expect(w.observe(1, on(400, 650))).toBe('clear')
    expect(w.observe(1, on(90, 650))).toBe('low')
  })

  it('does not warn a channel that went live short (the operator just saw it), but does when it falls to the slate', () => {
    const w = new RunwayWatch(120)
    expect(w.observe(1, on(20, 30))).toBeNull()
    expect(w.observe(1, on(5, 30))).toBeNull()
    expect(w.observe(1, on(0, 0, true))).toBe('slate')
    expect(w.observe(1, on(0, 0, true))).toBeNull()
  })

  it('a channel that starts on the slate (empty timeline) is not news; going off air clears a warning', () => {
    const w = new RunwayWatch(120)
    expect(w.observe(2, on(0, 0, true))).toBeNull()
    expect(w.observe(2, on(0, 0, true))).toBeNull()
    w.observe(3, on(500, 500))
    expect(w.observe(3, on(10, 500))).toBe('low')
    expect(w.observe(3, { onAir: false, runwayS: 0, totalS: 0, slate: false })).toBe('clear')
    expect(w.observe(3, { onAir: false, runwayS: 0, totalS: 0, slate: false })).toBeNull()
  })
})
