import { checksSchema } from '../checks/schema'
import { generationSchema } from '../generation/schema'
import { librarySchema } from '../library/schema'
import { showSchema } from '../show/schema'
import type { Migration, SchemaStep } from './schema-step'

/**
 * The studio database's numbered migrations, applied in order at open. PRAGMA
 * user_version holds how many have run. Each feature owns the steps for its own
 * tables (library/schema.ts, generation/schema.ts); steps of the same version run
 * together, in the order of `owners` below, as one migration. Append new versions
 * at the END; never edit or renumber a committed one (databases in the field have
 * already run it).
 */
export type { Migration, SchemaStep }

/** In dependency order: a table's references point at tables of owners listed before it. */
const owners: SchemaStep[][] = [librarySchema, generationSchema, showSchema, checksSchema]

export function composeMigrations(parts: SchemaStep[][]): Migration[] {
  const byVersion = new Map<number, SchemaStep[]>()
  for (const part of parts)
    for (const step of part) byVersion.set(step.version, [...(byVersion.get(step.version) ?? []), step])
  const versions = [...byVersion.keys()].sort((a, b) => a - b)
  versions.forEach((v, i) => {
    if (v !== i + 1)
      throw new Error(`Schema migrations must be numbered 1, 2, 3… without gaps; found ${v} at place ${i + 1}.`)
  })
  return versions.map((version) => {
    const steps = byVersion.get(version)!
    const rebuild = steps.some((s) => s.rebuildsReferencedTable)
    const notices = steps.flatMap((s) => (s.notice ? [s.notice] : []))
    return {
      version,
      name: steps.map((s) => s.name).join('; '),
      sql: steps.map((s) => s.sql).join('\n'),
      ...(rebuild ? { rebuildsReferencedTable: true } : {}),
      ...(notices.length > 0 ? { notice: notices.join('; ') } : {})
    }
  })
}

export const migrations: Migration[] = composeMigrations(owners)
