/**
 * The sound chain on a real take: espeak-ng speaks the line, the mix puts it over the
 * model's own tone and a ducked music bed, the conform extends the picture so the line
 * is never cut, burns the captions and levels the whole to the channel's target.
 * Measured with ffmpeg: band-passed levels for ducking and the model's tone, the
 * EBU R128 meter for loudness, decoded frames for the captions.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bandLevel, meter } from '../../helpers/audio-meter'
import { ffmpeg } from '../../helpers/ffmpeg'
import { tempDir } from '../../helpers/tmp'
import { conform } from '../../../src/main/media/conform'
import { DEFAULT_LOUDNESS } from '../../../src/main/media/loudness'
import { DEFAULT_MIX_LEVELS, renderMix, type ClipSound } from '../../../src/main/sound/mix'
import { narrate, shotSecondsFor, type Narration } from '../../../src/main/voice/narrate'
import { voiceProvider } from '../../../src/main/voice/registry'
import { DEFAULT_HOUSE_FORMAT, type HouseFormat } from '../../../src/shared/house-format'

const FORMAT: HouseFormat = { ...DEFAULT_HOUSE_FORMAT, width: 384, height: 216 }
/** The model's own sound: a 5 kHz tone. The music bed: a 15 kHz tone (espeak-ng's 22 kHz output has nothing above 11 kHz). */
const MODEL_HZ = 5000
const MUSIC_HZ = 15000

let tmp: ReturnType<typeof tempDir>
let clip: string
let music: string
let line: Narration

beforeAll(async () => {
  tmp = tempDir()
  // A dark 2-second picture (shorter than the line) with the model's tone.
  clip = join(tmp.dir, 'take.mkv')
  ffmpeg([
    '-f',
    'lavfi',
    '-i',
    'color=c=0x203040:s=384x216:r=24:d=2',
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=${MODEL_HZ}:sample_rate=48000:duration=2`,
    '-map',
    '0:v',
    '-map',
    '1:a',
    '-c:a',
    'pcm_s16le',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    clip
  ])
  music = join(tmp.dir, 'music.wav')
  ffmpeg(['-f', 'lavfi', '-i', `sine=frequency=${MUSIC_HZ}:sample_rate=48000:duration=20`, '-af', 'volume=-6dB', music])
  line = await narrate(
    voiceProvider({ provider: 'os' }),
    { text: 'The boats come home at dusk, one by one.', speaker: 'narrator', voice: 'en-us' },
    join(tmp.dir, 'voice')
  )
}, 120_000)
afterAll(() => tmp.cleanup())

/** Narrow bands (q 8): the music's and the model's tones alone. */
const level = (file: string, hz: number, from: number, to: number): Promise<number> =>
  bandLevel(file, hz, from, to, { q: 8, dir: tmp.dir })

/** How many bright (caption-white) pixels the caption band of the frame at `t` holds. */
function brightInBand(file: string, t: number): number {
  const y0 = Math.round(FORMAT.height * 0.6)
  const raw = ffmpeg([
    '-ss',
    t.toFixed(3),
    '-i',
    file,
    '-frames:v',
    '1',
    '-vf',
    `crop=${FORMAT.width}:${FORMAT.height - y0}:0:${y0},format=gray`,
    '-f',
    'rawvideo',
    '-'
  ])
  return raw.filter((v) => v > 200).length
}

describe('a narrated take', () => {
  const sound = (): ClipSound => ({
    speech: line.file,
    music: { file: music, offsetSec: 3 },
    keepModelAudio: true,
    levels: DEFAULT_MIX_LEVELS,
    holdToSec: shotSecondsFor(2, line) + 1.5
  })

  it('ducks the music at least 8 dB under the speech, and lets it back up after the line', async () => {
    const s = sound()
    const out = join(tmp.dir, 'mix.wav')
    const { layers, measurement } = await renderMix(clip, true, s, s.holdToSec, out)
    expect(layers).toEqual(['model', 'speech', 'music'])
    expect(measurement?.integratedLufs).toBeGreaterThan(-40)
    const cue = line.cues[0]!
    const under = await level(out, MUSIC_HZ, cue.start + 0.2, cue.end - 0.1)
    const between = await level(out, MUSIC_HZ, cue.end + 0.8, s.holdToSec - 0.1)
    expect(
      between - under,
      `music ${under.toFixed(1)} dB under speech vs ${between.toFixed(1)} dB after`
    ).toBeGreaterThanOrEqual(8)
  })

  it('mixes a line with no music or effect under it, and ends (a key that fed nothing kept ffmpeg running)', async () => {
    const s: ClipSound = { ...sound(), music: undefined, keepModelAudio: false }
    const out = join(tmp.dir, 'speech-only.wav')
    const { layers, measurement } = await renderMix(clip, true, s, s.holdToSec, out)
    expect(layers).toEqual(['speech'])
    expect(measurement?.integratedLufs).toBeGreaterThan(-40)
  }, 30_000)

  it('lands on the default −14 LUFS target within 0.5 LU under the −1 dBTP ceiling, though the limiter shaves the line’s peaks', async () => {
    const base = join(tmp.dir, 'default-target')
    const targets = { mp4: `${base}.mp4`, ts: `${base}.ts`, poster: `${base}.jpg`, strip: `${base}.strip.jpg` }
    const result = await conform(clip, targets, FORMAT, {
      sound: { ...sound(), holdToSec: shotSecondsFor(2, line) },
      look: { loudness: DEFAULT_LOUDNESS, dipSeconds: 0 }
    })
    // The static gain alone would push the peaks over the ceiling: the limiter acts, and the gain was raised to make up for it.
    expect(result.loudness?.limited).toBe(true)
    const m = meter(targets.mp4)
    console.log(`default target: ${m.i} LUFS, ${m.tp} dBTP, gain ${result.loudness?.gainDb} dB`)
    expect(Math.abs(m.i - DEFAULT_LOUDNESS.integratedLufs), `${m.i} LUFS`).toBeLessThanOrEqual(0.5)
    expect(m.tp).toBeLessThanOrEqual(DEFAULT_LOUDNESS.truePeakDb)
    for (const f of [targets.mp4, targets.ts]) expect(meter(f).i).toBeCloseTo(m.i, 0)
  })

  it('is never cut, carries the model tone, the captions at the cue times, and meets the loudness target', async () => {
    const base = join(tmp.dir, 'narrated')
    const targets = { mp4: `${base}.mp4`, ts: `${base}.ts`, poster: `${base}.jpg`, strip: `${base}.strip.jpg` }
    const s = { ...sound(), holdToSec: shotSecondsFor(2, line) }
    const result = await conform(clip, targets, FORMAT, {
      sound: s,
      look: { loudness: { integratedLufs: -16, truePeakDb: -1 }, dipSeconds: 0, captions: line.cues }
    })
    // The line ends past the 2-second picture: the shot grew to hold it, with 0.3 s to spare.
    expect(line.endSec).toBeGreaterThan(2)
    expect(result.durationMs / 1000).toBeGreaterThanOrEqual(line.endSec + 0.3 - 1 / FORMAT.fps)
    expect(result.mixed).toEqual(['model', 'speech', 'music'])
    const m = meter(targets.mp4)
    expect(Math.abs(m.i - -16)).toBeLessThanOrEqual(1)
    expect(m.tp).toBeLessThanOrEqual(-1)
    // The model's own tone is still there (the first 2 s, where the source had it).
    expect(await level(targets.mp4, MODEL_HZ, 0.1, 1.9)).toBeGreaterThan(-45)
    // Captions: white text in the bottom band while the cue runs, none after it.
    const cue = line.cues[0]!
    expect(brightInBand(targets.mp4, (cue.start + cue.end) / 2)).toBeGreaterThan(50)
    expect(brightInBand(targets.mp4, Math.min(cue.end + 0.2, result.durationMs / 1000 - 0.05))).toBe(0)
    expect(brightInBand(targets.mp4, 0.1)).toBe(0)
  })
})
