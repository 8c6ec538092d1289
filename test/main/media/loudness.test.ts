import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  checkTarget,
  decideGain,
  gainFilters,
  MAX_GAIN_DB,
  parseEbur128Summaries,
  parseEbur128Summary,
  refineGain,
  TRIAL_STEP_DB,
  trialArgs
} from '../../../src/main/media/loudness'
import { dipFrames, escapeFilterValue, graphicsFilters, pictureRect } from '../../../src/main/media/graphics'

const fixture = (name: string): string => readFileSync(join(__dirname, '../../fixtures/ffmpeg', name), 'utf8')
const TARGET = { integratedLufs: -14, truePeakDb: -1 }

describe('ebur128 summary', () => {
  it('reads integrated loudness, range and true peak from a captured run', () => {
    expect(parseEbur128Summary(fixture('ebur128-q.txt'))).toEqual({
      integratedLufs: -51.8,
      lraLu: 18.2,
      truePeakDb: -51.1
    })
  })
  it('reads digital silence as -70 LUFS and a peak of -inf', () => {
    expect(parseEbur128Summary(fixture('ebur128-sil.txt'))).toEqual({
      integratedLufs: -70,
      lraLu: 0,
      truePeakDb: -Infinity
    })
  })
  it('returns null without a summary', () => {
    expect(parseEbur128Summary('Stream mapping:\n  Stream #0:0 -> #0:0')).toBeNull()
  })
})

describe('the limiter trial (a mix landing on the target although the limiter shaves its peaks)', () => {
  const m = { integratedLufs: -17.2, lraLu: 20, truePeakDb: -3.9 }
  it('measures the static gain and one TRIAL_STEP_DB over it through the conform’s own limiter, in one run', () => {
    const d = decideGain(m, TARGET)
    const args = trialArgs('take.wav', d, TARGET).join(' ')
    expect(args).toContain(`[t0]${gainFilters(d, TARGET).join(',')},ebur128`)
    expect(args).toContain(`[t1]volume=${(d.gainDb + TRIAL_STEP_DB).toFixed(1)}dB,alimiter=`)
    expect(args.match(/-f null -/g)).toHaveLength(2)
  })
  it('reads each meter’s last summary, in graph order (ffmpeg sets the graph up twice and prints the last meter first)', () => {
    // Captured from trialArgs on a 3 s take: two set-up summaries at −70, then the real ones, last instance first.
    expect(parseEbur128Summaries(fixture('ebur128-trial.txt')).map((x) => x.integratedLufs)).toEqual([-14.2, -12.4])
  })
  it('raises the gain along the line through both trials to meet the target', () => {
    const d = { ...decideGain(m, TARGET), gainDb: 6 }
    const at = (i: number) => ({ integratedLufs: i, lraLu: 20, truePeakDb: -Infinity })
    // 0.6 LU per dB under the limiter, 0.9 LU short: 1.5 dB more.
    expect(refineGain(d, [at(-14.9), at(-13.7)], TARGET).gainDb).toBe(7.5)
    // Already on target: no change; far short: at most twice the trials' reach.
    expect(refineGain(d, [at(-14), at(-12.8)], TARGET).gainDb).toBe(6)
    expect(refineGain(d, [at(-20), at(-19)], TARGET).gainDb).toBe(6 + 2 * TRIAL_STEP_DB)
    // A limiter that holds nearly everything: more gain would be distortion, not loudness.
    expect(refineGain(d, [at(-16), at(-15.9)], TARGET).gainDb).toBe(6)
    // A trial that measured nothing (or silence) leaves the static gain.
    expect(refineGain(d, [at(-70), at(-70)], TARGET).gainDb).toBe(6)
    expect(refineGain(d, [], TARGET).gainDb).toBe(6)
  })
})

describe('gain decision', () => {
  it('brings a quiet clip up to the target and says the limiter will act when peaks would pass the ceiling', () => {
    const d = decideGain({ integratedLufs: -30, lraLu: 5, truePeakDb: -10 }, TARGET)
    expect(d.gainDb).toBe(16)
    expect(d.limited).toBe(true)
    expect(d.silent).toBe(false)
    expect(gainFilters(d, TARGET)[0]).toBe('volume=16.0dB')
    expect(gainFilters(d, TARGET)[1]).toMatch(/^alimiter=limit=0\.7499:.*level=0/)
  })
  it('turns a loud clip down without limiting', () => {
    const d = decideGain({ integratedLufs: -6, lraLu: 2, truePeakDb: 0.5 }, TARGET)
    expect(d.gainDb).toBe(-8)
    expect(d.limited).toBe(false)
  })
  it('leaves silence alone', () => {
    for (const m of [
      { integratedLufs: -70, lraLu: 0, truePeakDb: -Infinity },
      { integratedLufs: -Infinity, lraLu: 0, truePeakDb: -Infinity }
    ]) {
      const d = decideGain(m, TARGET)
      expect(d.silent).toBe(true)
      expect(d.gainDb).toBe(0)
      expect(gainFilters(d, TARGET)).toEqual([])
    }
  })
  it('caps the gain for near-silent room tone', () => {
    expect(decideGain({ integratedLufs: -59, lraLu: 0, truePeakDb: -50 }, TARGET).gainDb).toBe(MAX_GAIN_DB)
  })
  it('refuses targets outside -31…-5 LUFS with the range in the message', () => {
    expect(checkTarget(-14)).toBeNull()
    expect(checkTarget(-23)).toBeNull()
    expect(checkTarget(-40)).toMatch(/-31…-5 LUFS/)
    expect(checkTarget(0)).toMatch(/outside/)
    expect(checkTarget(Number.NaN)).toMatch(/number/)
  })
})

describe('graphics filters', () => {
  it('finds the picture inside a letterboxed or pillarboxed frame', () => {
    expect(pictureRect(1024, 576, 1920, 1080)).toEqual({ x: 0, y: 0, w: 1024, h: 576 })
    expect(pictureRect(1024, 576, 640, 480)).toEqual({ x: 128, y: 0, w: 768, h: 576 })
    expect(pictureRect(1024, 576, 1080, 1920)).toEqual({ x: 350, y: 0, w: 324, h: 576 })
  })
  it('escapes paths twice (option, then graph)', () => {
    expect(escapeFilterValue("C:\\a b,c's[1];x")).toBe("C\\\\:\\\\\\\\a b\\,c\\\\\\'s\\[1\\]\\;x")
  })
  it('keeps the dip to a third of a short clip', () => {
    expect(dipFrames(0.25, 24, 72)).toBe(6)
    expect(dipFrames(2, 24, 30)).toBe(10)
    expect(dipFrames(0, 24, 72)).toBe(0)
  })
  it('is a pass-through with nothing on', () => {
    const chains = graphicsFilters(
      {
        picture: pictureRect(384, 216, 384, 216),
        frames: 48,
        fps: 24,
        audioSamples: 96000,
        audioRate: 48000,
        dipSeconds: 0
      },
      '[v0]',
      '[v]',
      '[a0]',
      '[a]'
    )
    expect(chains).toEqual(['[v0]null[v]', '[a0]anull[a]'])
  })
  it('places a bottom-right logo from the picture edge, and fades video and audio for the same time', () => {
    const chains = graphicsFilters(
      {
        picture: { x: 128, y: 0, w: 768, h: 576 },
        frames: 72,
        fps: 24,
        audioSamples: 144000,
        audioRate: 48000,
        dipSeconds: 0.25,
        logo: { inputIndex: 2, position: 'bottom-right', size: 0.1, margin: 0.05, opacity: 0.8 }
      },
      '[v0]',
      '[v]',
      '[a0]',
      '[a]'
    )
    expect(chains[0]).toBe('[2:v:0]scale=76:-2,format=rgba,colorchannelmixer=aa=0.800,format=yuva420p[logo]')
    expect(chains[1]).toContain('overlay=x=867-overlay_w:y=547-overlay_h')
    expect(chains[2]).toBe('[vlogo]fade=t=in:s=0:n=6,fade=t=out:s=65:n=6[v]')
    expect(chains[3]).toBe('[a0]afade=t=in:ss=0:ns=12000,afade=t=out:ss=132000:ns=12000[a]')
  })
})
