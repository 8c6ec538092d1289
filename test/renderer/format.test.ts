import { describe, expect, it } from 'vitest'
import {
  droppedFramesLevel,
  formatDuration,
  formatEta,
  fpsLevel,
  formatUptime
} from '../../src/renderer/src/lib/format'

describe('format helpers', () => {
  it('formats durations', () => {
    expect(formatDuration(83_500)).toBe('1:24')
    expect(formatDuration(3_723_000)).toBe('1:02:03')
    expect(formatDuration(null)).toBe('–:––')
  })
  it('grades dropped frames like OBS (warn > 1 %, bad > 5 %)', () => {
    expect(droppedFramesLevel(1, 100).level).toBe('ok')
    expect(droppedFramesLevel(2, 100).level).toBe('warn')
    expect(droppedFramesLevel(5, 100).level).toBe('warn')
    expect(droppedFramesLevel(6, 100)).toEqual({ percent: 6, level: 'bad' })
    expect(droppedFramesLevel(0, 0).level).toBe('ok')
  })
  it('grades fps against the target', () => {
    expect(fpsLevel(24, 24)).toBe('ok')
    expect(fpsLevel(22, 24)).toBe('warn')
    expect(fpsLevel(18, 24)).toBe('bad')
  })
  it('formats ETA and uptime', () => {
    expect(formatEta(45)).toBe('45 s')
    expect(formatEta(200)).toBe('3 min 20 s')
    expect(formatEta(3900)).toBe('1 h 5 min')
    expect(formatUptime(3_725_000)).toBe('1:02:05')
  })
})

describe('formatLoudness', () => {
  it('says what was measured and done, silence and absence plainly', async () => {
    const { formatLoudness } = await import('../../src/renderer/src/lib/format')
    expect(formatLoudness(null)).toBe('not measured')
    expect(
      formatLoudness({
        integratedLufs: -31.24,
        lraLu: 4.1,
        truePeakDb: -12,
        gainDb: 17.2,
        silent: false,
        limited: true
      })
    ).toBe('−31.2 LUFS · LRA 4.1 LU · TP −12.0 dBTP → +17.2 dB, limited')
    expect(
      formatLoudness({ integratedLufs: -70, lraLu: 0, truePeakDb: null, gainDb: 0, silent: true, limited: false })
    ).toBe('silent (left as is)')
  })
})
