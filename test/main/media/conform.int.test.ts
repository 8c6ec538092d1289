import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from '../../helpers/tmp'
import { makeClip, makeVfrClip } from '../../fixtures/media'
import { conform } from '../../../src/main/media/conform'
import { AbortedError } from '../../../src/main/media/ffmpeg-runner'
import { toolsMentioning } from '../../helpers/procs'
import { toolPath } from '../../../src/main/media/ffmpeg-path'
import { DEFAULT_HOUSE_FORMAT, type HouseFormat } from '../../../src/shared/house-format'

interface Stream {
  codec_type: string
  codec_name: string
  profile?: string
  width?: number
  height?: number
  pix_fmt?: string
  r_frame_rate?: string
  avg_frame_rate?: string
  sample_rate?: string
  channels?: number
  duration?: string
  nb_frames?: string
}

function ffprobe(file: string, args: string[]): string {
  return execFileSync(toolPath('ffprobe'), ['-v', 'error', ...args, file], { encoding: 'utf8' })
}

function streams(file: string): { v: Stream; a: Stream } {
  const s = (JSON.parse(ffprobe(file, ['-print_format', 'json', '-show_streams'])) as { streams: Stream[] }).streams
  return { v: s.find((x) => x.codec_type === 'video')!, a: s.find((x) => x.codec_type === 'audio')! }
}

/** Frame indexes of the keyframes (from packet flags, in decode order = display order: no B-frames cross a closed GOP). */
function keyframeIndexes(file: string): number[] {
  const lines = ffprobe(file, ['-select_streams', 'v:0', '-show_entries', 'packet=pts_time,flags', '-of', 'csv=p=0'])
    .trim()
    .split('\n')
  const packets = lines.map((l) => {
    const [pts, flags] = l.split(',')
    return { pts: Number(pts), key: (flags ?? '').includes('K') }
  })
  packets.sort((a, b) => a.pts - b.pts)
  return packets.flatMap((p, i) => (p.key ? [i] : []))
}

let tmp: ReturnType<typeof tempDir>
beforeAll(() => {
  tmp = tempDir()
})
afterAll(() => tmp.cleanup())

async function conformAndCheck(
  input: string,
  format: HouseFormat = DEFAULT_HOUSE_FORMAT
): Promise<{ v: Stream; a: Stream; keys: number[]; durationMs: number }> {
  const out = join(tmp.dir, `out-${Math.random().toString(36).slice(2)}`)
  const targets = { mp4: `${out}.mp4`, ts: `${out}.ts`, poster: `${out}.jpg`, strip: `${out}.strip.jpg` }
  const percents: number[] = []
  const r = await conform(input, targets, format, { onProgress: (p) => percents.push(p.percent) })
  expect(percents.at(-1)).toBe(100)
  for (const p of Object.values(targets)) expect(existsSync(p)).toBe(true)
  const { v, a } = streams(targets.mp4)
  // the house format
  expect([v.width, v.height]).toEqual([format.width, format.height])
  expect(v.codec_name).toBe('h264')
  expect(v.profile).toBe('High')
  expect(v.pix_fmt).toBe('yuv420p')
  // rotation was applied to the pixels; none may be left in the metadata to apply twice
  expect(JSON.stringify(v)).not.toMatch(/rotat/)
  expect(v.r_frame_rate).toBe(`${format.fps}/1`)
  expect(v.avg_frame_rate).toBe(`${format.fps}/1`)
  expect(a.codec_name).toBe('aac')
  expect(a.profile).toBe('LC')
  expect(a.sample_rate).toBe('48000')
  expect(a.channels).toBe(2)
  // exact frame count and A/V within one frame
  const frameSec = 1 / format.fps
  expect(Number(v.nb_frames)).toBe(Math.round((r.durationMs / 1000) * format.fps))
  expect(Math.abs(Number(v.duration) - r.durationMs / 1000)).toBeLessThan(frameSec / 2)
  expect(Math.abs(Number(a.duration) - Number(v.duration))).toBeLessThanOrEqual(frameSec)
  const keys = keyframeIndexes(targets.mp4)
  expect(keys[0]).toBe(0)
  const gop = format.fps * format.gopSeconds
  expect(keys).toEqual(Array.from({ length: Math.ceil(Number(v.nb_frames) / gop) }, (_, i) => i * gop))
  // the air copy is MPEG-TS with the same streams
  const ts = streams(targets.ts)
  expect([ts.v.codec_name, ts.a.codec_name, ts.v.width]).toEqual(['h264', 'aac', format.width])
  expect(ffprobe(targets.ts, ['-show_entries', 'format=format_name', '-of', 'csv=p=0']).trim()).toBe('mpegts')
  // thumbnails
  expect(streams(targets.poster).v.width).toBe(480)
  expect(streams(targets.strip).v.width).toBe(160 * 8)
  return { v, a, keys, durationMs: r.durationMs }
}

describe('conform to the house format (checked with ffprobe)', () => {
  it('a vertical clip is pillarboxed to 1024x576', async () => {
    const r = await conformAndCheck(makeClip(tmp.dir, { width: 180, height: 320, seconds: 1, audio: { rate: 48000 } }))
    expect(r.durationMs).toBe(1000)
  })

  it('a clip without audio gets silent stereo of the same length', async () => {
    await conformAndCheck(makeClip(tmp.dir, { width: 320, height: 180, seconds: 1 }))
  })

  it('a variable-frame-rate clip comes out at a constant 24 fps with a keyframe every 48 frames', async () => {
    const r = await conformAndCheck(makeVfrClip(tmp.dir, 2.5))
    expect(r.keys).toEqual([0, 48])
  })

  it("Zeroscope's raw 576x320 at 8 fps", async () => {
    const r = await conformAndCheck(
      makeClip(tmp.dir, { width: 576, height: 320, fps: 8, seconds: 1.5, audio: { rate: 48000 } })
    )
    expect(r.durationMs).toBe(1500)
  })

  it('mono 22.05 kHz audio becomes 48 kHz stereo', async () => {
    await conformAndCheck(makeClip(tmp.dir, { seconds: 1, audio: { rate: 22050, channels: 1 } }))
  })

  it('audio longer than the video is cut to the video', async () => {
    const r = await conformAndCheck(makeClip(tmp.dir, { seconds: 1, audio: { rate: 48000, seconds: 3 } }))
    expect(r.durationMs).toBe(1000)
  })

  it('rotation metadata is honoured and a smaller channel format is respected', async () => {
    const raw = makeClip(tmp.dir, { width: 320, height: 180, seconds: 1, name: 'landscape.mp4' })
    const rotated = join(tmp.dir, 'rotated.mp4')
    execFileSync(toolPath('ffmpeg'), [
      '-loglevel',
      'error',
      '-y',
      '-i',
      raw,
      '-c',
      'copy',
      '-metadata:s:v:0',
      'rotate=90',
      rotated
    ])
    const format = { ...DEFAULT_HOUSE_FORMAT, width: 320, height: 180, fps: 12 }
    const out = join(tmp.dir, 'rot-out')
    await conformAndCheck(rotated, format)
    // The rotated picture is 180 wide on a 320 canvas: the left and right edges are black bars.
    const targets = { mp4: `${out}.mp4`, ts: `${out}.ts`, poster: `${out}.jpg`, strip: `${out}.strip.jpg` }
    await conform(rotated, targets, format)
    const gray = execFileSync(toolPath('ffmpeg'), [
      '-loglevel',
      'error',
      '-i',
      targets.mp4,
      '-frames:v',
      '1',
      '-vf',
      'format=gray',
      '-f',
      'rawvideo',
      '-'
    ])
    const row = gray.subarray(90 * 320, 91 * 320)
    expect(Math.max(...row.subarray(0, 60))).toBeLessThan(30)
    expect(Math.max(...row.subarray(100, 220))).toBeGreaterThan(60)
  })

  // The same error whether the cancel lands while probing or while encoding, and no
  // wall-clock bound (it failed on a busy machine): what matters is that the result is
  // AbortedError and that no ffmpeg/ffprobe for this output is left running.
  it.each(['probe', 'conform'] as const)(
    'is cancelled by an AbortSignal during the %s step, with the same error, leaving no tool running',
    async (step) => {
      const clip = makeClip(tmp.dir, { width: 320, height: 180, seconds: 4 })
      const ac = new AbortController()
      const out = join(tmp.dir, `cancel-${step}`)
      const p = conform(
        clip,
        { mp4: `${out}.mp4`, ts: `${out}.ts`, poster: `${out}.jpg`, strip: `${out}.strip.jpg` },
        DEFAULT_HOUSE_FORMAT,
        {
          signal: ac.signal,
          onProgress: (pr) => {
            // 'probe' is reported just before ffprobe starts: abort once it runs.
            if (pr.step === step) setImmediate(() => ac.abort())
          }
        }
      )
      const err = await p.then(
        () => null,
        (e: unknown) => e
      )
      expect(err).toBeInstanceOf(AbortedError)
      expect((err as Error).message).toBe('cancelled')
      expect(existsSync(`${out}.ts`)).toBe(false)
      if (process.platform === 'linux') expect([...toolsMentioning(out), ...toolsMentioning(clip)]).toEqual([])
    }
  )
})
