/**
 * Schema 12: a channel's shot count and its "pending" count (queued, or ready but
 * conformed to an older look) are kept by triggers instead of counted on every read
 * of the channel. They must equal a real count after any mix of edits, and a
 * library made by schema 11 starts with the right counts.
 */
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase, type Db } from '../../../src/main/db/database'
import { migrations, openLibrary } from '../../../src/main/library'
import { tempDir } from '../../helpers/tmp'
import { openLibraryDb } from '../../fixtures/library-db'

const cleanups: Array<() => void> = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

/** What the channel read used to compute on every call. */
function counted(db: Db, channelId: number): { shots: number; pending: number } {
  return db
    .prepare(
      `SELECT (SELECT COUNT(*) FROM shots s WHERE s.channel_id = c.id) AS shots,
        (SELECT COUNT(*) FROM shots s WHERE s.channel_id = c.id AND (s.status = 'queued' OR (s.status = 'ready' AND s.look_rev IS NOT c.look_rev))) AS pending
       FROM channels c WHERE c.id = ?`
    )
    .get(channelId) as { shots: number; pending: number }
}

describe('channel counts kept by triggers', () => {
  it('equal a real count through inserts, status and look changes, re-conforms and deletes', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const lib = openLibrary(t.dir)
    try {
      const db = openLibraryDb(lib.dataDir)
      const a = lib.createChannel({ name: 'A' })
      const b = lib.createChannel({ name: 'B' })
      const check = (): void => {
        for (const ch of [a, b]) {
          const c = lib.getChannel(ch.id)
          expect({ shots: c.shotCount, pending: c.reconformPending }).toEqual(counted(db, ch.id))
          expect(lib.listShots({ channelId: ch.id, limit: 1 }).total).toBe(c.shotCount)
        }
      }
      // A deterministic walk of the edits that move the counts.
      let seed = 7
      const rnd = (n: number): number => {
        seed = (seed * 1103515245 + 12345) % 2147483648
        return Math.floor(seed / 65536) % n
      }
      const statuses = ['queued', 'conforming', 'ready', 'failed'] as const
      const ids: number[] = []
      for (let step = 0; step < 300; step++) {
        const ch = rnd(2) === 0 ? a : b
        const op = rnd(10)
        if (op < 4 || ids.length === 0) ids.push(lib.createShot(ch.id, { prompt: `shot ${step}` }).id)
        else if (op < 6) {
          db.prepare(
            "UPDATE shots SET status = ?, mp4_path = 'm.mp4', ts_path = 'm.ts', poster_path = 'm.jpg' WHERE id = ?"
          ).run(statuses[rnd(statuses.length)], ids[rnd(ids.length)]!)
        } else if (op < 7) {
          // A (re-)conform to the channel's current look, or to none.
          db.prepare(
            'UPDATE shots SET look_rev = CASE WHEN ? THEN NULL ELSE (SELECT look_rev FROM channels WHERE id = shots.channel_id) END WHERE id = ?'
          ).run(rnd(4) === 0 ? 1 : 0, ids[rnd(ids.length)]!)
        } else if (op < 8) {
          // A new look (what Channel look → Apply does): every ready shot becomes pending.
          db.prepare('UPDATE channels SET look_rev = look_rev + 1 WHERE id = ?').run(ch.id)
        } else if (op < 9) {
          // Moved to the other channel.
          db.prepare('UPDATE shots SET channel_id = ? WHERE id = ?').run(
            ch.id === a.id ? b.id : a.id,
            ids[rnd(ids.length)]!
          )
        } else {
          const [id] = ids.splice(rnd(ids.length), 1)
          lib.deleteShots([id!])
        }
        if (step % 10 === 0) check()
      }
      // The walk went through every kind of state (else it proves little).
      const seen = db.prepare('SELECT DISTINCT status FROM shots ORDER BY status').all() as Array<{ status: string }>
      expect(seen.map((r) => r.status)).toEqual(expect.arrayContaining(['conforming', 'failed', 'queued', 'ready']))
      expect(lib.getChannel(a.id).reconformPending).toBeGreaterThan(0)
      check()
      expect(lib.getChannel(a.id).shotCount + lib.getChannel(b.id).shotCount).toBe(ids.length)
      // A channel update that keeps the look does not recount; one that changes it does.
      lib.updateChannel(a.id, { name: 'A2' })
      check()
    } finally {
      await lib.close()
    }
  })

  it('starts right on a library made by schema 11', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const file = join(t.dir, 'library.db')
    const old = openDatabase(
      file,
      migrations.filter((m) => m.version <= 11)
    )
    const now = Date.now()
    const ch = Number(
      old
        .prepare(
          `INSERT INTO channels (name, format_json, created_at, updated_at, look_json, look_rev) VALUES ('Old', '{}', ?, ?, '{}', 3)`
        )
        .run(now, now).lastInsertRowid
    )
    const shot = old.prepare(
      `INSERT INTO shots (channel_id, status, prompt, look_rev, created_at, updated_at, mp4_path, ts_path, poster_path) VALUES (?, ?, 'p', ?, ?, ?, 'm.mp4', 'm.ts', 'm.jpg')`
    )
    for (const [status, look] of [
      ['ready', 3],
      ['ready', 2],
      ['ready', null],
      ['queued', null],
      ['failed', 1],
      ['conforming', 3]
    ] as const)
      shot.run(ch, status, look, now, now)
    old.close()
    const db = openDatabase(file, migrations)
    try {
      expect(db.prepare('SELECT shot_count, pending_count FROM channels WHERE id = ?').get(ch)).toEqual({
        shot_count: 6,
        // ready at look 2, ready never conformed to a look, and queued
        pending_count: 3
      })
      expect(counted(db, ch)).toEqual({ shots: 6, pending: 3 })
    } finally {
      db.close()
    }
  })
})
