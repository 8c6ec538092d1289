/**
 * Issue 19 finding 1: schema 8 makes channel ids never reused (AUTOINCREMENT). The
 * channels table is rebuilt on a database the previous schema made, with rows in
 * every table that references it: nothing is lost or cascaded away, and the next id
 * is above every id ever handed out — including a deleted channel's.
 */
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase } from '../../../src/main/db/database'
import { migrations, openLibrary } from '../../../src/main/library'
import { tempDir } from '../../helpers/tmp'
import { openLibraryDb } from '../../fixtures/library-db'

const cleanups: Array<() => void> = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

const FORMAT = JSON.stringify({
  width: 1024,
  height: 576,
  fps: 24,
  videoKbps: 2000,
  videoMaxKbps: 2500,
  audioKbps: 128,
  audioRate: 48000,
  gopSeconds: 2
})

function counts(db: ReturnType<typeof openDatabase>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const t of ['channels', 'sequences', 'shots', 'takes', 'playlist_items', 'edit_history', 'jobs', 'asrun'])
    out[t] = (db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n
  return out
}

describe('upgrading a library made by schema 7 (channel ids reused) to schema 8', () => {
  it('keeps every row of every table that references channels and never hands out a used id again', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const file = join(t.dir, 'library.db')
    const old = openDatabase(
      file,
      migrations.filter((m) => m.version <= 7)
    )
    const now = Date.now()
    const addChannel = old.prepare(
      'INSERT INTO channels (id, name, format_json, created_at, updated_at, look_json, playlist_rev) VALUES (?, ?, ?, ?, ?, \'{"dipSeconds":0.5}\', 9)'
    )
    for (const [id, name] of [
      [1, 'One'],
      [2, 'Two'],
      [3, 'Three']
    ] as const)
      addChannel.run(id, name, FORMAT, now, now)
    for (const ch of [1, 2]) {
      const seq = Number(
        old.prepare('INSERT INTO sequences (channel_id, created_at, updated_at) VALUES (?, ?, ?)').run(ch, now, now)
          .lastInsertRowid
      )
      const shot = Number(
        old
          .prepare(
            "INSERT INTO shots (channel_id, sequence_id, status, prompt, created_at, updated_at) VALUES (?, ?, 'pending', 'p', ?, ?)"
          )
          .run(ch, seq, now, now).lastInsertRowid
      )
      old.prepare('INSERT INTO takes (shot_id, created_at, status) VALUES (?, ?, ?)').run(shot, now, 'failed')
      old
        .prepare('INSERT INTO playlist_items (channel_id, shot_id, position, added_at) VALUES (?, ?, 0, ?)')
        .run(ch, shot, now)
      old
        .prepare(
          "INSERT INTO edit_history (channel_id, state, kind, label, data_json, created_at) VALUES (?, 'done', 'k', 'l', '{}', ?)"
        )
        .run(ch, now)
      old
        .prepare(
          "INSERT INTO jobs (channel_id, shot_id, kind, state, created_at, updated_at) VALUES (?, ?, 'video', 'queued', ?, ?)"
        )
        .run(ch, shot, now, now)
    }
    // Channel 3 was deleted after it aired; its backends setting stayed behind (schema 7 never cleaned it).
    old.prepare("INSERT INTO asrun (channel_id, channel_name, label, started_at) VALUES (3, 'Three', 'x', ?)").run(now)
    old.prepare("INSERT INTO settings (key, value) VALUES ('generation.backends.5', '{}')").run()
    old.prepare('DELETE FROM channels WHERE id = 3').run()
    const before = counts(old)
    old.close()

    const lib = openLibrary(t.dir)
    try {
      expect(openLibraryDb(t.dir).pragma('user_version', { simple: true })).toBe(
        migrations[migrations.length - 1]!.version
      )
      expect(counts(openLibraryDb(t.dir))).toEqual(before)
      expect(openLibraryDb(t.dir).pragma('foreign_key_check')).toEqual([])
      expect(openLibraryDb(t.dir).pragma('foreign_keys', { simple: true })).toBe(1)
      const schema = (
        openLibraryDb(t.dir).prepare("SELECT sql FROM sqlite_master WHERE name = 'channels'").get() as { sql: string }
      ).sql
      expect(schema).toMatch(/AUTOINCREMENT/)
      expect(lib.getChannel(1)).toMatchObject({ name: 'One' })
      expect(lib.getChannel(2).look.dipSeconds).toBe(0.5)
      // Above 3 (aired, deleted) and 5 (a setting left behind): no id anything still names.
      const fresh = lib.createChannel({ name: 'Fresh' })
      expect(fresh.id).toBe(6)
      lib.deleteChannel(fresh.id)
      expect(lib.createChannel({ name: 'Fresher' }).id).toBe(7)
      // The cascades still work on the rebuilt table.
      lib.deleteChannel(1)
      expect(counts(openLibraryDb(t.dir))).toMatchObject({
        channels: 2,
        shots: 1,
        sequences: 1,
        playlist_items: 1,
        jobs: 1
      })
    } finally {
      await lib.close()
    }
  })

  it('a fresh library never reuses the id of its newest deleted channel', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const lib = openLibrary(t.dir)
    try {
      lib.createChannel({ name: 'A' })
      const b = lib.createChannel({ name: 'B' })
      lib.deleteChannel(b.id)
      expect(lib.createChannel({ name: 'C' }).id).toBeGreaterThan(b.id)
    } finally {
      await lib.close()
    }
  })
})
