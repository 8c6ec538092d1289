/**
 * Bounded logging of refusals (publishes, plays, connections nobody asked for).
 * Anyone who can reach a port can cause a refusal, so one line per refusal would
 * let a stranger fill the disk and the in-memory log: the first few in each
 * window are logged as they happen, the rest are counted and summed up in one
 * line when the window closes.
 */
export interface RefusalLogOptions {
  /** Lines written as they happen in each window. */
  burst?: number
  windowMs?: number
  write: (line: string) => void
  now?: () => number
}

export class RefusalLog {
  private readonly burst: number
  private readonly windowMs: number
  private readonly now: () => number
  private windowStart = 0
  private inWindow = 0
  private suppressed = 0
  private readonly reasons = new Map<string, number>()
  private flushTimer: NodeJS.Timeout | null = null
  /** Every refusal ever counted (tests, stats). */
  total = 0

  constructor(private readonly opts: RefusalLogOptions) {
    this.burst = opts.burst ?? 5
    this.windowMs = opts.windowMs ?? 60_000
    this.now = opts.now ?? Date.now
  }

  refused(reason: string, line: string): void {
    this.total += 1
    const t = this.now()
    if (t - this.windowStart >= this.windowMs) this.rollWindow(t)
    if (this.inWindow < this.burst) {
      this.inWindow += 1
      this.opts.write(line)
      return
    }
    this.suppressed += 1
    // A fixed, small set of reason keys: the map cannot grow with what clients send.
    this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + 1)
    if (!this.flushTimer) {
      this.flushTimer = setTimeout(
        () => {
          this.flushTimer = null
          this.rollWindow(this.now())
        },
        Math.max(1, this.windowStart + this.windowMs - t)
      )
      this.flushTimer.unref?.()
    }
  }

  private rollWindow(t: number): void {
    if (this.suppressed > 0) {
      const by = [...this.reasons.entries()].map(([r, n]) => `${n} ${r}`).join(', ')
      this.opts.write(
        `${this.suppressed} more refused in the last ${Math.round(this.windowMs / 1000)} s (${by}); not logged one by one`
      )
    }
    this.suppressed = 0
    this.reasons.clear()
    this.inWindow = 0
    this.windowStart = t
  }

  close(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer)
    this.flushTimer = null
    this.rollWindow(this.now())
  }
}
