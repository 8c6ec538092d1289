/**
 * Loudness, graphics and dips burned in at conform, checked on the output with
 * real ffmpeg: the EBU R128 meter for loudness, decoded frames for pixels.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { meter } from '../../helpers/audio-meter'
import { tempDir } from '../../helpers/tmp'
import { conform, type ClipLook } from '../../../src/main/media/conform'
import { toolPath } from '../../../src/main/media/ffmpeg-path'
import { pictureRect } from '../../../src/main/media/graphics'
import { DEFAULT_HOUSE_FORMAT, type HouseFormat } from '../../../src/shared/house-format'

const FORMAT: HouseFormat = { ...DEFAULT_HOUSE_FORMAT, width: 384, height: 216 }

let tmp: ReturnType<typeof tempDir>
beforeAll(() => {
  tmp = tempDir()
})
afterAll(() => tmp.cleanup())

function ffmpeg(args: string[]): Buffer {
  return execFileSync(toolPath('ffmpeg'), ['-hide_banner', '-nostdin', '-y', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024
  })
}

/** A clip of `video` (lavfi source) with `audio` (lavfi source, or none), PCM so clipping survives. */
function source(name: string, video: string, audio: string | null, seconds = 4): string {
  const out = join(tmp.dir, `${name}.mkv`)
  const args = ['-loglevel', 'error', '-f', 'lavfi', '-i', `${video}:d=${seconds}`]
  if (audio) args.push('-f', 'lavfi', '-t', String(seconds), '-i', audio)
  args.push(
    '-map',
    '0:v',
    ...(audio ? ['-map', '1:a', '-c:a', 'pcm_s16le'] : []),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    out
  )
  ffmpeg(args)
  return out
}

async function run(
  input: string,
  look: ClipLook | undefined,
  name = `o-${Math.random().toString(36).slice(2)}`
): Promise<{ mp4: string; result: Awaited<ReturnType<typeof conform>> }> {
  const out = join(tmp.dir, name)
  const targets = { mp4: `${out}.mp4`, ts: `${out}.ts`, poster: `${out}.jpg`, strip: `${out}.strip.jpg` }
  const result = await conform(input, targets, FORMAT, { look })
  return { mp4: targets.mp4, result }
}

/** One decoded frame (by index) as RGB24. */
function frameRgb(file: string, index: number): Buffer {
  return ffmpeg([
    '-loglevel',
    'error',
    '-i',
    file,
    '-vf',
    `select=eq(n\\,${index})`,
    '-frames:v',
    '1',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-'
  ])
}

function pixel(frame: Buffer, x: number, y: number): [number, number, number] {
  const o = (y * FORMAT.width + x) * 3
  return [frame[o]!, frame[o + 1]!, frame[o + 2]!]
}

/** Mean luma of every frame. */
function lumas(file: string): number[] {
  const raw = ffmpeg([
    '-loglevel',
    'error',
    '-i',
    file,
    '-vf',
    'scale=32:18',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'gray',
    '-'
  ])
  const out: number[] = []
  for (let o = 0; o + 576 <= raw.length; o += 576) {
    let sum = 0
    for (let k = 0; k < 576; k++) sum += raw[o + k]!
    out.push(sum / 576)
  }
  return out
}

const LEVEL: ClipLook = { loudness: { integratedLufs: -14, truePeakDb: -1 }, dipSeconds: 0 }

describe('loudness to the channel target', () => {
  const video = 'testsrc2=size=320x180:rate=24'
  const cases: Array<[string, string]> = [
    ['very quiet', 'anoisesrc=color=pink:amplitude=0.02:sample_rate=48000'],
    ['very loud', 'anoisesrc=color=pink:amplitude=1:sample_rate=48000,volume=8dB'],
    ['clipped', 'sine=frequency=300:sample_rate=44100,volume=24dB'],
    ['quiet speech-like (mono, bursts)', 'sine=frequency=500:sample_rate=22050,volume=-28dB,apulsator=hz=2']
  ]
  for (const [name, audio] of cases) {
    for (const target of [-14, -23]) {
      it(`${name} comes out at ${target} LUFS ±1 LU with true peak under -1 dBTP`, async () => {
        const input = source(`${name.replace(/\W+/g, '-')}`, video, audio)
        const before = meter(input)
        const { mp4, result } = await run(input, { ...LEVEL, loudness: { integratedLufs: target, truePeakDb: -1 } })
        const after = meter(mp4)
        expect(Math.abs(before.i - target)).toBeGreaterThan(3) // the input really was off target
        expect(Math.abs(after.i - target)).toBeLessThanOrEqual(1)
        expect(after.tp).toBeLessThanOrEqual(-1)
        expect(result.loudness?.integratedLufs).toBeCloseTo(before.i, 0)
        expect(result.loudness?.gainDb).toBeCloseTo(target - result.loudness!.integratedLufs, 0)
      })
    }
  }

  it('silence stays silence: no gain, no noise', async () => {
    const input = source('silent', video, 'anullsrc=channel_layout=stereo:sample_rate=48000')
    const { mp4, result } = await run(input, LEVEL)
    expect(result.loudness?.silent).toBe(true)
    expect(result.loudness?.gainDb).toBe(0)
    const after = meter(mp4)
    expect(after.i).toBeLessThanOrEqual(-70)
    expect(after.tp).toBe(-Infinity)
  })

  it('a clip without audio gets silence and no measurement', async () => {
    const input = source('no-audio', video, null)
    const { mp4, result } = await run(input, LEVEL)
    expect(result.loudness).toBeNull()
    expect(meter(mp4).i).toBeLessThanOrEqual(-70)
  })
})

describe('graphics burned in', () => {
  let logo: string
  beforeAll(() => {
    logo = join(tmp.dir, 'logo.png')
    // an opaque red block with a transparent border: alpha matters
    ffmpeg([
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      'color=c=red:s=60x30,format=rgba,pad=80:40:10:5:color=black@0',
      '-frames:v',
      '1',
      logo
    ])
  })

  const blue = 'color=c=0x2040c0:size=320x180:rate=24'
  const isRed = ([r, g, b]: [number, number, number]): boolean => r > 180 && g < 80 && b < 80
  const isBlue = ([r, , b]: [number, number, number]): boolean => b > 150 && r < 80

  it('puts the logo in the configured corner, and nothing there when off', async () => {
    const input = source('blue', blue, null, 2)
    const logoSpec = { file: logo, position: 'bottom-right' as const, size: 0.2, margin: 0.05, opacity: 1 }
    const on = await run(input, { loudness: null, dipSeconds: 0, logo: logoSpec })
    const off = await run(input, { loudness: null, dipSeconds: 0 })
    // logo 0.2 × 384 = 76 px wide (red part 57 px), 11 px from the bottom-right corner
    const m = Math.round(0.05 * 216)
    const w = Math.round((0.2 * 384) / 2) * 2
    const cx = 384 - m - Math.round(w / 2)
    const cy = 216 - m - Math.round(w / 4)
    const fOn = frameRgb(on.mp4, 24)
    const fOff = frameRgb(off.mp4, 24)
    expect(isRed(pixel(fOn, cx, cy))).toBe(true)
    expect(isBlue(pixel(fOff, cx, cy))).toBe(true)
    // the opposite corner is untouched; the transparent border lets the picture through
    expect(isBlue(pixel(fOn, 20, 20))).toBe(true)
    expect(isBlue(pixel(fOn, 384 - m - 2, 216 - m - 2))).toBe(true)
  })

  it('keeps the logo inside the picture of a pillarboxed clip, at the configured opacity', async () => {
    const input = source('blue-4x3', 'color=c=0x2040c0:size=240x180:rate=24', null, 2)
    const half = await run(input, {
      loudness: null,
      dipSeconds: 0,
      logo: { file: logo, position: 'top-left', size: 0.25, margin: 0.05, opacity: 0.5 }
    })
    const pic = pictureRect(384, 216, 240, 180)
    expect(pic.x).toBeGreaterThan(40) // really pillarboxed
    const m = Math.round(0.05 * pic.h)
    const f = frameRgb(half.mp4, 12)
    const [r, g, b] = pixel(f, pic.x + m + Math.round(0.25 * pic.w * 0.5), pic.y + m + Math.round(0.25 * pic.w * 0.25))
    // half red over blue
    expect(r).toBeGreaterThan(100)
    expect(r).toBeLessThan(200)
    expect(b).toBeGreaterThan(60)
    expect(g).toBeLessThan(80)
    // the bar left of the picture stays black
    expect(pixel(f, Math.floor(pic.x / 2), pic.y + m + 5).every((c) => c < 30)).toBe(true)
  })

  it('draws the label in its corner (bright text on a dark box) only when asked', async () => {
    const input = source('blue-label', blue, null, 2)
    const labelled = await run(input, {
      loudness: null,
      dipSeconds: 0,
      label: { text: 'AI-generated', position: 'top-left' }
    })
    const plain = await run(input, { loudness: null, dipSeconds: 0 })
    const count = (file: string, x0: number, y0: number, x1: number, y1: number): { bright: number; dark: number } => {
      const f = frameRgb(file, 10)
      let bright = 0
      let dark = 0
      for (let y = y0; y < y1; y++)
        for (let x = x0; x < x1; x++) {
          const [r, g, b] = pixel(f, x, y)
          if (r > 200 && g > 200 && b > 200) bright++
          if (b < 120 && r < 60) dark++
        }
      return { bright, dark }
    }
    const on = count(labelled.mp4, 0, 0, 140, 30)
    const off = count(plain.mp4, 0, 0, 140, 30)
    expect(on.bright).toBeGreaterThan(30)
    expect(on.dark).toBeGreaterThan(200)
    expect(off.bright).toBe(0)
    expect(off.dark).toBe(0)
    // the other corners stay clean
    expect(count(labelled.mp4, 244, 186, 384, 216).bright).toBe(0)
  })

  it('shows the lower third only for its first seconds', async () => {
    const input = source('blue-l3', blue, null, 3)
    const out = await run(input, {
      loudness: null,
      dipSeconds: 0,
      lowerThird: { text: "Misty forest: dawn, 'fog' [50%]; \\ end", seconds: 1 }
    })
    const bright = (idx: number): number => {
      const f = frameRgb(out.mp4, idx)
      let n = 0
      for (let y = 150; y < 216; y++) for (let x = 0; x < 384; x++) if (pixel(f, x, y).every((c) => c > 200)) n++
      return n
    }
    expect(bright(6)).toBeGreaterThan(50)
    expect(bright(48)).toBe(0)
  })
})

describe('dips at head and tail', () => {
  it('fades from and to black, picture in between, audio faded too', async () => {
    const input = source('dip', 'color=c=0xc0c0c0:size=320x180:rate=24', 'sine=frequency=440:sample_rate=48000', 2)
    const { mp4 } = await run(input, { loudness: null, dipSeconds: 0.25 })
    const l = lumas(mp4)
    expect(l).toHaveLength(48)
    expect(l[0]).toBeLessThan(20)
    expect(l.at(-1)).toBeLessThan(20)
    expect(l[24]).toBeGreaterThan(150)
    expect(l[3]!).toBeGreaterThan(l[0]!)
    expect(l[3]!).toBeLessThan(l[24]!)
    // first and last 10 ms of audio near silent, the middle is the tone
    const pcm = ffmpeg(['-loglevel', 'error', '-i', mp4, '-map', '0:a', '-f', 's16le', '-ac', '1', '-ar', '48000', '-'])
    const rms = (from: number, n: number): number => {
      let s = 0
      for (let k = from; k < from + n; k++) s += pcm.readInt16LE(k * 2) ** 2
      return Math.sqrt(s / n)
    }
    const total = pcm.length / 2
    expect(rms(0, 480)).toBeLessThan(rms(24000, 480) / 10)
    expect(rms(total - 480, 480)).toBeLessThan(rms(24000, 480) / 10)
  })
})
