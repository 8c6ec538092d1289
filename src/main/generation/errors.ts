/**
 * Failures of a generation step, sorted into the two kinds the queue acts on:
 * transient ones are retried with backoff, permanent ones fail the job at once
 * with a message that says what to do.
 */
export type FailureKind = 'transient' | 'permanent' | 'canceled'

export class GenerationError extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    /** A quota or rate limit said when to come back: the next try waits at least this long (not a blind retry). */
    readonly retryAfterMs?: number | undefined
  ) {
    super(message)
    this.name = 'GenerationError'
  }
}

export const transient = (message: string): GenerationError => new GenerationError('transient', message)
/** Out of quota or rate-limited for a while: retried only after the wait the service named (or a long default). */
export const quota = (message: string, retryAfterMs: number): GenerationError =>
  new GenerationError('transient', message, Math.max(1000, retryAfterMs))
export const permanent = (message: string): GenerationError => new GenerationError('permanent', message)

export function isAbort(err: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted) return true
  return (
    err instanceof Error && (err.name === 'AbortError' || (err instanceof GenerationError && err.kind === 'canceled'))
  )
}

/** Anything thrown that isn't a GenerationError: treat as transient (a bug or a hiccup), capped by max attempts. */
export function asGenerationError(err: unknown): GenerationError {
  if (err instanceof GenerationError) return err
  const message = err instanceof Error ? err.message : String(err)
  return transient(message)
}
