/**
 * setTimeout takes at most 2^31-1 ms (24.8 days); a longer delay fires after 1 ms.
 * A 24/7 channel told to air for a month or a year waits in steps instead, checking
 * the wall-clock deadline each time (so a suspended machine also ends on time).
 */
export const MAX_TIMER_MS = 2 ** 31 - 1
/** The longest --duration we take: 100 years. Anything longer is "until stopped" (0). */
export const MAX_DURATION_SECONDS = 100 * 366 * 24 * 3600

/** Resolves at `deadline` (ms since the epoch) or when `signal` aborts, whichever first. */
export function sleepUntil(deadline: number, signal?: AbortSignal, now: () => number = Date.now): Promise<void> {
  return new Promise((resolve) => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const done = (): void => {
      if (timer) clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    if (signal?.aborted) return resolve()
    signal?.addEventListener('abort', done, { once: true })
    const step = (): void => {
      const left = deadline - now()
      if (left <= 0) return done()
      timer = setTimeout(step, Math.min(left, MAX_TIMER_MS))
      timer.unref?.()
    }
    step()
  })
}
