import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs'
import { basename, join } from 'node:path'
import type { MediaRefs, ShotRow } from './rows'
import type { LibraryStore } from './store'

/** A media file moved to the trash: its data-folder-relative path before and in the trash. */
export interface TrashMove {
  path: string
  trashed: string
}

/**
 * Media files no row refers to any more go to a dated trash folder (never deleted
 * outright), and the check that every ready row's files are there.
 */
export class MediaTrash {
  constructor(private readonly store: LibraryStore) {}

  /** Files of the given (just deleted) shot or take rows that no remaining shot or take refers to. Call inside the transaction. */
  unreferencedFiles(rows: MediaRefs[]): string[] {
    const files: string[] = []
    const mediaUsedStmt = this.store.db.prepare(
      'SELECT 1 FROM shots WHERE media_hash = @h UNION ALL SELECT 1 FROM takes WHERE media_hash = @h LIMIT 1'
    )
    const originalUsedStmt = this.store.db.prepare(
      'SELECT 1 FROM shots WHERE original_path = @p UNION ALL SELECT 1 FROM takes WHERE original_path = @p LIMIT 1'
    )
    const mediaUsed = { get: (h: string): unknown => mediaUsedStmt.get({ h }) }
    const originalUsed = { get: (p: string): unknown => originalUsedStmt.get({ p }) }
    const seen = new Set<string>()
    for (const r of rows) {
      if (r.media_hash && !seen.has(r.media_hash) && !mediaUsed.get(r.media_hash)) {
        seen.add(r.media_hash)
        for (const p of [r.mp4_path, r.ts_path, r.poster_path, r.strip_path]) if (p) files.push(p)
      }
      if (r.original_path && !seen.has(r.original_path) && !originalUsed.get(r.original_path)) {
        seen.add(r.original_path)
        files.push(r.original_path)
      }
    }
    return files
  }

  moveToTrash(relPaths: string[]): number {
    return this.moveToTrashNoting(relPaths).length
  }

  /** Like moveToTrash, and says where each file went (so an undo can bring it back). */
  moveToTrashNoting(relPaths: string[]): TrashMove[] {
    if (relPaths.length === 0) return []
    const stamp = new Date().toISOString().replace(/[:.]/g, '-')
    const dir = join(this.store.dataDir, 'trash', stamp)
    mkdirSync(dir, { recursive: true })
    const moved: TrashMove[] = []
    for (const p of relPaths) {
      const from = this.store.abs(p)
      if (!existsSync(from)) continue
      const to = join(dir, basename(from))
      try {
        renameSync(from, to)
        moved.push({ path: p, trashed: this.store.relPath(to) })
      } catch {
        /* another process trashed it first */
      }
    }
    return moved
  }

  /** For diagnostics: size of every media file a ready row names, missing ones listed. */
  missingMedia(): Array<{ shotId: number; path: string }> {
    const rows = this.store.db
      .prepare("SELECT id, mp4_path, ts_path, poster_path, strip_path FROM shots WHERE status = 'ready'")
      .all() as Array<Pick<ShotRow, 'id' | 'mp4_path' | 'ts_path' | 'poster_path' | 'strip_path'>>
    const missing: Array<{ shotId: number; path: string }> = []
    for (const r of rows) {
      for (const p of [r.mp4_path, r.ts_path, r.poster_path, r.strip_path]) {
        if (!p || !existsSync(this.store.abs(p)) || statSync(this.store.abs(p)).size === 0)
          missing.push({ shotId: r.id, path: p ?? '(none)' })
      }
    }
    return missing
  }
}
