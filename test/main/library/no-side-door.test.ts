import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * The library's tables are read and written only through the library's methods:
 * SQL outside src/main/library/ (and the migrations in src/main/db/) must not name
 * them. Features keep their own tables in the same file (generation's jobs and
 * sequences, the as-run log) through `Library.featureDatabase`.
 */
const repoRoot = join(__dirname, '..', '..', '..')
const LIBRARY_TABLES = ['channels', 'shots', 'shots_fts', 'takes', 'playlist_items', 'settings', 'edit_history']
// SQL keywords in capitals (as every statement in the studio writes them) before a library table.
const SQL_ON_LIBRARY_TABLE = new RegExp(`\\b(?:FROM|INTO|UPDATE|JOIN|TABLE)\\s+(?:${LIBRARY_TABLES.join('|')})\\b`, 'g')
const OWNERS = ['src/main/library/', 'src/main/db/']
// A feature's migrations may add columns to library tables (the show's sound on shots and takes).
const isMigration = (path: string): boolean => path.endsWith('/schema.ts')
// Known debt, listed so it can't grow unseen (none left: the gate asks the library for chosen takes).
const KNOWN: string[] = []

function sources(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...sources(path))
    else if (/\.(ts|tsx)$/.test(entry.name)) out.push(path)
  }
  return out
}

function sideDoors(files: ReadonlyArray<{ path: string; source: string }>): string[] {
  const found: string[] = []
  for (const { path, source } of files) {
    if (OWNERS.some((o) => path.startsWith(o)) || isMigration(path) || KNOWN.includes(path)) continue
    for (const m of source.matchAll(SQL_ON_LIBRARY_TABLE)) found.push(`${path}: ${m[0]}`)
  }
  return found
}

describe('the library has no side door', () => {
  it('no SQL outside library/ names a library table', () => {
    const files = sources(join(repoRoot, 'src')).map((file) => ({
      path: relative(repoRoot, file).split(sep).join('/'),
      source: readFileSync(file, 'utf8')
    }))
    expect(files.length).toBeGreaterThan(100)
    expect(sideDoors(files)).toEqual([])
  })

  it('catches SQL on a library table (the scan can fail), not prose or a feature’s own table', () => {
    const at = 'src/main/onair/x.ts'
    expect(sideDoors([{ path: at, source: `db.prepare('SELECT id, name FROM channels')` }])).toHaveLength(1)
    expect(sideDoors([{ path: at, source: "db.prepare('DELETE FROM settings WHERE key = ?')" }])).toHaveLength(1)
    expect(sideDoors([{ path: at, source: 'x JOIN playlist_items p ON p.shot_id = s.id' }])).toHaveLength(1)
    expect(sideDoors([{ path: at, source: `db.prepare('SELECT * FROM jobs WHERE id = ?')` }])).toEqual([])
    expect(sideDoors([{ path: at, source: '// read from settings, then the channels' }])).toEqual([])
    expect(sideDoors([{ path: 'src/main/library/shots.ts', source: 'SELECT 1 FROM shots' }])).toEqual([])
  })
})
