import { create } from 'zustand'
import { notificationSchema } from '../../../shared/contract/notifications'
import { getClient } from '../api/bridge'
import { useNotices } from './notices'

export type SystemPermission = 'default' | 'granted' | 'denied' | 'unsupported'

const PROMPT_KEY = 'webtv.notifications.prompt'

/**
 * The browser's own notifications, on `webtv serve` only: the desktop app shows the
 * OS notification from main (src/main/desktop/notifications.ts), so a window there
 * never adds a second one.
 */
function browserNotifications(): typeof Notification | null {
  if (getClient().bridge.shell !== 'headless') return null
  return typeof window !== 'undefined' && 'Notification' in window ? window.Notification : null
}

function currentPermission(): SystemPermission {
  const N = browserNotifications()
  return N ? N.permission : 'unsupported'
}

function promptDismissed(): boolean {
  try {
    return localStorage.getItem(PROMPT_KEY) === 'dismissed'
  } catch {
    return false
  }
}

interface NotificationsState {
  permission: SystemPermission
  promptDismissed: boolean
  /** Ask the browser (must run from a click: browsers ignore a request without a user gesture). */
  requestPermission(): Promise<void>
  dismissPrompt(): void
  refresh(): void
}

export const useNotifications = create<NotificationsState>((set) => ({
  permission: 'unsupported',
  promptDismissed: false,
  async requestPermission() {
    const N = browserNotifications()
    if (!N) return
    const answer = await N.requestPermission()
    set({ permission: answer })
  },
  dismissPrompt() {
    try {
      localStorage.setItem(PROMPT_KEY, 'dismissed')
    } catch {
      /* private mode: the prompt comes back next time, nothing worse */
    }
    set({ promptDismissed: true })
  },
  refresh() {
    set({ permission: currentPermission(), promptDismissed: promptDismissed() })
  }
}))

/** Notice ids and browser notifications by cause, so a clear removes the right ones. */
const noticeByCause = new Map<string, number>()
const systemByCause = new Map<string, Notification>()

/**
 * One `notifications.notification` from main (already limited to one per cause per
 * minute there): an in-app notice, and a browser notification where allowed; a clear
 * removes both.
 */
export function onNotification(payload: unknown): void {
  const parsed = notificationSchema.safeParse(payload)
  if (!parsed.success) return
  const n = parsed.data
  const notices = useNotices.getState()
  const old = noticeByCause.get(n.cause)
  if (old !== undefined) notices.dismiss(old)
  noticeByCause.delete(n.cause)
  systemByCause.get(n.cause)?.close()
  systemByCause.delete(n.cause)
  if (n.action === 'clear') return
  noticeByCause.set(n.cause, notices.push(n.level, n.body ? `${n.title}: ${n.body}` : n.title))
  const N = browserNotifications()
  if (!N || N.permission !== 'granted') return
  try {
    const note = new N(n.title, { body: n.body, tag: n.cause })
    note.onclick = () => {
      window.focus()
      note.close()
    }
    systemByCause.set(n.cause, note)
  } catch {
    /* Some browsers only allow notifications from a service worker: the in-app notice stands. */
  }
}
