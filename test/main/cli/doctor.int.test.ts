import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runWebtv } from '../../helpers/cli'
import { tempDir } from '../../helpers/tmp'

const cleanups: Array<() => void> = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

function fresh(): string {
  const t = tempDir()
  cleanups.push(t.cleanup)
  return t.dir
}

describe('webtv doctor', () => {
  it('passes on this machine and reports the ffmpeg it found', async () => {
    const dir = fresh()
    const r = await runWebtv(['doctor', '--data-dir', dir, '--json'])
    const report = JSON.parse(r.stdout) as { ok: boolean; checks: Array<{ name: string; ok: boolean; detail: string }> }
    const ffmpeg = report.checks.find((c) => c.name === 'ffmpeg')
    expect(ffmpeg?.ok).toBe(true)
    expect(ffmpeg?.detail).toMatch(/ffmpeg.*\d+\.\d+/)
    expect(report.checks.find((c) => c.name === 'encoder libx264')?.ok).toBe(true)
    expect(report.checks.find((c) => c.name === 'data folder')?.ok).toBe(true)
  })

  it('fails with an actionable message when ffmpeg is missing', async () => {
    const dir = fresh()
    // No ffmpeg on PATH (only node's folder) and a wrong override.
    const r = await runWebtv(['doctor', '--data-dir', dir], {
      env: { WEBTV_FFMPEG: join(dir, 'no-such-ffmpeg'), PATH: '/nonexistent' }
    })
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/FAIL\s+ffmpeg: ffmpeg was not found \(WEBTV_FFMPEG points at .*no-such-ffmpeg/)
    expect(r.stdout).toMatch(/apt-get install ffmpeg/)
  })

  it('flags an ffmpeg without libx264', async () => {
    const dir = fresh()
    const fake = join(dir, 'ffmpeg')
    writeFileSync(
      fake,
      '#!/bin/sh\ncase "$*" in *-encoders*) echo " A..... aac AAC";; *) echo "ffmpeg version 9.9-fake";; esac\n'
    )
    chmodSync(fake, 0o755)
    const r = await runWebtv(['doctor', '--data-dir', join(dir, 'data')], { env: { WEBTV_FFMPEG: fake } })
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/ok\s+ffmpeg: .*9\.9-fake/)
    expect(r.stdout).toMatch(/FAIL\s+encoder libx264: missing/)
    expect(r.stdout).toMatch(/ok\s+encoder aac/)
  })

  it('fails when the data folder cannot be written', async () => {
    const dir = fresh()
    const file = join(dir, 'a-file')
    writeFileSync(file, 'x')
    const r = await runWebtv(['doctor', '--data-dir', join(file, 'sub')])
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/FAIL\s+data folder: .*not writable.*--data-dir/)
  })
})
