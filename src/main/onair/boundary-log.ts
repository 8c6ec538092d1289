import type { OnAirLogger } from './redact-log'
import { RefusalLog } from './refusal-log'

/**
 * How early the feeder handed each clip to the playout encoder. The encoder reads
 * at the clips' own pace (`-re`), so the wall-clock moment a boundary is needed is
 * known: the pace's anchor (when media time 0 of this encoder run was due) plus the
 * clip's start in media time. Lead = that moment − when the clip's first byte was
 * written; negative is lateness: the encoder ran dry and viewers froze for about
 * that long (less whatever the pipe still held).
 *
 * A 24/7 channel crosses thousands of boundaries a day, so each one is not a line:
 * a late boundary is logged as it happens (10 a minute at most, then a count), and
 * every 10 minutes one line sums up the boundaries, the smallest lead and the worst
 * lateness. The numbers are also in the playout's stats.
 */
export interface BoundaryStats {
  boundaries: number
  lateBoundaries: number
  /** Worst lateness since the playout started, ms (0 when none was late). */
  worstLateMs: number
  /** Lead of the last boundary, ms (negative = late); null before the first. */
  lastLeadMs: number | null
  /** Smallest lead since the playout started, ms; null before the first. */
  minLeadMs: number | null
}

const SUMMARY_EVERY_MS = 10 * 60_000

export class BoundaryLog {
  private readonly late: RefusalLog
  private totals: BoundaryStats = {
    boundaries: 0,
    lateBoundaries: 0,
    worstLateMs: 0,
    lastLeadMs: null,
    minLeadMs: null
  }
  private window = { n: 0, late: 0, minLead: Infinity, worstLate: 0, sumLead: 0, since: 0 }

  constructor(
    private readonly stream: string,
    private readonly log: OnAirLogger,
    private readonly now: () => number = Date.now,
    private readonly summaryEveryMs = SUMMARY_EVERY_MS
  ) {
    this.late = new RefusalLog({ burst: 10, write: (line) => log('warn', line), now })
    this.window.since = now()
  }

  get stats(): BoundaryStats {
    return { ...this.totals }
  }

  record(leadMs: number, label: string): void {
    const lead = Math.round(leadMs)
    const t = this.totals
    t.boundaries += 1
    t.lastLeadMs = lead
    t.minLeadMs = t.minLeadMs === null ? lead : Math.min(t.minLeadMs, lead)
    const w = this.window
    w.n += 1
    w.sumLead += lead
    w.minLead = Math.min(w.minLead, lead)
    if (lead < 0) {
      t.lateBoundaries += 1
      t.worstLateMs = Math.max(t.worstLateMs, -lead)
      w.late += 1
      w.worstLate = Math.max(w.worstLate, -lead)
      this.late.refused(
        'late clip boundaries',
        `[${this.stream}] clip boundary late by ${-lead} ms: "${label}" reached the encoder after it was due (the machine is busy?)`
      )
    } else {
      this.log('debug', `[${this.stream}] clip boundary "${label}": lead ${lead} ms`)
    }
    if (this.now() - w.since >= this.summaryEveryMs) this.summary()
  }

  /** Writes the summary of the boundaries since the last one. */
  summary(): void {
    const w = this.window
    const minutes = Math.max(1, Math.round((this.now() - w.since) / 60_000))
    if (w.n > 0) {
      const mean = Math.round(w.sumLead / w.n)
      this.log(
        w.late ? 'warn' : 'info',
        `[${this.stream}] ${w.n} clip boundaries in the last ${minutes} min: ` +
          (w.late ? `${w.late} late (worst ${w.worstLate} ms)` : 'all on time') +
          `; lead min ${w.minLead} ms, mean ${mean} ms`
      )
    }
    this.window = { n: 0, late: 0, minLead: Infinity, worstLate: 0, sumLead: 0, since: this.now() }
  }

  close(): void {
    this.late.close()
    this.summary()
  }
}
