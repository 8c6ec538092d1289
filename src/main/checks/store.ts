/** The gate's rows in SQLite: results per take, the gate's log, per-channel policy. */
import type Database from 'better-sqlite3'
import type { CheckResult, Verdict } from './types'

export interface StoredCheck extends CheckResult {
  takeId: number
  checkedAt: number
}

interface CheckRowDb {
  take_id: number
  check_name: string
  verdict: Verdict
  score: number
  frames_json: string
  reason: string
  checked_at: number
}

export type GateLogKind = 'checked' | 'failed' | 'regenerated' | 'held' | 'chosen' | 'refused'

export class CheckStore {
  constructor(private readonly db: Database.Database) {}

  /** Replace a take's results (a re-check overwrites the earlier verdicts). */
  save(takeId: number, results: CheckResult[], now = Date.now()): void {
    const del = this.db.prepare('DELETE FROM take_checks WHERE take_id = ?')
    const ins = this.db.prepare(
      `INSERT INTO take_checks (take_id, check_name, verdict, score, frames_json, reason, checked_at) VALUES (?, ?, ?, ?, ?, ?, ?)`
    )
    this.db.transaction(() => {
      del.run(takeId)
      for (const r of results) ins.run(takeId, r.check, r.verdict, r.score, JSON.stringify(r.frames), r.reason, now)
    })()
  }

  forTake(takeId: number): StoredCheck[] {
    return (
      this.db.prepare('SELECT * FROM take_checks WHERE take_id = ? ORDER BY rowid').all(takeId) as CheckRowDb[]
    ).map((r) => ({
      takeId: r.take_id,
      check: r.check_name,
      verdict: r.verdict,
      score: r.score,
      frames: JSON.parse(r.frames_json) as number[],
      reason: r.reason,
      checkedAt: r.checked_at
    }))
  }

  /** Shots of a channel whose chosen take has `check` with `verdict` (the library's filter by check). */
  shotsWith(channelId: number, check: string, verdict: Verdict): number[] {
    return (
      this.db
        .prepare(
          `SELECT s.id FROM shots s JOIN takes t ON t.shot_id = s.id AND t.chosen = 1
           JOIN take_checks c ON c.take_id = t.id WHERE s.channel_id = ? AND c.check_name = ? AND c.verdict = ? ORDER BY s.id`
        )
        .all(channelId, check, verdict) as Array<{ id: number }>
    ).map((r) => r.id)
  }

  log(
    channelId: number,
    kind: GateLogKind,
    ids: { shotId?: number | null; takeId?: number | null },
    reason = ''
  ): void {
    this.db
      .prepare('INSERT INTO gate_log (channel_id, shot_id, take_id, kind, reason, at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(channelId, ids.shotId ?? null, ids.takeId ?? null, kind, reason, Date.now())
  }

  /** How many `kind` events a channel had since `since` (ms). */
  count(channelId: number, kind: GateLogKind, since = 0): number {
    return (
      this.db
        .prepare('SELECT COUNT(*) AS n FROM gate_log WHERE channel_id = ? AND kind = ? AND at >= ?')
        .get(channelId, kind, since) as {
        n: number
      }
    ).n
  }

  /** Regenerations the gate already asked for this shot. */
  triesOf(shotId: number): number {
    return (
      this.db.prepare("SELECT COUNT(*) AS n FROM gate_log WHERE shot_id = ? AND kind = 'regenerated'").get(shotId) as {
        n: number
      }
    ).n
  }

  /** Totals for the metrics: per kind, and failures per check name (the log's reason holds the check names). */
  totals(): { byKind: Record<string, number>; failedBy: Record<string, number> } {
    const byKind: Record<string, number> = {}
    for (const r of this.db.prepare('SELECT kind, COUNT(*) AS n FROM gate_log GROUP BY kind').all() as Array<{
      kind: string
      n: number
    }>)
      byKind[r.kind] = r.n
    const failedBy: Record<string, number> = {}
    for (const r of this.db
      .prepare("SELECT check_name, COUNT(*) AS n FROM take_checks WHERE verdict = 'fail' GROUP BY check_name")
      .all() as Array<{ check_name: string; n: number }>)
      failedBy[r.check_name] = r.n
    return { byKind, failedBy }
  }
}
