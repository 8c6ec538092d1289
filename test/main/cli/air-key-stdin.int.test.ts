/**
 * Issue 23 item 5: `webtv air --help` points first at ways that keep a stream key
 * off the command line, and on that path (`echo URL | webtv air --to-stdin`) the
 * key is in no process's command line while the relay runs.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runWebtv, spawnWebtv } from '../../helpers/cli'
import { tempDir } from '../../helpers/tmp'
import { freePort, startRemoteIngest, type RemoteIngest } from '../../fixtures/rtmp'
import { allProcessText } from '../../fixtures/procs'

const KEY = 'live_stdin_only_7c1d9e2f4a'

/** Every process under this test but the stand-in ingest (which is told the key it expects). */
const studioProcesses = (): Array<{ pid: number; text: string }> =>
  allProcessText().filter((p) => !p.text.includes('rtmp-remote.cjs'))

describe('webtv air keeps the key off the command line', () => {
  const tmp = tempDir()
  const dataDir = join(tmp.dir, 'data')
  let remote: RemoteIngest

  beforeAll(async () => {
    const r = await runWebtv(['channel', 'create', 'Keyed', '--size', '320x180', '--fps', '12', '--data-dir', dataDir])
    expect(r.code, r.stderr).toBe(0)
    remote = await startRemoteIngest({ requiredKey: KEY })
  }, 120_000)
  afterAll(async () => {
    await remote?.kill()
    tmp.cleanup()
  })

  it('the help shows saved destinations and --to-stdin before --to, and says why', async () => {
    const r = await runWebtv(['air', '--help'])
    const text = r.stdout + r.stderr
    const stdin = text.indexOf('--to-stdin')
    const saved = text.indexOf('--key-stdin')
    const plain = text.indexOf('--to rtmp://host/app/KEY')
    expect(stdin).toBeGreaterThan(-1)
    expect(saved).toBeGreaterThan(-1)
    expect(plain).toBeGreaterThan(Math.max(stdin, saved))
    expect(text).toMatch(/puts the key in the process list/)
  })

  it('a destination piped in with --to-stdin goes live, and its key is in no command line', async () => {
    const child = spawnWebtv(
      [
        'air',
        '--channel',
        'Keyed',
        '--to-stdin',
        '--rtmp-port',
        String(await freePort()),
        '--flv-port',
        String(await freePort()),
        '--data-dir',
        dataDir
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] }
    )
    child.stdin!.end(`${remote.url(KEY)}\n`)
    let out = ''
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
    try {
      // The relay reports live once the remote confirmed the publish (wait for that state, not a time).
      const deadline = Date.now() + 150_000
      while (!/destination \S+: live/.test(out) && child.exitCode === null) {
        if (Date.now() > deadline) throw new Error(`the destination never went live:\n${out}`)
        for (const p of studioProcesses()) expect(p.text, `pid ${p.pid}`).not.toContain(KEY)
        await new Promise((r) => setTimeout(r, 250))
      }
      expect(child.exitCode, out).toBeNull()
      for (const p of studioProcesses()) expect(p.text, `pid ${p.pid}`).not.toContain(KEY)
      expect(out).not.toContain(KEY)
      // The key did reach the ingest: it was read from stdin and used.
      await remote.waitFor(/PUBLISH/, 30_000)
    } finally {
      child.kill('SIGINT')
      await exited
    }
  }, 200_000)
})
