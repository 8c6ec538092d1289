import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toolPath } from '../../../src/main/media/ffmpeg-path'
import { parseEbur128Summary } from '../../../src/main/media/loudness'
import { probe } from '../../../src/main/media/probe'
import { makeEffect } from '../../../src/main/sfx/make'
import { cueFamily } from '../../../src/main/sfx/offline-synth'
import { effectProvider } from '../../../src/main/sfx/registry'
import { EffectError, type EffectProvider } from '../../../src/main/sfx/types'
import { tempDir } from '../../helpers/tmp'

/**
 * The offline effects through the same path a produced show takes (makeEffect: synth,
 * length, level, data folder), measured with ffmpeg: length to the sample, audible,
 * under the true-peak ceiling, deterministic per cue, and each family its own sound.
 */
const SECONDS = 3.7
let tmp: ReturnType<typeof tempDir>
let data: string
const files = new Map<string, string>()
const offline = effectProvider({ provider: 'offline' })
const CUES = {
  rain: 'rain on a tin roof',
  heavyRain: 'heavy rain in the street',
  thunder: 'thunder in the distance',
  knock: 'three knocks on the door',
  bell: 'a church bell',
  unknown: 'a quiet afternoon'
} as const

function ffmpegStderr(args: string[]): string {
  return spawnSync(toolPath('ffmpeg'), ['-hide_banner', '-nostdin', '-nostats', ...args], { encoding: 'utf8' }).stderr
}

function loudness(file: string, filter = 'anull'): { i: number; tp: number } {
  const m = parseEbur128Summary(ffmpegStderr(['-i', file, '-af', `${filter},ebur128=peak=true`, '-f', 'null', '-']))
  if (!m) throw new Error(`no loudness for ${file}`)
  return { i: m.integratedLufs, tp: m.truePeakDb }
}

/** RMS and peak level (dB) of a band of the file (astats over the whole). */
function levels(file: string, filter = 'anull'): { rms: number; peak: number } {
  const err = ffmpegStderr([
    ...['-i', file, '-af', `${filter},astats=measure_perchannel=none:measure_overall=RMS_level+Peak_level`],
    ...['-f', 'null', '-']
  ])
  const rms = Number(/RMS level dB: (-?[\d.]+|-inf)/.exec(err)?.[1] ?? -Infinity)
  const peak = Number(/Peak level dB: (-?[\d.]+|-inf)/.exec(err)?.[1] ?? -Infinity)
  return { rms, peak }
}

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex')

beforeAll(async () => {
  tmp = tempDir('webtv-sfx-')
  data = join(tmp.dir, 'data')
  mkdirSync(data)
  for (const [name, cue] of Object.entries(CUES)) {
    const made = await makeEffect(offline, { cue, seconds: SECONDS }, data)
    files.set(name, join(data, ...made.file.split('/')))
  }
}, 120_000)
afterAll(() => tmp.cleanup())

describe('the offline effects', () => {
  it('chooses a family from the cue, and a soft room tone for a cue it does not know', () => {
    expect(cueFamily('Rain on a tin roof').name).toBe('rain')
    expect(cueFamily('a thunderstorm with rain').name).toBe('thunder')
    expect(cueFamily('waves on the shore').name).toBe('sea')
    expect(cueFamily('seagulls over the harbour').name).toBe('birds')
    expect(cueFamily('crowd chatter in a café').name).toBe('crowd')
    expect(cueFamily('footsteps on gravel').name).toBe('footsteps')
    expect(cueFamily('footsteps in the rain').name).toBe('footsteps')
    expect(cueFamily('a distant gong').name).toBe('bell')
    expect(cueFamily('a quiet afternoon')).toEqual({ name: 'room tone', lufs: -36 })
  })

  it('makes audible stereo audio of the requested length, under the true-peak ceiling', async () => {
    for (const [name, file] of files) {
      const info = await probe(file)
      expect(info.audio, name).not.toBeNull()
      expect(info.audio!.channels, name).toBe(2)
      expect(info.audio!.sampleRate, name).toBe(48000)
      expect(Math.abs((info.audio!.durationSec ?? 0) - SECONDS), name).toBeLessThan(0.001)
      const { i, tp } = loudness(file)
      expect(i, `${name}: ${i} LUFS`).toBeGreaterThan(-45)
      expect(tp, `${name}: ${tp} dBTP`).toBeLessThanOrEqual(-0.9)
    }
    // Each family at its own level: the room tone stays soft, rain and thunder well above it.
    const room = loudness(files.get('unknown')!).i
    expect(loudness(files.get('rain')!).i - room).toBeGreaterThan(8)
    expect(loudness(files.get('thunder')!).i - room).toBeGreaterThan(8)
  })

  it('different cues sound different: rain is bright, thunder low, knocks are sharp bursts', () => {
    const tilt = (f: string): number => levels(f, 'highpass=f=3000').rms - levels(f, 'lowpass=f=300').rms
    const rain = tilt(files.get('rain')!)
    const thunder = tilt(files.get('thunder')!)
    expect(rain - thunder, `rain tilt ${rain.toFixed(1)} dB, thunder ${thunder.toFixed(1)} dB`).toBeGreaterThan(15)
    const crest = (f: string): number => {
      const l = levels(f)
      return l.peak - l.rms
    }
    expect(crest(files.get('knock')!) - crest(files.get('rain')!)).toBeGreaterThan(6)
    // Two cues of one family still differ; no two files are the same.
    const hashes = [...files.values()].map(sha)
    expect(new Set(hashes).size).toBe(hashes.length)
  })

  it('is deterministic per cue, and a cue already made is reused, not made again', async () => {
    const other = join(tmp.dir, 'other-data')
    mkdirSync(other)
    let calls = 0
    const counting: EffectProvider = {
      ...offline,
      make: (...args) => {
        calls++
        return offline.make(...args)
      }
    }
    const first = await makeEffect(counting, { cue: CUES.rain, seconds: SECONDS }, other)
    const file = join(other, ...first.file.split('/'))
    expect(sha(file)).toBe(sha(files.get('rain')!))
    const mtime = statSync(file).mtimeMs
    const again = await makeEffect(counting, { cue: `  Rain on a tin  roof `, seconds: SECONDS }, other)
    expect(again).toEqual(first)
    expect(calls).toBe(1)
    expect(statSync(file).mtimeMs).toBe(mtime)
    // Nothing but the effects: no work folder left behind.
    expect(readdirSync(other)).toEqual(['sfx'])
  })

  it('refuses an empty or overlong cue with a clear error and leaves nothing behind', async () => {
    const dir = join(tmp.dir, 'bad')
    for (const cue of ['   ', 'x'.repeat(121)]) {
      const err = await makeEffect(offline, { cue, seconds: 3 }, dir).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(EffectError)
      expect((err as Error).message).toMatch(/empty|at most 120/)
    }
    expect(readdirSync(tmp.dir)).not.toContain('bad')
  })
})
