/** One numbered migration of the studio database. */
export interface Migration {
  version: number
  name: string
  sql: string
  /**
   * Rebuilds a table others reference (SQLite's 12-step ALTER): foreign keys are
   * switched off around the transaction — a DROP TABLE with them on would cascade
   * into every referencing row — and `PRAGMA foreign_key_check` must come back
   * empty before it commits.
   */
  rebuildsReferencedTable?: boolean
  /**
   * Said on stderr before the step runs on an existing database, and how long it took after: a step that
   * takes seconds at scale (a rebuilt index) must not look like a hung start.
   */
  notice?: string
}

/** One owner's part of a numbered migration (library/schema.ts, generation/schema.ts…). */
export type SchemaStep = Migration
