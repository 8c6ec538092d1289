import Database from 'better-sqlite3'
import { migrations as defaultMigrations, type Migration } from './migrations'

export type Db = Database.Database

export class SchemaTooNewError extends Error {
  constructor(
    readonly file: string,
    readonly found: number,
    readonly known: number
  ) {
    super(
      `The library ${file} was written by a newer WebTV Studio (schema ${found}; this version knows up to ${known}). ` +
        `Nothing was changed. Update WebTV Studio, or open another data folder with --data-dir.`
    )
    this.name = 'SchemaTooNewError'
  }
}

/**
 * Open (creating if needed) the studio database (library.db): WAL so readers in other
 * processes never block the writer, a busy timeout so concurrent writers wait
 * instead of failing, foreign keys on, migrations applied in one transaction each.
 * A database from a newer version is refused before anything is written.
 */
export function openDatabase(file: string, list: Migration[] = defaultMigrations): Db {
  const db = new Database(file)
  try {
    db.pragma('busy_timeout = 10000')
    const found = db.pragma('user_version', { simple: true }) as number
    const known = list.length === 0 ? 0 : list[list.length - 1]!.version
    if (found > known) throw new SchemaTooNewError(file, found, known)
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.pragma('foreign_keys = ON')
    // Deleted rows are zeroed, not left in free pages: a deleted channel's settings (ComfyUI servers, gateway
    // hosts) must not stay readable in library.db (issue 19).
    db.pragma('secure_delete = ON')
    for (const m of list) {
      if (m.version <= found) continue
      // PRAGMA foreign_keys is a no-op inside a transaction: switched off before it (see SchemaStep).
      if (m.rebuildsReferencedTable) db.pragma('foreign_keys = OFF')
      // A fresh database has nothing to rebuild: only an upgrade says so.
      const announce = m.notice !== undefined && found > 0
      const started = Date.now()
      if (announce) process.stderr.write(`Upgrading ${file} to schema ${m.version}: ${m.notice}…\n`)
      try {
        // IMMEDIATE: two processes opening a fresh folder at once must not both migrate.
        db.transaction(() => {
          const now = db.pragma('user_version', { simple: true }) as number
          if (now >= m.version) return
          db.exec(m.sql)
          if (m.rebuildsReferencedTable) {
            const broken = db.pragma('foreign_key_check') as unknown[]
            if (broken.length > 0)
              throw new Error(
                `Migration ${m.version} (${m.name}) would leave ${broken.length} rows pointing at nothing; nothing was changed.`
              )
          }
          db.pragma(`user_version = ${m.version}`)
        }).immediate()
      } finally {
        if (m.rebuildsReferencedTable) db.pragma('foreign_keys = ON')
      }
      if (announce)
        process.stderr.write(
          `Upgraded ${file} to schema ${m.version} in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`
        )
    }
    return db
  } catch (err) {
    db.close()
    throw err
  }
}
