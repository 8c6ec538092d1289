import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase } from '../../../src/main/db/database'
import { migrations, openLibrary } from '../../../src/main/library'
import { tempDir } from '../../helpers/tmp'
import { openLibraryDb } from '../../fixtures/library-db'

const cleanups: Array<() => void> = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

describe('upgrading a library made before takes existed (schema 2 → current)', () => {
  it('gives every shot with media one chosen take, and nothing to shots without media', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    mkdirSync(t.dir, { recursive: true })
    // A data folder as the previous release left it.
    const old = openDatabase(
      join(t.dir, 'library.db'),
      migrations.filter((m) => m.version <= 2)
    )
    const now = Date.now()
    old.prepare("INSERT INTO channels (id, name, format_json, created_at, updated_at) VALUES (1, 'old', ?, ?, ?)").run(
      JSON.stringify({
        width: 1024,
        height: 576,
        fps: 24,
        videoKbps: 2000,
        videoMaxKbps: 2500,
        audioKbps: 128,
        audioRate: 48000,
        gopSeconds: 2
      }),
      now,
      now
    )
    const shot = old.prepare(
      `INSERT INTO shots (channel_id, status, approved, prompt, seed, backend, media_hash, mp4_path, ts_path, poster_path, strip_path, duration_ms, width, height, format_rev, created_at, updated_at)
       VALUES (1, 'ready', 1, 'a lighthouse', 7, 'offline', 'abc', 'media/ab/abc.mp4', 'media/ab/abc.ts', 'media/ab/abc.jpg', 'media/ab/abc.strip.jpg', 3000, 1024, 576, 1, ?, ?)`
    )
    const ready = Number(shot.run(now, now).lastInsertRowid)
    const pending = Number(
      old
        .prepare(
          "INSERT INTO shots (channel_id, status, prompt, created_at, updated_at) VALUES (1, 'pending', 'later', ?, ?)"
        )
        .run(now, now).lastInsertRowid
    )
    expect(old.pragma('user_version', { simple: true })).toBe(2)
    old.close()

    const lib = openLibrary(t.dir)
    try {
      expect(openLibraryDb(lib.dataDir).pragma('user_version', { simple: true })).toBe(
        migrations[migrations.length - 1]!.version
      )
      const takes = lib.listTakes(ready)
      expect(takes).toHaveLength(1)
      expect(takes[0]).toMatchObject({
        chosen: true,
        status: 'ready',
        seed: 7,
        backend: 'offline',
        mp4Path: 'media/ab/abc.mp4',
        tsPath: 'media/ab/abc.ts'
      })
      expect(lib.listTakes(pending)).toEqual([])
      // The shot itself is untouched.
      expect(lib.getShot(ready)).toMatchObject({ status: 'ready', approved: true, prompt: 'a lighthouse' })
    } finally {
      await lib.close()
    }
  })
})
