import { existsSync } from 'node:fs'
import { AbortedError } from '../media/run-ffmpeg'
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

  /** Re-conform queued shots one at a time until none are left; returns how many were done. */
  async drainQueue(signal: AbortSignal = this.worker.signal): Promise<number> {
    let done = 0
    for (;;) {
      if (signal.aborted) throw new AbortedError()
      const row = this.store.db
        .transaction(() => {
          const r = this.store.db.prepare("SELECT * FROM shots WHERE status = 'queued' ORDER BY id LIMIT 1").get() as
            ShotRow | undefined
          if (!r) return undefined
          this.store.db
            .prepare("UPDATE shots SET status = 'conforming', owner_pid = ?, updated_at = ? WHERE id = ?")
            .run(process.pid, Date.now(), r.id)
          return r
        })
        .immediate()
      if (!row) return done
      this.store.working.add(row.id)
      try {
        const source =
          row.original_path && existsSync(this.store.abs(row.original_path))
            ? this.store.abs(row.original_path)
            : row.mp4_path
              ? this.store.abs(row.mp4_path)
              : null
        if (!source || !existsSync(source)) throw new Error('Its source file is gone; it cannot be re-conformed.')
        const previous = row.media_hash
        await this.ingest.conformInto(row.id, source, row.channel_id, signal, () => {})
        // The old-format media goes to the trash unless another row still uses it (or the bytes came out identical).
        if (previous) this.trash.moveToTrash(this.trash.unreferencedFiles([{ ...row, original_path: null }]))
        done++
      } catch (err) {
        if (err instanceof AbortedError) {
          this.store.db.prepare("UPDATE shots SET status = 'queued', owner_pid = NULL WHERE id = ?").run(row.id)
          throw err
        }
        this.ingest.afterIngestFailure(row.id, false, err)
      } finally {
        this.store.working.delete(row.id)
      }
    }
  }

  /** Stop the worker (the conversion under way is aborted and its shot re-queued) and wait for it. */
  async close(): Promise<void> {
    this.closed = true
    this.worker.abort()
    await this.idle()
  }
}
