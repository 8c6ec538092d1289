import { afterEach, describe, expect, it } from 'vitest'
import { runWebtv, spawnWebtv } from '../../helpers/cli'
import { tempDir } from '../../helpers/tmp'
import { freePort } from '../../fixtures/rtmp'

const cleanups: Array<() => void | Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('a channel on air in another process', () => {
  it('cannot be deleted or change format from a second process; can once the stream ends', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const cli = (args: string[]) => runWebtv([...args, '--data-dir', t.dir])
    expect((await cli(['channel', 'create', 'busy', '--size', '320x180', '--fps', '12'])).code).toBe(0)

    const air = spawnWebtv(
      [
        'air',
        '--channel',
        'busy',
        '--rtmp-port',
        String(await freePort()),
        '--flv-port',
        String(await freePort()),
        '--data-dir',
        t.dir
      ],
      {
        stdio: ['pipe', 'pipe', 'pipe']
      }
    )
    let out = ''
    air.stdout!.on('data', (d: Buffer) => (out += d.toString()))
    air.stderr!.on('data', (d: Buffer) => (out += d.toString()))
    const exited = new Promise<void>((r) => air.on('exit', () => r()))
    cleanups.push(async () => {
      air.kill('SIGKILL')
      await exited
    })
    await expect.poll(() => out, { timeout: 60_000, interval: 200 }).toMatch(/On air: busy/)

    const del = await cli(['channel', 'delete', 'busy'])
    expect(del.code).toBe(1)
    expect(del.stderr).toMatch(/"busy" is on air/)
    const resize = await cli(['channel', 'update', 'busy', '--size', '640x360'])
    expect(resize.code).toBe(1)
    expect(resize.stderr).toMatch(/on air.*End the stream before changing its format/)
    // Other edits are fine while on air.
    expect((await cli(['channel', 'update', 'busy', '--theme', 'new theme'])).code).toBe(0)

    air.kill('SIGTERM')
    await exited
    expect((await cli(['channel', 'update', 'busy', '--size', '640x360'])).code).toBe(0)
    expect((await cli(['channel', 'delete', 'busy'])).code).toBe(0)
  }, 120_000)

  it('ignores the mark of an airing process that crashed', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const cli = (args: string[]) => runWebtv([...args, '--data-dir', t.dir])
    expect((await cli(['channel', 'create', 'crashed', '--size', '320x180', '--fps', '12'])).code).toBe(0)
    const air = spawnWebtv(
      [
        'air',
        '--channel',
        'crashed',
        '--rtmp-port',
        String(await freePort()),
        '--flv-port',
        String(await freePort()),
        '--data-dir',
        t.dir
      ],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true
      }
    )
    let out = ''
    air.stdout!.on('data', (d: Buffer) => (out += d.toString()))
    const exited = new Promise<void>((r) => air.on('exit', () => r()))
    await expect.poll(() => out, { timeout: 60_000, interval: 200 }).toMatch(/On air: crashed/)
    process.kill(-air.pid!, 'SIGKILL') // the whole group: tsx's wrapper and the studio
    await exited
    expect((await cli(['channel', 'delete', 'crashed'])).code).toBe(0)
  }, 120_000)
})
