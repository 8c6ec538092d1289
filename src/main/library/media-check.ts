import { stat } from 'node:fs/promises'
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import type { LibraryStore } from './store'

/** How many shots one step checks before giving the event loop back. */
const BATCH = 200

export interface MediaCheckProgress {
  checked: number
  total: number
  missing: number
  done: boolean
}

/**
 * The background check that every ready shot's clip is on disk (a restored database,
 * an unplugged drive): a shot whose file is gone is marked `media_missing` — shown
 * and filterable — and unmarked when it is back. It runs after the studio serves, in
 * batches, with the files stat'ed off the loop, so neither the size of the library nor
 * a slow disk delays startup or a stop.
 */
export async function checkMedia(
  store: LibraryStore,
  signal: AbortSignal,
  onProgress: (p: MediaCheckProgress) => void
): Promise<MediaCheckProgress> {
  const db = store.db
  const { total } = db.prepare("SELECT COUNT(*) AS total FROM shots WHERE status = 'ready'").get() as { total: number }
  const page = db.prepare(
    "SELECT id, channel_id, mp4_path, ts_path, media_missing FROM shots WHERE status = 'ready' AND id > ? ORDER BY id LIMIT ?"
  )
  const mark = db.prepare("UPDATE shots SET media_missing = ? WHERE id = ? AND status = 'ready'")
  const progress: MediaCheckProgress = { checked: 0, total, missing: 0, done: false }
  let after = 0
  for (;;) {
    if (signal.aborted) return progress
    const rows = page.all(after, BATCH) as Array<{
      id: number
      channel_id: number
      mp4_path: string | null
      ts_path: string | null
      media_missing: number
    }>
    if (rows.length === 0) break
    after = rows[rows.length - 1]!.id
    const found = await Promise.all(
      rows.map(async (r) => {
        for (const p of [r.mp4_path, r.ts_path]) {
          if (!p) continue
          const s = await stat(store.abs(p)).catch(() => null)
          if (!s || !s.isFile() || s.size === 0) return false
        }
        return r.mp4_path !== null
      })
    )
    if (signal.aborted) return progress
    const flips = rows.flatMap((r, i) => ((r.media_missing === 1) === !found[i] ? [] : [{ r, missing: !found[i] }]))
    if (flips.length > 0) {
      db.transaction(() => {
        for (const f of flips) mark.run(f.missing ? 1 : 0, f.r.id)
      }).immediate()
      for (const channelId of new Set(flips.map((f) => f.r.channel_id))) store.changed(channelId, 'shots')
    }
    progress.checked += rows.length
    progress.missing += found.filter((ok) => !ok).length
    onProgress({ ...progress })
    await yieldToLoop()
  }
  progress.done = true
  progress.total = Math.max(progress.checked, progress.total)
  onProgress({ ...progress })
  return progress
}
