/**
 * The studio's one backoff formula: the n-th retry (0-based) waits
 * initialMs × factor^n plus up to `jitter` of that at random, capped at maxMs.
 * Used by destination reconnects and playout restarts (the Backoff class below)
 * and by generation job retries (generation/workers.ts).
 */
export function backoffDelay(
  options: Pick<BackoffOptions, 'initialMs' | 'factor' | 'jitter' | 'maxMs'>,
  retry: number,
  random: () => number = Math.random
): number {
  const { initialMs, factor, jitter, maxMs } = options
  return Math.round(Math.min(maxMs, initialMs * Math.pow(factor, Math.max(0, retry)) * (1 + jitter * random())))
}

/**
 * Reconnect policy for destinations, after OBS adapted for unattended air:
 * 2 s, then ×1.5 with up to 5 % jitter, capped at 60 s, unlimited attempts;
 * the count resets once a connection has stayed up for a stable period.
 */
export interface BackoffOptions {
  initialMs: number
  factor: number
  /** Fraction of the delay added at random (0.05 = up to +5 %). */
  jitter: number
  maxMs: number
  /** A connection that stayed up this long counts as healthy and resets the attempts. */
  stableMs: number
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  initialMs: 2000,
  factor: 1.5,
  jitter: 0.05,
  maxMs: 60_000,
  stableMs: 60_000
}

export class Backoff {
  private attempt = 0
  constructor(
    readonly options: BackoffOptions = DEFAULT_BACKOFF,
    private readonly random: () => number = Math.random
  ) {}

  /** Attempts made since the last reset (1 for the first retry). */
  get attempts(): number {
    return this.attempt
  }

  /** Delay before the next attempt; advances the attempt counter. */
  next(): { attempt: number; delayMs: number } {
    const delayMs = backoffDelay(this.options, this.attempt, this.random)
    this.attempt += 1
    return { attempt: this.attempt, delayMs }
  }

  /** Call when a connection ends; resets the count if it had been up for the stable period. */
  connectionEnded(upMs: number): void {
    if (upMs >= this.options.stableMs) this.attempt = 0
  }

  reset(): void {
    this.attempt = 0
  }
}
