import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { tempDir } from '../../helpers/tmp'
import { repoRoot, runWebtv, spawnWebtv } from '../../helpers/cli'
import { makeClip } from '../../fixtures/media'
import { openLibrary, SchemaTooNewError } from '../../../src/main/library'

let tmp: ReturnType<typeof tempDir>
let dataDir: string
beforeEach(() => {
  tmp = tempDir()
  dataDir = join(tmp.dir, 'data')
})
afterEach(() => tmp.cleanup())

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

describe('several processes on one data folder', () => {
  it('keeps playlist positions dense and unique under concurrent edits from two processes', async () => {
    const lib = openLibrary(dataDir)
    const c = lib.createChannel({ name: 'Busy' })
    for (let i = 0; i < 5; i++) lib.createShot(c.id, { prompt: `shot ${i}` })
    await lib.close()
    const editor = join(repoRoot, 'test/main/library/playlist-editor.ts')
    const tsx = join(repoRoot, 'node_modules/tsx/dist/cli.mjs')
    const run = (seed: number): Promise<{ added: number; removed: number }> =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [tsx, editor, dataDir, String(c.id), '400', String(seed)], {
          stdio: ['ignore', 'pipe', 'pipe']
        })
        let out = ''
        let err = ''
        child.stdout.on('data', (d: Buffer) => (out += d.toString()))
        child.stderr.on('data', (d: Buffer) => (err += d.toString()))
        child.on('close', (code) =>
          code === 0
            ? resolve(JSON.parse(out) as { added: number; removed: number })
            : reject(new Error(`editor exited ${code}: ${err}`))
        )
      })
    const [a, b] = await Promise.all([run(1), run(2)])
    const check = openLibrary(dataDir)
    const items = check.listPlaylist(c.id)
    expect(items.map((i) => i.position)).toEqual(items.map((_, i) => i))
    expect(items.length).toBe(a.added + b.added - a.removed - b.removed)
    expect(a.added + b.added).toBeGreaterThan(0)
    await check.close()
  }, 120_000)

  it('sees a write from another process (data_version and the playlist revision)', async () => {
    const a = openLibrary(dataDir)
    const b = openLibrary(dataDir)
    const c = a.createChannel({ name: 'Shared' })
    const shot = a.createShot(c.id, { prompt: 'x' })
    const v0 = b.dataVersion()
    const r0 = b.playlistRevision(c.id)
    a.addToPlaylist(c.id, [shot.id])
    expect(b.dataVersion()).not.toBe(v0)
    expect(b.playlistRevision(c.id)).toBe(r0 + 1)
    expect(b.listPlaylist(c.id).map((i) => i.shotId)).toEqual([shot.id])
    await a.close()
    await b.close()
  })

  it('refuses a database from a newer version, with no writes', async () => {
    const lib = openLibrary(dataDir)
    lib.createChannel({ name: 'Old' })
    await lib.close()
    const file = join(dataDir, 'library.db')
    const raw = new Database(file)
    raw.pragma('user_version = 999')
    raw.pragma('wal_checkpoint(TRUNCATE)')
    raw.close()
    const hash = (): string => createHash('sha256').update(readFileSync(file)).digest('hex')
    const before = hash()
    expect(() => openLibrary(dataDir)).toThrow(SchemaTooNewError)
    expect(() => openLibrary(dataDir)).toThrow(
      /newer WebTV Studio \(schema 999; this version knows up to \d+\)\. Nothing was changed/
    )
    expect(hash()).toBe(before)
    const cli = await runWebtv(['channel', 'list', '--data-dir', dataDir])
    expect(cli.code).toBe(1)
    expect(cli.stderr).toMatch(/newer WebTV Studio/)
    expect(hash()).toBe(before)
  })

  it('survives an import killed mid-way: the rerun leaves no ready row without files and no duplicate', async () => {
    // Long enough at 1024x576 that the kill lands during the conform.
    const clip = makeClip(tmp.dir, { width: 1024, height: 576, seconds: 8, name: 'long take.mp4' })
    const setup = await runWebtv(['channel', 'create', 'Crash', '--data-dir', dataDir])
    expect(setup.code).toBe(0)
    const child = spawnWebtv(['import', '--channel', 'Crash', clip, '--data-dir', dataDir], {
      detached: true,
      stdio: 'ignore'
    })
    const db = (): Database.Database => new Database(join(dataDir, 'library.db'), { readonly: true })
    // Wait until the conform is under way (a row claimed and ffmpeg writing its temp MP4).
    const deadline = Date.now() + 60_000
    for (;;) {
      const tmpRoot = join(dataDir, 'tmp')
      const writing = existsSync(tmpRoot) && readdirSync(tmpRoot).some((d) => existsSync(join(tmpRoot, d, 'clip.mp4')))
      if (writing) break
      if (Date.now() > deadline) throw new Error('the import never started converting')
      await sleep(50)
    }
    process.kill(-child.pid!, 'SIGKILL') // the whole group: node and its ffmpeg
    await new Promise((r) => child.on('close', r))
    const d1 = db()
    const mid = d1.prepare('SELECT status FROM shots').all() as Array<{ status: string }>
    d1.close()
    expect(mid.map((r) => r.status)).toEqual(['conforming'])

    const rerun = await runWebtv(['import', '--json', '--channel', 'Crash', clip, '--data-dir', dataDir], {
      timeoutMs: 120_000
    })
    expect(rerun.code, rerun.stdout + rerun.stderr).toBe(0)
    const line = JSON.parse(rerun.stdout.trim()) as { file: string; shotId: number }
    expect(line.file).toBe(clip)

    const lib = openLibrary(dataDir)
    const { shots, total } = lib.listShots({ channelId: lib.getChannelByName('Crash').id })
    expect(total).toBe(1)
    expect(shots[0]!.id).toBe(line.shotId)
    expect(shots[0]!.status).toBe('ready')
    expect(lib.missingMedia()).toEqual([])
    // the killed run's temp folder is gone
    expect(readdirSync(join(dataDir, 'tmp'))).toEqual([])
    await lib.close()
  }, 180_000)
})

describe('change events across processes', () => {
  it("tells a running core's UIs when another process changed the library", async () => {
    const { Core } = await import('../../../src/main/core/core')
    const { libraryFeature } = await import('../../../src/main/library/feature')
    const core = await Core.open({ dataDir, shell: 'headless', version: 'test' }, [libraryFeature])
    try {
      const seen: Array<{ channelId: number | null; what: string }> = []
      core.bus.on('library.changed', (p) => seen.push(p))
      const r = await runWebtv(['channel', 'create', 'From CLI', '--data-dir', dataDir])
      expect(r.code, r.stderr).toBe(0)
      const deadline = Date.now() + 5000
      while (!seen.some((e) => e.what === 'channels') && Date.now() < deadline) await sleep(100)
      expect(seen).toContainEqual({ channelId: null, what: 'channels' })
      const list = await core.dispatch('library.channels.list', {})
      expect(list).toMatchObject({ ok: true, value: { channels: [{ name: 'From CLI' }] } })
    } finally {
      await core.close()
    }
  })
})
