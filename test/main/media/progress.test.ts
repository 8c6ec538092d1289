import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  encoderProgress,
  parseProgress,
  ProgressParser,
  progressPercent
} from '../../../src/main/media/ffmpeg-progress'

const captured = readFileSync(join(__dirname, '../../fixtures/ffmpeg/progress-2s.txt'), 'utf8')

describe('ffmpeg -progress parser', () => {
  it('parses captured output into blocks ending with progress=end', () => {
    const blocks = parseProgress(captured)
    expect(blocks.length).toBe(captured.split('progress=').length - 1)
    expect(blocks.at(-1)!.done).toBe(true)
    expect(blocks.slice(0, -1).every((b) => !b.done)).toBe(true)
    // out_time_us grows monotonically to about 2 s
    const times = blocks.map((b) => b.outTimeUs ?? 0)
    expect([...times].sort((a, b) => a - b)).toEqual(times)
    expect(times.at(-1)!).toBeGreaterThan(1_800_000)
    expect(blocks.at(-1)!.frame).toBe(48)
    expect(progressPercent(blocks[1]!, 2_000_000)).toBeGreaterThan(0)
    expect(progressPercent(blocks.at(-1)!, 2_000_000)).toBe(100)
  })

  it('gives the same blocks whatever the chunking of the pipe', () => {
    const whole = parseProgress(captured).map((b) => b.outTimeUs)
    const p = new ProgressParser()
    const pieces: Array<number | null> = []
    for (let i = 0; i < captured.length; i += 7)
      pieces.push(...p.push(captured.slice(i, i + 7)).map((b) => b.outTimeUs))
    expect(pieces).toEqual(whole)
  })

  it('reads N/A, negative times and the hh:mm:ss fallback without crashing', () => {
    const [a, b] = parseProgress(
      'out_time_us=N/A\nout_time=-00:00:00.500000\nspeed=N/A\nprogress=continue\nout_time=00:01:02.500000\nprogress=continue\n'
    )
    expect(a!.outTimeUs).toBe(0)
    expect(a!.speed).toBeNull()
    expect(b!.outTimeUs).toBe(62_500_000)
    expect(progressPercent(b!, 125_000_000)).toBeCloseTo(50)
  })
})

describe('the on-air counters in the same decoder', () => {
  it('reads dup/drop frames, bitrate and speed; zeros and NaN where ffmpeg has none yet', () => {
    const [first, second] = parseProgress(
      'frame=0\nfps=0.00\nbitrate=N/A\ntotal_size=0\nout_time_us=N/A\ndup_frames=0\ndrop_frames=0\nspeed=N/A\nprogress=continue\n' +
        'frame=50\nfps=25.0\nbitrate=2540.3kbits/s\ntotal_size=635000\nout_time_us=2000000\ndup_frames=3\ndrop_frames=1\nspeed=1.01x\nprogress=end\n'
    )
    expect(encoderProgress(first!)).toMatchObject({ frame: 0, outTimeUs: 0, dupFrames: 0, dropFrames: 0, end: false })
    expect(encoderProgress(first!).speed).toBeNaN()
    expect(encoderProgress(first!).bitrateKbps).toBeNaN()
    expect(encoderProgress(second!)).toEqual({
      frame: 50,
      fps: 25,
      totalSize: 635000,
      outTimeUs: 2_000_000,
      dupFrames: 3,
      dropFrames: 1,
      speed: 1.01,
      bitrateKbps: 2540.3,
      end: true
    })
  })
})
