/** One numbered migration of the studio database. */
export interface Migration {
  version: number
  name: string
  sql: string
}

/** One owner's part of a numbered migration (library/schema.ts, generation/schema.ts…). */
export type SchemaStep = Migration
