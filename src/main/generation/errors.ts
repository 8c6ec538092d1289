/**
 * Failures of a generation step, sorted into the two kinds the queue acts on:
 * transient ones are retried with backoff, permanent ones fail the job at once
 * with a message that says what to do.
 */
export type FailureKind = 'transient' | 'permanent' | 'canceled'

export class GenerationError extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string
  ) {
    super(message)
    this.name = 'GenerationError'
  }
}

export const transient = (message: string): GenerationError => new GenerationError('transient', message)
export const permanent = (message: string): GenerationError => new GenerationError('permanent', message)

export function isAbort(err: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted) return true
  return err instanceof Error && (err.name === 'AbortError' || (err instanceof GenerationError && err.kind === 'canceled'))
}

/** Anything thrown that isn't a GenerationError: treat as transient (a bug or a hiccup), capped by max attempts. */
export function asGenerationError(err: unknown): GenerationError {
  if (err instanceof GenerationError) return err
  const message = err instanceof Error ? err.message : String(err)
  return transient(message)
}
