import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { checkClip, explainProbeFailure, parseProbeJson, type ProbeInfo } from '../../../src/main/media/probe'
import { conformArgs, planConform } from '../../../src/main/media/conform-args'
import { h264Level } from '../../../src/main/media/house-encoder'
import { DEFAULT_HOUSE_FORMAT } from '../../../src/shared/house-format'

const fixture = (name: string): string => readFileSync(join(__dirname, '../../fixtures/ffmpeg', name), 'utf8')
const limits = { minSeconds: 0.5, maxSeconds: 60 }

describe('probe parsing (captured ffprobe output)', () => {
  it('applies rotation metadata to the display size', () => {
    const info = parseProbeJson('rot.mp4', 1000, fixture('probe-rotated.json'))
    expect(info.video).toMatchObject({ width: 320, height: 180, displayWidth: 180, displayHeight: 320, fps: 24 })
    expect([90, 270]).toContain(info.video!.rotation)
    expect(info.audio).toBeNull()
    expect(checkClip(info, limits)).toBe(1)
  })

  it('treats cover art as no video and a PNG as a still image', () => {
    const cover = parseProbeJson('song.m4a', 1000, fixture('probe-audio-cover.json'))
    expect(cover.video).toBeNull()
    expect(() => checkClip(cover, limits)).toThrow(/no video stream \(it is audio only\)/)
    const png = parseProbeJson('pic.png', 1000, fixture('probe-png.json'))
    expect(() => checkClip(png, limits)).toThrow(/still image/)
  })

  it('rejects too short and too long with the numbers and what to do', () => {
    const info = parseProbeJson('rot.mp4', 1000, fixture('probe-rotated.json'))
    const at = (d: number): ProbeInfo => ({ ...info, video: { ...info.video!, durationSec: d } })
    expect(() => checkClip(at(0.3), limits)).toThrow(/0\.30 s long; clips must be at least 0\.5 s/)
    expect(() => checkClip(at(90), limits)).toThrow(/90\.0 s long; this channel takes clips up to 60 s/)
    try {
      checkClip(at(0.3), limits)
    } catch (e) {
      expect((e as { kind: string }).kind).toBe('too_short')
    }
  })

  it('tells a cut-off MP4 from a text file, although ffprobe says the same of both', () => {
    const stderr =
      '[mov,mp4,m4a,3gp,3g2,mj2 @ 0x1] moov atom not found\nx.mp4: Invalid data found when processing input'
    const mp4Head = Buffer.from('\0\0\0\x20ftypisom\0\0\0\0', 'latin1')
    expect(explainProbeFailure('x.mp4', stderr, mp4Head).kind).toBe('corrupt')
    expect(explainProbeFailure('x.mp4', stderr, Buffer.from('These are my notes')).kind).toBe('not_media')
  })
})

describe('conform arguments', () => {
  const info = parseProbeJson('rot.mp4', 1000, fixture('probe-rotated.json'))
  it('encodes the house format: closed 2 s GOP, capped rate, letterbox, silence for a silent source', () => {
    const args = conformArgs('in.mp4', { mp4: 'o.mp4', poster: 'p.jpg', strip: 's.jpg' }, DEFAULT_HOUSE_FORMAT, info)
    const opt = (k: string): string | undefined => args[args.indexOf(k) + 1]
    expect(opt('-g')).toBe('48')
    expect(opt('-keyint_min')).toBe('48')
    expect(opt('-sc_threshold')).toBe('0')
    expect(opt('-maxrate')).toBe('2500k')
    expect(opt('-profile:v')).toBe('high')
    expect(args.join(' ')).toMatch(/force_original_aspect_ratio=decrease.*pad=1024:576/)
    expect(args.join(' ')).toMatch(/anullsrc=channel_layout=stereo:sample_rate=48000/)
    expect(args.join(' ')).toMatch(/trim=end_frame=24[,]/)
  })
  it('rounds the length to whole frames of the channel rate', () => {
    const odd = { ...info, video: { ...info.video!, durationSec: 2.99 } }
    expect(planConform({ ...DEFAULT_HOUSE_FORMAT, fps: 8 }, odd)).toMatchObject({
      frames: 24,
      durationSec: 3,
      audioSamples: 144000
    })
  })
  it('picks an H.264 level that fits the picture rate', () => {
    expect(h264Level(DEFAULT_HOUSE_FORMAT)).toBe('4.0')
    expect(h264Level({ ...DEFAULT_HOUSE_FORMAT, width: 3840, height: 2160, fps: 60 })).toBe('5.2')
  })
})
