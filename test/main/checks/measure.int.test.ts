import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { toolPath } from '../../../src/main/media/ffmpeg-path'
import { closeOcr } from '../../../src/main/checks/ocr'
import { runChecks } from '../../../src/main/checks/run'
import { DEFAULT_HOUSE_FORMAT } from '../../../src/shared/house-format'
import { tempDir } from '../../helpers/tmp'

/**
 * The measuring pass at the default house format, which is wider than the OCR frames
 * (OCR_MAX_WIDTH): its frames are scaled down inside the same filter graph. The corpus
 * runs at 640×360, where nothing is scaled, so it could not see a graph that ffmpeg
 * refuses only when the scale is there (the colour planes' format, session 8).
 */
const tmp = tempDir()
afterAll(async () => {
  await closeOcr()
  tmp.cleanup()
})

describe('the measuring pass at the default house format', () => {
  it('runs, and the text check reads a corner watermark', async () => {
    const { width, height, fps } = DEFAULT_HOUSE_FORMAT
    const mp4 = join(tmp.dir, 'wide.mp4')
    execFileSync(toolPath('ffmpeg'), [
      ...['-hide_banner', '-loglevel', 'error', '-y'],
      ...['-f', 'lavfi', '-i', `life=s=${width}x${height}:r=${fps}:mold=10:ratio=0.3:seed=3,gblur=sigma=2`],
      ...['-f', 'lavfi', '-i', 'sine=frequency=330:sample_rate=48000', '-t', '3'],
      '-vf',
      "drawtext=fontfile=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf:text='Shot on iPhone':fontsize=40:fontcolor=white:shadowcolor=black:shadowx=2:shadowy=2:x=w-tw-36:y=h-th-30,format=yuv420p",
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-threads', '1', '-c:a', 'aac', mp4]
    ])
    const results = await runChecks(
      {
        mp4,
        width,
        height,
        durationMs: 3000,
        fps,
        hasAudio: true,
        loudnessTargetLufs: -14,
        masks: [],
        allowedWords: []
      },
      { tmpRoot: join(tmp.dir, 'work'), only: ['text', 'frozen', 'black'] }
    )
    const text = results.find((r) => r.check === 'text')!
    expect(text.verdict).toBe('fail')
    expect(text.reason).toMatch(/Shot|iPhone/i)
    expect(results.find((r) => r.check === 'frozen')!.verdict).toBe('pass')
  }, 120_000)
})
