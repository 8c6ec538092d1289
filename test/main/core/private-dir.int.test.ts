/**
 * Issue 12 item 9: the data folder is 0700 and every file in it 0600 — the SQLite
 * library with its -wal/-shm, logs, destination settings, secrets, media — whether it
 * is created now or was left loose by an older version.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { openStudio } from '../../../src/main/studio'
import { callCore } from '../../../src/main/cli/open-core'
import { makeClip } from '../../fixtures/media'
import { tempDir } from '../../helpers/tmp'

const cleanups: Array<() => void | Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** Every path under dir whose mode lets group or others in (symlinks aside). */
function loose(dir: string): string[] {
  const out: string[] = []
  const visit = (p: string): void => {
    const st = lstatSync(p)
    if (st.isSymbolicLink()) return
    if ((st.mode & 0o077) !== 0) out.push(`${p} ${(st.mode & 0o777).toString(8)}`)
    if (st.isDirectory()) for (const n of readdirSync(p)) visit(join(p, n))
  }
  visit(dir)
  return out
}

describe.runIf(process.platform !== 'win32')('private data folder', () => {
  it('creates the folder 0700 and what the studio writes 0600, with the library open (-wal/-shm)', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const previous = process.umask(0o022) // what a user's shell usually has
    cleanups.push(() => void process.umask(previous))
    const dataDir = join(t.dir, 'data')
    const core = await openStudio({ dataDir, shell: 'headless', version: 'test' })
    cleanups.push(() => core.close())
    const ch = await callCore(core, 'library.channels.create', {
      name: 'Private',
      format: { width: 320, height: 180, fps: 12 }
    })
    const clip = makeClip(t.dir, { seconds: 1 })
    const { results } = await callCore(core, 'library.import', { channelId: ch.id, paths: [clip] })
    expect(results[0]!.ok).toBe(true)
    await callCore(core, 'onair.destinations.add', {
      channelId: ch.id,
      kind: 'rtmp',
      url: 'rtmp://127.0.0.1:1/live',
      key: 'live_secret_key_123'
    })
    expect(statSync(dataDir).mode & 0o777).toBe(0o700)
    const names = readdirSync(dataDir)
    expect(
      names.some((n) => n.endsWith('-wal')),
      names.join(' ')
    ).toBe(true)
    expect(
      names.some((n) => n.endsWith('-shm')),
      names.join(' ')
    ).toBe(true)
    expect(existsSync(join(dataDir, 'onair', 'destinations.json'))).toBe(true)
    expect(loose(dataDir)).toEqual([])
  })

  it('tightens a loose folder left by an older version on start, without following symlinks', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const dataDir = join(t.dir, 'data')
    mkdirSync(join(dataDir, 'logs'), { recursive: true })
    writeFileSync(join(dataDir, 'library.sqlite'), '')
    writeFileSync(join(dataDir, 'logs', 'onair.log'), 'x\n')
    const outside = join(t.dir, 'outside.txt')
    writeFileSync(outside, 'not ours')
    chmodSync(outside, 0o644)
    symlinkSync(outside, join(dataDir, 'link'))
    for (const p of [dataDir, join(dataDir, 'logs')]) chmodSync(p, 0o755)
    for (const p of [join(dataDir, 'library.sqlite'), join(dataDir, 'logs', 'onair.log')]) chmodSync(p, 0o644)
    expect(loose(dataDir).length).toBe(4)
    const core = await openStudio({ dataDir, shell: 'headless', version: 'test' })
    cleanups.push(() => core.close())
    expect(loose(dataDir)).toEqual([])
    expect(statSync(outside).mode & 0o777).toBe(0o644)
  })
})
