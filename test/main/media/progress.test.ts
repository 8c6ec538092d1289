import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseProgress, ProgressParser, progressPercent } from '../../../src/main/media/ffmpeg-progress'

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
