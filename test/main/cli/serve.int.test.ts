import { statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { spawnWebtv } from '../../helpers/cli'
import { tempDir } from '../../helpers/tmp'

const cleanups: Array<() => void | Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** Start `webtv serve`, return the printed studio URL, then stop it. */
async function serveOnce(dataDir: string, extra: string[] = []): Promise<string> {
  const child = spawnWebtv(['serve', '--port', '0', '--data-dir', dataDir, ...extra], {
    stdio: ['pipe', 'pipe', 'pipe']
  })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
  await expect.poll(() => out, { timeout: 30_000, interval: 100 }).toMatch(/Studio: http/)
  const url = /Studio: (\S+)/.exec(out)![1]!
  // The URL works while it runs.
  expect((await fetch(url, { redirect: 'manual' })).status).toBe(303)
  child.kill('SIGTERM')
  expect(await exited).toBe(0)
  expect(out).toMatch(/Stopping/)
  return url
}

describe('webtv serve', () => {
  it('keeps its URL across restarts, and --new-token rotates it', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const token = (u: string): string => new URL(u).searchParams.get('token')!
    const first = await serveOnce(t.dir)
    const second = await serveOnce(t.dir)
    expect(token(second)).toBe(token(first))
    if (process.platform !== 'win32') expect(statSync(join(t.dir, 'serve-token')).mode & 0o777).toBe(0o600)
    const rotated = await serveOnce(t.dir, ['--new-token'])
    expect(token(rotated)).not.toBe(token(first))
    expect(token(rotated).length).toBeGreaterThanOrEqual(32)
  }, 90_000)
})
