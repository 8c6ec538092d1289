import { create } from 'zustand'
import { errorMessage } from '../api/bridge'

export interface Notice {
  id: number
  level: 'info' | 'warning' | 'error'
  message: string
  at: number
}

interface NoticesState {
  notices: Notice[]
  /** Returns the notice's id (to dismiss it when its cause is over). */
  push(level: Notice['level'], message: string): number
  dismiss(id: number): void
}

let nextId = 1

/** Messages for the user: refused edits, failed calls, the core's app.notice events. */
export const useNotices = create<NoticesState>((set) => ({
  notices: [],
  push(level, message) {
    const n: Notice = { id: nextId++, level, message, at: Date.now() }
    // Keep the five most recent so a burst of failures can't cover the studio.
    set((s) => ({ notices: [...s.notices, n].slice(-5) }))
    if (level !== 'error') setTimeout(() => useNotices.getState().dismiss(n.id), 8000)
    return n.id
  },
  dismiss(id) {
    set((s) => ({ notices: s.notices.filter((n) => n.id !== id) }))
  }
}))

/**
 * How a store reports a call that failed, everywhere alike: "What failed: why",
 * plus the input field the core named, as an error notice that stays until dismissed.
 */
export function notifyFailure(what: string, err: unknown): void {
  const field = err && typeof err === 'object' && 'field' in err ? (err as { field: unknown }).field : undefined
  useNotices
    .getState()
    .push('error', `${what}: ${errorMessage(err)}${typeof field === 'string' && field ? ` (field: ${field})` : ''}`)
}

/**
 * A store action's call to the core, reported alike everywhere: run it; if it fails,
 * say so with notifyFailure and answer false (a form keeps what the user typed).
 * True when it went through.
 */
export async function attempt(what: string, call: () => Promise<unknown>): Promise<boolean> {
  try {
    await call()
    return true
  } catch (err) {
    notifyFailure(what, err)
    return false
  }
}
