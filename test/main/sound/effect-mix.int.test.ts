/**
 * A narrated take with a sound effect, every layer in: espeak-ng speaks a two-sentence
 * line over the model's own tone, an offline-synth effect (rain) and a music bed; the
 * conform extends the picture, levels the whole to the channel's target and limits its
 * peaks. Measured with ffmpeg on segments of the conformed MP4: the effect is heard
 * where nobody speaks and sits well under the speech where they do.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bandLevel, meter } from '../../helpers/audio-meter'
import { ffmpeg } from '../../helpers/ffmpeg'
import { tempDir } from '../../helpers/tmp'
import { conform, type ConformResult } from '../../../src/main/media/conform'
import { DEFAULT_LOUDNESS } from '../../../src/main/media/loudness'
import { makeEffect } from '../../../src/main/sfx/make'
import { effectProvider } from '../../../src/main/sfx/registry'
import { DEFAULT_MIX_LEVELS, type ClipSound } from '../../../src/main/sound/mix'
import { narrate, shotSecondsFor, type Narration } from '../../../src/main/voice/narrate'
import { voiceProvider } from '../../../src/main/voice/registry'
import { DEFAULT_HOUSE_FORMAT, type HouseFormat } from '../../../src/shared/house-format'
import { meanVolume } from '../../fixtures/speech-onsets'

const FORMAT: HouseFormat = { ...DEFAULT_HOUSE_FORMAT, width: 384, height: 216 }
/** The channel's default target: a short loud take must land on it although the limiter shaves its peaks. */
const TARGET = DEFAULT_LOUDNESS.integratedLufs
/** The model's tone and the music bed: narrow tones far from the band the speech and the effect are compared in. */
const MODEL_HZ = 5000
const MUSIC_HZ = 15000
/** Where both the speech and the rain have energy, and neither tone has: the band they are compared in. */
const SHARED_HZ = 1000
/** Above espeak-ng's 11 kHz (it speaks at 22.05 kHz) and below the music: only the rain is there. */
const EFFECT_ONLY_HZ = 12000
const CLIP_SECONDS = 6

let tmp: ReturnType<typeof tempDir>
let clip: string
let music: string
let effect: string
let line: Narration
type Take = 'with' | 'without' | 'voiceAndEffect'
const takes: Record<Take, { file: string; result: ConformResult }> = {} as never

/** Bands of q 4: wide enough for the speech and the rain to have energy in them. */
const level = (file: string, hz: number, from: number, to: number): Promise<number> =>
  bandLevel(file, hz, from, to, { q: 4, dir: tmp.dir })

async function conformTake(name: Take, layers: { effect: boolean; bed: boolean }): Promise<void> {
  const base = join(tmp.dir, name)
  const targets = { mp4: `${base}.mp4`, ts: `${base}.ts`, poster: `${base}.jpg`, strip: `${base}.strip.jpg` }
  const sound: ClipSound = {
    speech: line.file,
    music: layers.bed ? { file: music, offsetSec: 1 } : undefined,
    effect: layers.effect ? effect : undefined,
    keepModelAudio: layers.bed,
    levels: DEFAULT_MIX_LEVELS,
    holdToSec: shotSecondsFor(0, line)
  }
  const result = await conform(clip, targets, FORMAT, {
    sound,
    look: { loudness: { integratedLufs: TARGET, truePeakDb: -1 }, dipSeconds: 0 }
  })
  takes[name] = { file: targets.mp4, result }
}

beforeAll(async () => {
  tmp = tempDir()
  clip = join(tmp.dir, 'take.mkv')
  ffmpeg([
    ...['-f', 'lavfi', '-i', `color=c=0x203040:s=384x216:r=24:d=${CLIP_SECONDS}`],
    ...['-f', 'lavfi', '-i', `sine=frequency=${MODEL_HZ}:sample_rate=48000:duration=${CLIP_SECONDS}`],
    ...['-map', '0:v', '-map', '1:a', '-af', 'volume=-12dB', '-c:a', 'pcm_s16le'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', clip]
  ])
  music = join(tmp.dir, 'music.wav')
  ffmpeg(['-f', 'lavfi', '-i', `sine=frequency=${MUSIC_HZ}:sample_rate=48000:duration=20`, '-af', 'volume=-6dB', music])
  line = await narrate(
    voiceProvider({ provider: 'os' }),
    { text: 'The rain came in from the sea. Nobody went out.', speaker: 'narrator', voice: 'en-us' },
    join(tmp.dir, 'voice')
  )
  const data = join(tmp.dir, 'data')
  mkdirSync(data)
  const made = await makeEffect(
    effectProvider({ provider: 'offline' }),
    { cue: 'rain on a tin roof', seconds: CLIP_SECONDS + 2 },
    data
  )
  effect = join(data, ...made.file.split('/'))
  await conformTake('with', { effect: true, bed: true })
  await conformTake('without', { effect: false, bed: true })
  await conformTake('voiceAndEffect', { effect: true, bed: false })
}, 180_000)
afterAll(() => tmp.cleanup())

describe('a narrated take with a sound effect', () => {
  it('mixes every layer: the model audio, the speech, the effect and the music', () => {
    expect(takes.with.result.mixed).toEqual(['model', 'speech', 'effect', 'music'])
    expect(takes.without.result.mixed).toEqual(['model', 'speech', 'music'])
    // The line (about 3 s) is shorter than the picture: the shot keeps the picture's length.
    expect(line.endSec).toBeLessThan(CLIP_SECONDS - 1.5)
    expect(takes.with.result.durationMs / 1000).toBeCloseTo(CLIP_SECONDS, 1)
  })

  it('the effect is heard where nobody speaks', async () => {
    const quiet: [number, number] = [line.endSec + 0.8, CLIP_SECONDS - 0.4]
    const withFx = await level(takes.with.file, SHARED_HZ, ...quiet)
    const withoutFx = await level(takes.without.file, SHARED_HZ, ...quiet)
    expect(withFx, `effect band after the line: ${withFx.toFixed(1)} dB`).toBeGreaterThan(-60)
    expect(withFx - withoutFx, `${withFx.toFixed(1)} vs ${withoutFx.toFixed(1)} dB without the effect`).toBeGreaterThan(
      15
    )
    // In the lead-in before the first word too.
    const lead = await level(takes.with.file, SHARED_HZ, 0.05, line.cues[0]!.start - 0.05)
    expect(lead).toBeGreaterThan(-60)
  })

  it('the speech stays on top: each sentence well over the effect heard between lines', async () => {
    // The line and the effect alone (no tones in the way): the whole band, as a listener hears it.
    const file = takes.voiceAndEffect.file
    expect(takes.voiceAndEffect.result.mixed).toEqual(['speech', 'effect'])
    const between = await meanVolume(file, line.endSec + 0.8, CLIP_SECONDS - 0.4)
    expect(between, `the effect alone: ${between.toFixed(1)} dB`).toBeGreaterThan(-50)
    for (const cue of line.cues) {
      const speaking = await meanVolume(file, cue.start + 0.1, cue.end - 0.1)
      expect(
        speaking - between,
        `"${cue.text}" ${speaking.toFixed(1)} dB vs effect ${between.toFixed(1)} dB`
      ).toBeGreaterThan(10)
    }
    // And the effect dips a little under each sentence: measured above espeak-ng's 11 kHz, where only the rain is.
    const fxBetween = await level(file, EFFECT_ONLY_HZ, line.endSec + 0.8, CLIP_SECONDS - 0.4)
    for (const cue of line.cues) {
      const fxUnder = await level(file, EFFECT_ONLY_HZ, cue.start + 0.2, cue.end - 0.1)
      const dip = fxBetween - fxUnder
      const what = `effect ${fxUnder.toFixed(1)} dB under "${cue.text}", ${fxBetween.toFixed(1)} dB between`
      expect(dip, what).toBeGreaterThan(3)
      // A gentle dip, not the music's: the effect is still heard under the line.
      expect(dip, what).toBeLessThan(15)
    }
  })

  it('meets the default −14 LUFS target within 0.5 LU and the true-peak ceiling', () => {
    for (const name of ['with', 'without', 'voiceAndEffect'] as const) {
      const m = meter(takes[name].file)
      console.log(`${name}: ${m.i} LUFS, ${m.tp} dBTP, gain ${takes[name].result.loudness?.gainDb} dB`)
      expect(Math.abs(m.i - TARGET), `${name}: ${m.i} LUFS`).toBeLessThanOrEqual(0.5)
      expect(m.tp, `${name}: ${m.tp} dBTP`).toBeLessThanOrEqual(-1)
    }
  })
})
