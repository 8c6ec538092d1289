import { create } from 'zustand'

export interface Notice {
  id: number
  level: 'info' | 'warning' | 'error'
  message: string
  at: number
}

interface NoticesState {
  notices: Notice[]
  push(level: Notice['level'], message: string): void
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
  },
  dismiss(id) {
    set((s) => ({ notices: s.notices.filter((n) => n.id !== id) }))
  }
}))
