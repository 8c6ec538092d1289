/**
 * Schema 13: the playlist revision grows with every change a timeline item shows (its
 * shot's status, approval, prompt, length, media, format), and every change event of a
 * channel carries the revision reached. The studio's timeline skips the reload when it
 * is already at that revision, so a change that shows on an item but keeps the revision
 * would leave the screen stale: this walks real edits (an import, approvals, a prompt, a
 * failure, a format change re-conformed by the worker) and checks the rule at every event.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { openLibrary } from '../../../src/main/library'
import type { LibraryChange } from '../../../src/main/library/rows'
import { makeClip } from '../../fixtures/media'
import { tempDir } from '../../helpers/tmp'
import { openLibraryDb } from '../../fixtures/library-db'

const cleanups: Array<() => void | Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('the playlist revision follows what timeline items show', () => {
  it('grows with every item-visible change of a listed shot, not with changes nobody sees, and events carry it', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const lib = openLibrary(t.dir)
    cleanups.push(() => lib.close())
    const ch = lib.createChannel({ name: 'Rev', format: { width: 320, height: 180, fps: 12 } })
    const listed = await lib.ingestFile(ch.id, makeClip(t.dir, { width: 320, height: 180, fps: 12 }), {
      prompt: 'a harbour'
    })
    const unlisted = await lib.ingestFile(ch.id, makeClip(t.dir, { width: 336, height: 180, fps: 12 }), {
      prompt: 'a lighthouse'
    })
    lib.addToPlaylist(ch.id, [listed.id])

    // What the timeline would show at each event, and the revision the event announced.
    const seen: Array<{ what: string; revision: number | undefined; items: string }> = []
    const shown = (): string => JSON.stringify(lib.readPlaylist(ch.id).items)
    const off = lib.onChange((c: LibraryChange) => {
      // Channel events (name, format…) carry no revision; the shots and playlist events that follow do.
      if (c.channelId === ch.id && c.what !== 'channels')
        seen.push({ what: c.what, revision: c.revision, items: shown() })
    })
    cleanups.push(off)

    const start = { revision: lib.playlistRevision(ch.id), items: shown() }
    lib.updateShot(listed.id, { approved: true })
    lib.updateShot(listed.id, { prompt: 'a harbour at dawn' })
    lib.updateShot(unlisted.id, { prompt: 'a lighthouse at night', approved: true })
    lib.updateShot(listed.id, { seed: 42 }) // not shown on the item
    // A new format: both shots go back to the queue and the worker conforms them again, step by step.
    lib.updateChannel(ch.id, { format: { width: 352, height: 198 } })
    lib.kickWorker()
    await lib.idle()
    lib.failShot(unlisted.id, 'the model timed out')

    expect(seen.length).toBeGreaterThan(4)
    let before = start
    for (const e of seen) {
      expect(e.revision, `${e.what} event`).toBeTypeOf('number')
      // The rule the timeline relies on: what it shows changed → the revision changed.
      if (e.items !== before.items) expect(e.revision, `${e.what} event`).toBeGreaterThan(before.revision)
      before = { revision: e.revision!, items: e.items }
    }
    // The re-conform made the listed item airable again at the new format.
    const item = lib.readPlaylist(ch.id).items[0]!
    expect(item.airable).toBe(true)
    expect(lib.playlistRevision(ch.id)).toBe(seen[seen.length - 1]!.revision)

    // A change only to a shot that is not on the timeline keeps the revision.
    const rev = lib.playlistRevision(ch.id)
    lib.updateShot(unlisted.id, { prompt: 'a lighthouse in fog' })
    expect(lib.playlistRevision(ch.id)).toBe(rev)
    // Nor does a write that leaves every shown column as it was.
    lib.updateShot(listed.id, { seed: 7 })
    expect(lib.playlistRevision(ch.id)).toBe(rev)
  }, 120_000)

  it("a page's count and length follow every change, though the length is kept between revisions", () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const lib = openLibrary(t.dir)
    cleanups.push(() => lib.close())
    const ch = lib.createChannel({ name: 'Totals' })
    // Another connection, as another process on the same folder would write.
    const db = openLibraryDb(lib.dataDir)
    const shot = (ms: number): number =>
      Number(
        db
          .prepare(
            `INSERT INTO shots (channel_id, status, prompt, duration_ms, created_at, updated_at) VALUES (?, 'pending', 'p', ?, 0, 0)`
          )
          .run(ch.id, ms).lastInsertRowid
      )
    const a = shot(3000)
    const b = shot(5000)
    lib.addToPlaylist(ch.id, [a, a, a, b])
    const totals = () => {
      const p = lib.readPlaylistPage(ch.id, 0, 2)
      return [p.total, p.totalDurationMs, p.items.length]
    }
    expect(totals()).toEqual([4, 14_000, 2])
    expect(lib.readPlaylistPage(ch.id, 2, 2).totalDurationMs).toBe(14_000)
    // A new length (the trigger's new revision), written by the other connection.
    db.prepare('UPDATE shots SET duration_ms = 6000 WHERE id = ?').run(b)
    expect(totals()).toEqual([4, 15_000, 2])
    lib.addToPlaylist(ch.id, [b])
    expect(totals()).toEqual([5, 21_000, 2])
    // A shot deleted under its items takes them along with no new revision: the count tells.
    const rev = lib.playlistRevision(ch.id)
    db.pragma('foreign_keys = ON')
    db.prepare('DELETE FROM shots WHERE id = ?').run(b)
    expect(lib.playlistRevision(ch.id)).toBe(rev)
    expect(totals()).toEqual([3, 9000, 2])
  })
})
