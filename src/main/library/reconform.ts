import { existsSync } from 'node:fs'
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import { AbortedError } from '../media/ffmpeg-runner'
import { isPidAlive } from '../process/pid-alive'
import type { ShotRow } from './rows'
import type { LibraryStore } from './store'
import type { Ingest } from './ingest'
import type { MediaTrash } from './trash'

/** The background worker that re-conforms shots queued by a format change, one at a time. */
export class Reconform {
  private readonly worker = new AbortController()
  private workerRun: Promise<void> | null = null
  private workerAgain = false
  private closed = false

  constructor(
    private readonly store: LibraryStore,
    private readonly ingest: Ingest,
    private readonly trash: MediaTrash
  ) {}

  /** Start (or nudge) the background worker that re-conforms queued shots. */
  kickWorker(): void {
    if (this.closed) return
    if (this.workerRun) {
      this.workerAgain = true
      return
    }
    this.workerRun = this.drainQueue()
      .then(() => undefined)
      .catch((err: unknown) => {
        if (!(err instanceof AbortedError))
          console.error('[library] re-conform worker stopped:', err instanceof Error ? err.message : err)
      })
      .finally(() => {
        this.workerRun = null
        if (this.workerAgain && !this.closed) {
          this.workerAgain = false
          this.kickWorker()
        }
      })
  }

  /** Resolves when the worker has nothing left to do (tests, `--wait`). */
  async idle(): Promise<void> {
    while (this.workerRun) await this.workerRun
  }

  /**
   * Re-conform, one at a time until none are left: first shots queued by a format
   * change (they cannot air meanwhile), then shots made with an earlier look of
   * their channel — those stay ready and keep airing their current media until
   * the new files are in place. Returns how many were done.
   */
  async drainQueue(signal: AbortSignal = this.worker.signal): Promise<number> {
    let done = 0
    const db = this.store.db
    // Stale-look shots are walked in id order from a cursor, a page at a time: a library of shots
    // that can't be redone (another process owns them) is one pass, not a rescan per shot.
    let lookAfter = 0
    for (;;) {
      // Give the loop back between shots: a shot that fails at once (its source is gone) never awaits anything else.
      await yieldToLoop()
      if (signal.aborted) throw new AbortedError()
      const next = db
        .transaction(() => {
          const r = db.prepare("SELECT * FROM shots WHERE status = 'queued' ORDER BY id LIMIT 1").get() as
            ShotRow | undefined
          if (r) {
            db.prepare("UPDATE shots SET status = 'conforming', owner_pid = ?, updated_at = ? WHERE id = ?").run(
              process.pid,
              Date.now(),
              r.id
            )
            return { row: r, look: false }
          }
          const stalePage = db.prepare(
            "SELECT s.* FROM shots s JOIN channels c ON c.id = s.channel_id WHERE s.status = 'ready' AND s.media_missing = 0 AND s.look_rev IS NOT c.look_rev AND s.id > ? ORDER BY s.id LIMIT 100"
          )
          for (;;) {
            const stale = stalePage.all(lookAfter) as ShotRow[]
            if (stale.length === 0) return undefined
            const l = stale.find((x) => !this.ownerAlive(x))
            lookAfter = (l ?? stale[stale.length - 1]!).id
            if (!l) continue
            db.prepare('UPDATE shots SET owner_pid = ? WHERE id = ?').run(process.pid, l.id)
            return { row: l, look: true }
          }
        })
        .immediate()
      if (!next) return done
      const { row, look } = next
      this.store.working.add(row.id)
      try {
        const source =
          row.original_path && existsSync(this.store.abs(row.original_path))
            ? this.store.abs(row.original_path)
            : row.mp4_path
              ? this.store.abs(row.mp4_path)
              : null
        if (!source || !existsSync(source)) {
          // Marked, not retried: the background media check unmarks it when the file is back.
          db.prepare('UPDATE shots SET media_missing = 1 WHERE id = ?').run(row.id)
          throw new Error('Its source file is gone; it cannot be re-conformed.')
        }
        const previous = row.media_hash
        const replaced = await this.ingest.conformInto(
          row.id,
          source,
          row.channel_id,
          signal,
          () => {},
          undefined,
          undefined,
          undefined,
          look ? row.media_hash : undefined
        )
        // The old media goes to the trash unless another row still uses it (or the bytes came out identical);
        // a player holding the old file open keeps reading it.
        if (previous && replaced)
          this.trash.moveToTrash(this.trash.unreferencedFiles([{ ...row, original_path: null }]))
        done++
      } catch (err) {
        if (look) {
          // The shot keeps airing with its previous look; say why, and do not retry it in a loop.
          const message =
            err instanceof AbortedError
              ? null
              : `Could not apply the channel's look: ${err instanceof Error ? err.message : String(err)}`
          db.prepare(
            'UPDATE shots SET owner_pid = NULL, error = COALESCE(?, error), look_rev = CASE WHEN ? IS NULL THEN look_rev ELSE (SELECT look_rev FROM channels WHERE id = ?) END WHERE id = ?'
          ).run(message, message, row.channel_id, row.id)
          this.store.changed(row.channel_id, 'shots')
          if (err instanceof AbortedError) throw err
        } else {
          if (err instanceof AbortedError) {
            db.prepare("UPDATE shots SET status = 'queued', owner_pid = NULL WHERE id = ?").run(row.id)
            throw err
          }
          this.ingest.afterIngestFailure(row.id, false, err)
        }
      } finally {
        this.store.working.delete(row.id)
      }
    }
  }

  /** Another process's claim on a shot that process is still alive to finish (ours: only while we work on it). */
  private ownerAlive(row: { id: number; owner_pid: number | null }): boolean {
    if (row.owner_pid === null) return false
    if (row.owner_pid === process.pid) return this.store.working.has(row.id)
    return isPidAlive(row.owner_pid)
  }

  /** Stop the worker (the conversion under way is aborted and its shot re-queued) and wait for it. */
  async close(): Promise<void> {
    this.closed = true
    this.worker.abort()
    await this.idle()
  }
}
