import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { FfmpegError, ffmpegPreamble, runFfmpeg } from '../../../src/main/media/ffmpeg-runner'

const dir = mkdtempSync(join(tmpdir(), 'webtv-stall-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const preamble = ffmpegPreamble({ batch: true, loglevel: 'error', progress: 'stdout' })

describe('runFfmpeg stall guard', () => {
  it('stops a run whose input never delivers, with a message that says so', async () => {
    // A FIFO nobody writes: ffmpeg blocks opening its input and never reports a position.
    const fifo = join(dir, 'never.ts')
    execFileSync('mkfifo', [fifo])
    const started = Date.now()
    const err = await runFfmpeg([...preamble, '-f', 'mpegts', '-i', fifo, '-f', 'null', '-'], {
      stallMs: 1500
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(FfmpegError)
    expect((err as Error).message).toMatch(/no progress for 1\.5 s \(before its first output\) and was stopped/)
    expect(Date.now() - started).toBeLessThan(30_000)
  })

  it('leaves a slow run alone while its position moves', async () => {
    // -re paces the read at 1x: 4 s of output arrives over ~4 s in half-second steps, each
    // step well inside the 2.5 s guard, the whole run longer than it.
    const args = [...preamble, '-re', '-f', 'lavfi', '-i', 'testsrc2=s=160x90:r=10:d=4', '-f', 'null', '-']
    const started = Date.now()
    await expect(runFfmpeg(args, { stallMs: 2500 })).resolves.toBeDefined()
    expect(Date.now() - started).toBeGreaterThan(2500)
  })

  it('does not watch a run that sends no progress (nothing to judge it by)', async () => {
    const args = [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'error',
      '-re',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=s=160x90:r=10:d=2',
      '-f',
      'null',
      '-'
    ]
    await expect(runFfmpeg(args, { stallMs: 500 })).resolves.toBeDefined()
  })
})
