import { describe, expect, it } from 'vitest'
import { askedWords, studioMasks } from '../../../src/main/checks/masks'
import { parseMeasure, sampleTimes } from '../../../src/main/checks/measure'
import { checkRows, isWordLike, similarity, strayWords } from '../../../src/main/checks/registry'
import { groupsOf, parsePgm, staticMap, toPgm, type Gray } from '../../../src/main/checks/static-text'
import { dropTextProneWords, rewritePrompt } from '../../../src/main/checks/rewrite'
import { planOf } from '../../../src/main/checks/gate'
import type { Measurements } from '../../../src/main/checks/types'

describe('prompt rewrite after stray text', () => {
  it('drops camera, format and brand words, keeps the scene and quoted text', () => {
    expect(dropTextProneWords('A harbour at dawn, shot on Canon EOS R5, IMAX, 35mm lens, drone footage')).toBe(
      'A harbour at dawn'
    )
    expect(dropTextProneWords('A shop sign reading "Nikon repairs", 4K')).toBe('A shop sign reading "Nikon repairs"')
    expect(rewritePrompt('A llama by a fire, GoPro HERO', ['text'])).toBe(
      'A llama by a fire. No text, no letters, no captions, no logos.'
    )
    expect(rewritePrompt('A field.', ['frozen'])).toBe('A field. Continuous motion throughout.')
  })
})

describe('check rows', () => {
  const base: Measurements = {
    durationSec: 4,
    black: [],
    frozen: [],
    silence: [],
    hasAudio: true,
    integratedLufs: -14,
    sampled: [1, 3],
    words: [],
    judge: null
  }
  const take = {
    mp4: '',
    width: 640,
    height: 360,
    durationMs: 4000,
    loudnessTargetLufs: -14,
    masks: [],
    allowedWords: ['OPEN']
  }
  const run = (
    name: string,
    m: Partial<Measurements>,
    t: Partial<typeof take> & { expectsAudio?: boolean; plannedSeconds?: number } = {}
  ) => checkRows.find((r) => r.name === name)!.run({ ...base, ...m }, { ...take, ...t })
  it('judges each measurement', () => {
    expect(run('black', { black: [{ start: 0, end: 0.25 }] }).verdict).toBe('pass')
    expect(run('black', { black: [{ start: 1, end: 2.5 }] })).toMatchObject({ verdict: 'fail', frames: [1] })
    expect(run('frozen', { frozen: [{ start: 0.3, end: 3.7 }] }).verdict).toBe('fail')
    expect(run('silence', { silence: [{ start: 0, end: 4 }], integratedLufs: -Infinity }).verdict).toBe('skip')
    expect(
      run('silence', { silence: [{ start: 0, end: 4 }], integratedLufs: -Infinity }, { expectsAudio: true }).verdict
    ).toBe('fail')
    expect(run('duration', {}, { plannedSeconds: 8 }).verdict).toBe('fail')
    expect(run('duration', {}, { plannedSeconds: 4.5 }).verdict).toBe('pass')
    expect(run('loudness', { integratedLufs: -24 }).verdict).toBe('fail')
    const word = (text: string, confidence: number, at: number) => ({
      text,
      confidence,
      at,
      box: { x0: 0.1, y0: 0.1, x1: 0.3, y1: 0.2 }
    })
    expect(run('text', { words: [word('OPEN', 95, 1)] }).verdict).toBe('pass')
    expect(run('text', { words: [word('IMAX', 90, 1)] })).toMatchObject({ verdict: 'fail', frames: [1] })
    expect(run('text', { words: [word('CTNEMATEC', 4, 1), word('CINEMATIC', 30, 3)] }).verdict).toBe('fail')
    expect(run('text', { words: [word('Seat', 40, 1)] }).verdict).toBe('pass')
    // The same word read by several views is named once, without the punctuation OCR stuck to it.
    const many = run('text', {
      words: [word('iPhone', 90, 1), word('iPhone,', 85, 1), word('IPHONE', 80, 3), word('"Shot', 91, 1)]
    })
    expect(many.reason).toBe('Text in the picture the shot did not ask for: "iPhone", "Shot".')
  })
  it('tells words from texture', () => {
    expect(isWordLike('EOS')).toBe(true)
    expect(isWordLike('==')).toBe(false)
    expect(isWordLike('5%')).toBe(false)
    expect(isWordLike('(Nikon,')).toBe(true)
  })
})

describe('measuring pass', () => {
  it('parses the blackdetect, freezedetect, silencedetect and R128 reports', () => {
    const video = [
      'frame:0    pts:0       pts_time:0',
      'lavfi.black_start=0',
      'frame:12   pts:12      pts_time:1.5',
      'lavfi.black_end=1.5',
      'frame:14   pts:14      pts_time:1.7',
      'lavfi.freezedetect.freeze_start=0.5',
      'frame:20   pts:20      pts_time:2.5',
      'lavfi.freezedetect.freeze_duration=2',
      'lavfi.freezedetect.freeze_end=2.5',
      'frame:30   pts:30      pts_time:3.7',
      'lavfi.freezedetect.freeze_start=3.1'
    ].join('\n')
    const silence = [
      'frame:3    pts:3072    pts_time:0.064',
      'lavfi.silence_start=-0.002',
      'frame:60   pts:57600   pts_time:1.2',
      'lavfi.silence_end=1.2',
      'lavfi.silence_duration=1.2'
    ].join('\n')
    const loudness = [
      'frame:0 pts:0 pts_time:0',
      'lavfi.r128.I=-70',
      'frame:1 pts:48000 pts_time:1',
      'lavfi.r128.I=-14.2'
    ].join('\n')
    expect(parseMeasure({ video, silence, loudness }, 4)).toEqual({
      black: [{ start: 0, end: 1.5 }],
      frozen: [
        { start: 0.5, end: 2.5 },
        { start: 3.1, end: 4 }
      ],
      silence: [{ start: 0, end: 1.2 }],
      integratedLufs: -14.2
    })
    // A black stretch still open at the end runs to it; no report means no sound measured.
    expect(parseMeasure({ video: 'lavfi.black_start=3', silence: '', loudness: '' }, 4)).toEqual({
      black: [{ start: 3, end: 4 }],
      frozen: [],
      silence: [],
      integratedLufs: null
    })
  })
  it('samples at least three frames inside the dips', () => {
    const t = sampleTimes(3)
    expect(t.length).toBe(3)
    expect(t[0]).toBeGreaterThan(0.25)
    expect(t[2]).toBeLessThan(2.75)
  })
})

describe('masks and the plan', () => {
  it('covers the logo, label, lower third and captions of the look', () => {
    const masks = studioMasks({
      frameW: 640,
      frameH: 360,
      look: {
        logo: { file: 'x', position: 'top-right', size: 0.1, margin: 0.04, opacity: 1 },
        label: { text: 'AI-generated', position: 'top-left' },
        lowerThird: { text: 'Morning', seconds: 5 }
      },
      captions: true
    })
    expect(masks).toHaveLength(4)
    for (const m of masks) {
      expect(m.x).toBeGreaterThanOrEqual(0)
      expect(m.x + m.w).toBeLessThanOrEqual(640)
      expect(m.y + m.h).toBeLessThanOrEqual(360)
    }
    expect(masks[0]!.x + masks[0]!.w).toBeGreaterThan(600)
  })
  it('reads quoted words and the plan', () => {
    expect(askedWords('a sign reading "OPEN LATE"')).toEqual(['OPEN', 'LATE'])
    expect(planOf({ narration: 'Hello', durationSeconds: 6 })).toEqual({ expectsAudio: true, plannedSeconds: 6 })
    expect(planOf(null)).toEqual({ expectsAudio: false })
  })
})

describe('static text map', () => {
  // 8×4 signed high-passed frames (128 = flat): a fixed light stroke at (1,1) in every frame,
  // a light texture speck that moves far each frame, and a dark speck that stays put at (6,2).
  const frame = (speck: number): Gray => {
    const pixels = new Uint8Array(32).fill(128)
    pixels[1 * 8 + 1] = 230
    pixels[2 * 8 + speck] = 230
    pixels[2 * 8 + 6] = 20
    return { width: 8, height: 4, pixels }
  }
  it('keeps what stays put (within a pixel) and drops what moves', () => {
    const map = staticMap([frame(3), frame(5), frame(7)], 'light', 52)
    expect(map.strokes).toBe(1)
    expect(map.pixels[9]).toBe(0)
    // A one-pixel drift still counts as staying put.
    expect(staticMap([frame(3), frame(4)], 'light', 52).strokes).toBe(2)
  })
  it('keeps light and dark strokes apart', () => {
    const dark = staticMap([frame(3), frame(5)], 'dark', 52)
    expect(dark.strokes).toBe(1)
    expect(dark.pixels[2 * 8 + 6]).toBe(0)
    // Not far enough from flat on either side: no stroke.
    expect(staticMap([frame(3), frame(5)], 'light', 110).strokes).toBe(0)
  })
  it('fills a pinhole in a letter', () => {
    const pixels = new Uint8Array(64).fill(128)
    for (let y = 2; y <= 4; y++) for (let x = 2; x <= 4; x++) pixels[y * 8 + x] = 230
    pixels[3 * 8 + 3] = 128
    const map = staticMap([{ width: 8, height: 8, pixels }], 'light', 52)
    expect(map.pixels[3 * 8 + 3]).toBe(0)
    expect(map.strokes).toBe(9)
  })
  it('reads and writes 8-bit PGM and refuses anything else', () => {
    const img = parsePgm(toPgm(frame(2)))
    expect([img.width, img.height, img.pixels[9]]).toEqual([8, 4, 230])
    expect(() => parsePgm(Buffer.from('P6\n8 4\n255\n'))).toThrow(/8-bit binary PGM/)
    expect(() => parsePgm(Buffer.from('P5\n8 4\n255\nxx'))).toThrow(/cut short/)
  })
  it('groups sampled frames in threes, never leaving one alone', () => {
    expect(groupsOf([1, 2, 3])).toEqual([[1, 2, 3]])
    expect(groupsOf([1, 2, 3, 4])).toEqual([[1, 2, 3, 4]])
    expect(groupsOf([1, 2, 3, 4, 5])).toEqual([
      [1, 2, 3],
      [4, 5]
    ])
  })
  it('calls a doubtful word text only when another view reads it alike at the same place', () => {
    const w = (text: string, confidence: number, view: string, x0 = 0.1) => ({
      text,
      confidence,
      at: 1,
      view,
      box: { x0, y0: 0.1, x1: x0 + 0.2, y1: 0.2 }
    })
    expect(similarity('ULTRA', 'ULWRA')).toBeCloseTo(0.8)
    expect(strayWords([w('ULTRA', 18, 'f100'), w('ULWRA', 0, 'h100')], []).length).toBe(2)
    expect(strayWords([w('Dor', 44, 'f128'), w('Town', 51, 'h128')], [])).toEqual([])
    expect(strayWords([w('ULTRA', 18, 'f100'), w('ULWRA', 0, 'h100', 0.6)], [])).toEqual([])
    expect(strayWords([w('Canon', 95, 'f128')], ['canon'])).toEqual([])
    // Before the encoder, the same map at another threshold is nearly the same picture: no confirmation
    // (a still fractal's edge read "ban" at 52 and "ran" at 44); another sign or group of frames is.
    expect(strayWords([w('ban', 30, 'f-52'), w('ran', 31, 'f-44')], [], true)).toEqual([])
    expect(strayWords([w('ban', 30, 'f-52'), w('ran', 31, 'f+52')], [], true).length).toBe(2)
    // In the decoded file (softened by the encoder), another cut of the same map may confirm.
    expect(strayWords([w('ban', 30, 'f-52'), w('ran', 31, 'f-44')], []).length).toBe(2)
  })
})
