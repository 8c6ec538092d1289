import type { NotificationKind, StudioNotification } from '../../shared/contract/notifications'

/** At most one notification per cause in this window. */
export const NOTIFY_WINDOW_MS = 60_000

export interface Cause {
  kind: NotificationKind
  channelId: number
  /** The destination id or job id the cause is about; null for the channel itself. */
  subject: string | number | null
}

/** One cause, one key: the same kind on another channel, destination or job is another cause. */
export function causeKey(c: Cause): string {
  return `${c.kind}:${c.channelId}:${c.subject ?? '-'}`
}

export interface LimiterClock {
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

const realClock: LimiterClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms)
    t.unref?.()
    return t
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout)
}

interface CauseState {
  lastSentAt: number | null
  /** A notice for this cause is showing (raised, not cleared since). */
  showing: boolean
  /** A raise that came inside the window: sent when the window ends if the cause is still on. */
  pending: StudioNotification | null
  timer: unknown
}

/**
 * One notification per cause per minute. A raise inside the window is held, not
 * lost: if the cause is still on when the minute ends (the destination dropped again
 * and stayed down), it is sent then; if the cause cleared meanwhile, it is dropped.
 * A clear is never limited, and only sent for a notice that is showing.
 */
export class NotificationLimiter {
  private readonly causes = new Map<string, CauseState>()

  constructor(
    private readonly emit: (n: StudioNotification) => void,
    private readonly windowMs = NOTIFY_WINDOW_MS,
    private readonly clock: LimiterClock = realClock
  ) {}

  private stateOf(cause: string): CauseState {
    let s = this.causes.get(cause)
    if (!s) {
      s = { lastSentAt: null, showing: false, pending: null, timer: null }
      this.causes.set(cause, s)
    }
    return s
  }

  /** Returns whether it was sent now or held for the end of the window. */
  raise(n: StudioNotification): 'sent' | 'held' {
    const s = this.stateOf(n.cause)
    const now = this.clock.now()
    if (s.lastSentAt === null || now - s.lastSentAt >= this.windowMs) {
      this.send(s, n)
      return 'sent'
    }
    s.pending = n
    if (s.timer === null) {
      s.timer = this.clock.setTimeout(
        () => {
          s.timer = null
          const p = s.pending
          s.pending = null
          if (p) this.send(s, { ...p, at: this.clock.now() })
        },
        s.lastSentAt + this.windowMs - now
      )
    }
    return 'held'
  }

  /** The cause is over (the destination is back): drop a held raise, clear a showing notice. */
  clear(n: StudioNotification): boolean {
    const s = this.causes.get(n.cause)
    if (!s) return false
    s.pending = null
    if (s.timer !== null) {
      this.clock.clearTimeout(s.timer)
      s.timer = null
    }
    if (!s.showing) return false
    s.showing = false
    this.emit({ ...n, action: 'clear' })
    return true
  }

  isShowing(cause: string): boolean {
    return this.causes.get(cause)?.showing ?? false
  }

  close(): void {
    for (const s of this.causes.values()) if (s.timer !== null) this.clock.clearTimeout(s.timer)
    this.causes.clear()
  }

  private send(s: CauseState, n: StudioNotification): void {
    s.lastSentAt = this.clock.now()
    s.showing = true
    this.emit({ ...n, action: 'raise' })
  }
}
