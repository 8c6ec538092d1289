import { Notification, type BrowserWindow } from 'electron'
import type { EventBus } from '../core/events'
import { notificationSchema, type StudioNotification } from '../../shared/contract/notifications'

/**
 * The desktop edge of the notifier: each `notifications.notification` the core
 * raises becomes an OS notification (Electron's Notification, from main, so it shows
 * even when the window is hidden); a click brings the studio window to the front; a
 * clear closes the one still showing for that cause. Rate limiting happened in main
 * already (src/main/notifications): this only shows what it is told.
 */
export function showDesktopNotifications(bus: EventBus, getWindow: () => BrowserWindow | undefined): () => void {
  if (!Notification.isSupported()) return () => undefined
  // Held until closed or replaced: a notification that is garbage-collected loses its click handler.
  const showing = new Map<string, Notification>()
  const off = bus.on('notifications.notification', (payload) => {
    const parsed = notificationSchema.safeParse(payload)
    if (!parsed.success) return
    const n: StudioNotification = parsed.data
    showing.get(n.cause)?.close()
    showing.delete(n.cause)
    if (n.action === 'clear') return
    const note = new Notification({
      title: n.title,
      body: n.body,
      // Linux: an error (a stream that dropped) stays until the operator sees it.
      urgency: n.level === 'error' ? 'critical' : 'normal'
    })
    note.on('click', () => focusWindow(getWindow()))
    note.on('close', () => {
      if (showing.get(n.cause) === note) showing.delete(n.cause)
    })
    showing.set(n.cause, note)
    note.show()
  })
  return () => {
    off()
    for (const note of showing.values()) note.close()
    showing.clear()
  }
}

function focusWindow(win: BrowserWindow | undefined): void {
  if (!win || win.isDestroyed()) return
  if (win.isMinimized()) win.restore()
  win.show()
  win.focus()
}
