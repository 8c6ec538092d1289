import { describe, expect, it } from 'vitest'
import { BoundaryLog } from '../../../src/main/onair/boundary-log'

describe('boundary log: each clip boundary measured, late ones logged at a bounded rate', () => {
  function setup() {
    let t = 0
    const lines: Array<{ level: string; line: string }> = []
    const log = new BoundaryLog(
      'ch',
      (level, line) => lines.push({ level, line }),
      () => t,
      60_000
    )
    return { log, lines, advance: (ms: number) => (t += ms) }
  }

  it('counts every boundary; on-time ones are summed up, late ones logged with their lateness', () => {
    const { log, lines, advance } = setup()
    log.record(180.4, 'a')
    log.record(-312.6, 'b "clip"')
    log.record(90, 'c')
    expect(log.stats).toEqual({ boundaries: 3, lateBoundaries: 1, worstLateMs: 313, lastLeadMs: 90, minLeadMs: -313 })
    const written = lines.filter((l) => l.level !== 'debug')
    expect(written).toHaveLength(1)
    expect(written[0]!.level).toBe('warn')
    expect(written[0]!.line).toContain('clip boundary late by 313 ms')
    advance(60_000)
    log.record(200, 'd')
    const summary = lines.filter((l) => l.line.includes('clip boundaries in the last'))
    expect(summary).toHaveLength(1)
    expect(summary[0]!.line).toMatch(/4 clip boundaries in the last 1 min: 1 late \(worst 313 ms\); lead min -313 ms/)
  })

  it('a bad hour cannot flood the log: 10 late lines a minute, then one count', () => {
    const { log, lines, advance } = setup()
    for (let i = 0; i < 500; i++) log.record(-50, `x${i}`)
    expect(lines.filter((l) => l.line.includes('late by')).length).toBe(10)
    advance(61_000)
    log.close()
    expect(lines.some((l) => /490 more refused .*late clip boundaries/.test(l.line))).toBe(true)
    expect(log.stats.lateBoundaries).toBe(500)
  })

  it('an all-on-time window is one info line', () => {
    const { log, lines } = setup()
    log.record(100, 'a')
    log.record(300, 'b')
    log.close()
    const out = lines.filter((l) => l.level !== 'debug')
    expect(out).toEqual([
      { level: 'info', line: '[ch] 2 clip boundaries in the last 1 min: all on time; lead min 100 ms, mean 200 ms' }
    ])
  })
})
