import { execFileSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { measureTake } from '../../../src/main/checks/measure'
import { CheckTap } from '../../../src/main/checks/tap'
import { conform } from '../../../src/main/media/conform'
import { toolPath } from '../../../src/main/media/ffmpeg-path'
import { AbortedError } from '../../../src/main/media/ffmpeg-runner'
import type { HouseFormat } from '../../../src/shared/house-format'
import { tempDir } from '../../helpers/tmp'

/**
 * The checks' pass made inside the conform's own ffmpeg (checks/tap.ts) measures what the
 * standalone pass measures over the conformed file, and leaves nothing behind.
 */
const FORMAT: HouseFormat = {
  width: 320,
  height: 180,
  fps: 10,
  videoKbps: 400,
  videoMaxKbps: 500,
  audioKbps: 64,
  audioRate: 48000,
  gopSeconds: 2
}
const tmp = tempDir()
afterAll(() => tmp.cleanup())

/** 1.5 s black, then 2.5 s of a still picture; a tone for 2 s, then silence. */
function source(): string {
  const src = join(tmp.dir, 'src.mp4')
  execFileSync(toolPath('ffmpeg'), [
    ...['-hide_banner', '-loglevel', 'error', '-y'],
    ...[
      '-f',
      'lavfi',
      '-i',
      'color=black:s=320x180:r=10:d=1.5,format=yuv420p[a];testsrc2=s=320x180:r=10:d=2.5,trim=end_frame=1,tpad=stop_mode=clone:stop_duration=2.4,format=yuv420p[b];[a][b]concat=n=2'
    ],
    ...['-f', 'lavfi', '-i', 'sine=f=440:sample_rate=48000:d=2,apad=whole_dur=4'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-t', '4', src]
  ])
  return src
}

const targets = (name: string) => ({
  mp4: join(tmp.dir, `${name}.mp4`),
  ts: join(tmp.dir, `${name}.ts`),
  poster: join(tmp.dir, `${name}.jpg`),
  strip: join(tmp.dir, `${name}.strip.jpg`)
})

describe('the checks measured inside the conform', () => {
  it('finds what the standalone pass finds over the conformed file', async () => {
    const src = source()
    const work = join(tmp.dir, 'work')
    const tap = new CheckTap({ width: 320, height: 180, fps: 10, masks: [] }, work, { ocr: true })
    const out = targets('tapped')
    const r = await conform(src, out, FORMAT, { tap })
    const inside = tap.result()!
    expect(inside).not.toBeNull()
    // A second result is nobody's: the folder belongs to the first caller.
    expect(tap.result()).toBeNull()
    const alone = await measureTake(
      { mp4: out.mp4, width: 320, height: 180, durationMs: r.durationMs, masks: [], fps: 10, hasAudio: true },
      work,
      { ocr: true }
    )
    expect(inside.black.length).toBe(1)
    expect(inside.black[0]!.end).toBeCloseTo(1.5, 1)
    expect(inside.frozen.length).toBeGreaterThan(0)
    expect(inside.silence[0]!.start).toBeCloseTo(2, 0)
    for (const key of ['black', 'frozen', 'silence'] as const)
      expect(inside[key].map((s) => [s.start, s.end].map((t) => Math.round(t * 4) / 4))).toEqual(
        alone[key].map((s) => [s.start, s.end].map((t) => Math.round(t * 4) / 4))
      )
    expect(Math.abs(inside.integratedLufs! - alone.integratedLufs!)).toBeLessThan(0.5)
    expect(inside.frames.map((f) => f.at)).toEqual(alone.frames.map((f) => f.at))
    expect(inside.frames.length).toBe(alone.frames.length)
    expect(inside.frames.length).toBeGreaterThan(0)
  }, 120_000)

  it('a conform cancelled midway leaves no folder once disposed; one that never ran the tap has no result', async () => {
    const long = join(tmp.dir, 'long.mp4')
    execFileSync(toolPath('ffmpeg'), [
      ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=640x360:r=25:d=60'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', long]
    ])
    const work = join(tmp.dir, 'work-cancelled')
    const tap = new CheckTap({ width: 320, height: 180, fps: 10, masks: [] }, work, { ocr: true })
    const stop = new AbortController()
    const conformed = conform(long, targets('cancelled'), FORMAT, {
      tap,
      signal: stop.signal,
      onProgress: (p) => {
        if (p.step === 'conform') stop.abort()
      }
    })
    await expect(conformed).rejects.toBeInstanceOf(AbortedError)
    // The pass had started (its folder exists) and is nobody's: dispose removes it.
    expect(readdirSync(work).length).toBe(1)
    tap.dispose()
    expect(readdirSync(work)).toEqual([])
    const never = new CheckTap({ width: 320, height: 180, fps: 10, masks: [] }, work, { ocr: true })
    expect(never.result()).toBeNull()
  }, 120_000)
})
