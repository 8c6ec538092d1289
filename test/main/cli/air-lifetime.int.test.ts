/**
 * Issue 12 items 5 and 6: `webtv air --duration` longer than setTimeout's 24.8 days
 * keeps airing (it used to stop after a moment); a duration that cannot be honoured
 * is refused; and a channel in a permanent error ends the process with status 1 and
 * a clear last line, so systemd/Docker/pm2 restart it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, symlinkSync, unlinkSync } from 'node:fs'
import { join } from 'node:path'
import { runWebtv, spawnWebtv } from '../../helpers/cli'
import { tempDir } from '../../helpers/tmp'
import { toolsUnder } from '../../helpers/procs'
import { freePort } from '../../fixtures/rtmp'
import { findOnPath } from '../../../src/main/media/ffmpeg-path'

let tmp: ReturnType<typeof tempDir>
let dataDir: string

beforeAll(async () => {
  tmp = tempDir()
  dataDir = join(tmp.dir, 'data')
  const r = await runWebtv(['channel', 'create', 'Long', '--size', '320x180', '--fps', '12', '--data-dir', dataDir])
  expect(r.code, r.stderr).toBe(0)
})
afterAll(() => tmp.cleanup())

async function ports(): Promise<string[]> {
  return ['--rtmp-port', String(await freePort()), '--flv-port', String(await freePort())]
}

describe('webtv air lifetime', () => {
  it('airs on with --duration of 30 days (beyond the 24.8-day timer limit) until stopped', async () => {
    const child = spawnWebtv(
      ['air', '--channel', 'Long', '--duration', String(30 * 24 * 3600), ...(await ports()), '--data-dir', dataDir],
      {
        stdio: ['ignore', 'pipe', 'pipe']
      }
    )
    let out = ''
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
    const until = Date.now() + 90_000
    while (!out.includes('Press Ctrl-C') && child.exitCode === null && Date.now() < until)
      await new Promise((r) => setTimeout(r, 100))
    expect(out).toContain('Press Ctrl-C')
    await new Promise((r) => setTimeout(r, 4000))
    expect(child.exitCode, out).toBeNull()
    expect(out).not.toContain('Stopping')
    child.kill('SIGINT')
    expect(await exited).toBe(0)
  }, 150_000)

  it('refuses a duration it cannot honour, saying what to do', async () => {
    for (const d of ['99999999999', '9007199254740993']) {
      const r = await runWebtv(['air', '--channel', 'Long', '--duration', d, '--data-dir', dataDir])
      expect(r.code, d).toBe(2)
      expect(r.stderr).toMatch(/--duration (can be at most \d+ seconds \(100 years\)|must be a whole number)/)
    }
  })

  it.runIf(process.platform === 'linux')(
    'a channel in permanent error ends the process with status 1 and a clear last line',
    async () => {
      // ffmpeg disappears while on air (a package upgrade removed it): the encoder's
      // restart cannot start anything, the channel errors — a supervisor must restart us.
      const link = join(tmp.dir, 'bin', 'ffmpeg')
      mkdirSync(join(tmp.dir, 'bin'))
      symlinkSync(findOnPath('ffmpeg')!, link)
      const [rtmpPort, flvPort] = [await freePort(), await freePort()]
      const child = spawnWebtv(
        [
          'air',
          '--channel',
          'Long',
          '--rtmp-port',
          String(rtmpPort),
          '--flv-port',
          String(flvPort),
          '--data-dir',
          dataDir
        ],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { WEBTV_FFMPEG: link }
        }
      )
      let stdout = ''
      let stderr = ''
      child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
      const until = Date.now() + 90_000
      while (!/^Long: live/m.test(stdout) && child.exitCode === null && Date.now() < until)
        await new Promise((r) => setTimeout(r, 100))
      expect(stdout, stderr).toMatch(/^Long: live/m)
      unlinkSync(link)
      // The encoder publishes in-process (no URL on its command line): find it below `webtv air`.
      const encoders = toolsUnder(child.pid!)
      expect(encoders.length).toBeGreaterThan(0)
      for (const p of encoders) process.kill(p.pid, 'SIGKILL')
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
      const code = await exited
      clearTimeout(timer)
      expect(code, stdout + stderr).toBe(1)
      const last = stderr.trim().split('\n').pop()!
      expect(last).toMatch(
        /^webtv air: Long failed and is off air: Could not start ffmpeg: .*ENOENT.* Exiting with status 1 \(a supervisor/
      )
    },
    150_000
  )
})
