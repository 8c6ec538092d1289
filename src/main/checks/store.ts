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

/** What the store asks the library (library/takes.ts): which take each shot airs. */
export interface TakeIndex {
  chosenTakeIds(shotIds: number[]): Array<number | null>
  shotsChoosing(channelId: number, takeIds: number[]): number[]
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

  /**
   * The channel's last `limit` checked takes, newest first, with the deciding checks each
   * failed (empty: it passed) — what the runway notice reports as "N of the last M failed".
   */
  recentTakes(channelId: number, limit: number): Array<{ takeId: number | null; failed: string[] }> {
    return (
      this.db
        .prepare(
          `SELECT c.take_id, f.reason FROM gate_log c
           LEFT JOIN gate_log f ON f.kind = 'failed' AND f.channel_id = c.channel_id AND f.take_id = c.take_id
           WHERE c.channel_id = ? AND c.kind = 'checked' ORDER BY c.id DESC LIMIT ?`
        )
        .all(channelId, limit) as Array<{ take_id: number | null; reason: string | null }>
    ).map((r) => ({ takeId: r.take_id, failed: (r.reason ?? '').split(',').filter(Boolean) }))
  }

  /** Regenerations the gate already asked for this shot. */
  triesOf(shotId: number): number {
    return (
      this.db.prepare("SELECT COUNT(*) AS n FROM gate_log WHERE shot_id = ? AND kind = 'regenerated'").get(shotId) as {
        n: number
      }
    ).n
  }

  /**
   * Totals for the metrics, per channel: events per kind, and failures per check name
   * (from the log, whose `failed` rows name the deciding checks, so the counts survive
   * deleted takes and only ever grow, as Prometheus counters must).
   */
  totals(): Map<number, { byKind: Record<string, number>; failedBy: Record<string, number> }> {
    const out = new Map<number, { byKind: Record<string, number>; failedBy: Record<string, number> }>()
    const of = (channelId: number) => {
      let t = out.get(channelId)
      if (!t) out.set(channelId, (t = { byKind: {}, failedBy: {} }))
      return t
    }
    for (const r of this.db
      .prepare('SELECT channel_id, kind, COUNT(*) AS n FROM gate_log GROUP BY channel_id, kind')
      .all() as Array<{ channel_id: number; kind: string; n: number }>)
      of(r.channel_id).byKind[r.kind] = r.n
    for (const r of this.db
      .prepare(
        "SELECT channel_id, reason, COUNT(*) AS n FROM gate_log WHERE kind = 'failed' GROUP BY channel_id, reason"
      )
      .all() as Array<{ channel_id: number; reason: string; n: number }>) {
      const t = of(r.channel_id)
      for (const check of r.reason.split(',').filter(Boolean)) t.failedBy[check] = (t.failedBy[check] ?? 0) + r.n
    }
    return out
  }

  /** Each shot's chosen take (the library says which) and that take's results (none when never checked). */
  chosenChecks(
    lib: TakeIndex,
    shotIds: number[]
  ): Array<{ shotId: number; takeId: number | null; checks: StoredCheck[] }> {
    const chosen = lib.chosenTakeIds(shotIds)
    return shotIds.map((shotId, i) => {
      const takeId = chosen[i] ?? null
      return { shotId, takeId, checks: takeId === null ? [] : this.forTake(takeId) }
    })
  }

  /** Shots of a channel whose chosen take failed `check` (any check when absent), newest first. */
  shotsFailing(lib: TakeIndex, channelId: number, check?: string): number[] {
    const failed = (
      this.db
        .prepare(`SELECT DISTINCT take_id FROM take_checks WHERE verdict = 'fail' AND (? IS NULL OR check_name = ?)`)
        .all(check ?? null, check ?? null) as Array<{ take_id: number }>
    ).map((r) => r.take_id)
    return lib.shotsChoosing(channelId, failed)
  }
}
