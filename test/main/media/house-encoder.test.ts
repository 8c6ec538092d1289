import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { conformArgs } from '../../../src/main/media/conform-args'
import { houseEncoderArgs } from '../../../src/main/media/house-encoder'
import { parseProbeJson } from '../../../src/main/media/probe'
import { synthClipArgs } from '../../../src/main/onair/ffmpeg-args'
import { DEFAULT_HOUSE_FORMAT } from '../../../src/shared/house-format'

const info = parseProbeJson(
  'rot.mp4',
  1000,
  readFileSync(join(__dirname, '../../fixtures/ffmpeg/probe-rotated.json'), 'utf8')
)

/** Where `needle` occurs as a contiguous run inside `hay`, or -1. */
function indexOfRun(hay: string[], needle: string[]): number {
  for (let i = 0; i + needle.length <= hay.length; i++) if (needle.every((v, j) => hay[i + j] === v)) return i
  return -1
}

describe('house encoder flags', () => {
  // Clips are copied into one stream on air: conformed clips and the slate must be encoded alike.
  it('are the same run of flags in conform and in the clips the on-air engine makes', () => {
    for (const format of [DEFAULT_HOUSE_FORMAT, { ...DEFAULT_HOUSE_FORMAT, width: 1920, height: 1080, fps: 30 }]) {
      const flags = houseEncoderArgs(format)
      expect(
        indexOfRun(conformArgs('in.mp4', { mp4: 'o.mp4', poster: 'p.jpg', strip: 's.jpg' }, format, info), flags)
      ).toBeGreaterThan(0)
      expect(
        indexOfRun(synthClipArgs({ format, frames: 10, video: 'smptehdbars', toneHz: 0, output: 'o.ts' }), flags)
      ).toBeGreaterThan(0)
    }
  })
  it('change with the format: a different rate is a different GOP and level', () => {
    const a = houseEncoderArgs(DEFAULT_HOUSE_FORMAT).join(' ')
    const b = houseEncoderArgs({ ...DEFAULT_HOUSE_FORMAT, width: 3840, height: 2160, fps: 60 }).join(' ')
    expect(a).toContain('-g 48 -keyint_min 48')
    expect(b).toContain('-g 120 -keyint_min 120')
    expect(b).toContain('-level:v 5.2')
  })
})
