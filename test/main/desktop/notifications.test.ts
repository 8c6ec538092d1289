import { beforeEach, describe, expect, it, vi } from 'vitest'
import { EventBus } from '../../../src/main/core/events'
import type { StudioNotification } from '../../../src/shared/contract/notifications'

// Electron mocked at the module boundary, as Electron Fiddle tests its main process:
// a Notification class that records what it was built with and the handlers it got.
const electron = vi.hoisted(() => {
  class FakeNotification {
    static supported = true
    static created: FakeNotification[] = []
    static isSupported(): boolean {
      return FakeNotification.supported
    }
    readonly handlers = new Map<string, () => void>()
    shown = false
    closed = false
    constructor(readonly options: { title: string; body: string; urgency?: string }) {
      FakeNotification.created.push(this)
    }
    on(event: string, fn: () => void): this {
      this.handlers.set(event, fn)
      return this
    }
    show(): void {
      this.shown = true
    }
    close(): void {
      this.closed = true
    }
  }
  return { Notification: FakeNotification }
})
vi.mock('electron', () => electron)

const { showDesktopNotifications } = await import('../../../src/main/desktop/notifications')

const raise = (over: Partial<StudioNotification> = {}): StudioNotification => ({
  action: 'raise',
  cause: 'destination-dropped:1:d1',
  kind: 'destination-dropped',
  channelId: 1,
  level: 'error',
  title: '"Twitch main" dropped',
  body: '"Night Owl": the connection was lost. Retrying (attempt 1).',
  at: 1,
  ...over
})

function fakeWindow(minimized = false) {
  return {
    isDestroyed: vi.fn(() => false),
    isMinimized: vi.fn(() => minimized),
    restore: vi.fn(),
    show: vi.fn(),
    focus: vi.fn()
  }
}

describe('desktop notifications (Electron Notification from main)', () => {
  beforeEach(() => {
    electron.Notification.created = []
    electron.Notification.supported = true
  })

  it('shows a Notification with the title and body of each raise; a click brings the window back', () => {
    const bus = new EventBus()
    const win = fakeWindow(true)
    const stop = showDesktopNotifications(bus, () => win as never)
    bus.emit('notifications.notification', raise())
    expect(electron.Notification.created).toHaveLength(1)
    const note = electron.Notification.created[0]!
    expect(note.options).toEqual({
      title: '"Twitch main" dropped',
      body: '"Night Owl": the connection was lost. Retrying (attempt 1).',
      urgency: 'critical'
    })
    expect(note.shown).toBe(true)
    note.handlers.get('click')!()
    expect(win.restore).toHaveBeenCalled()
    expect(win.show).toHaveBeenCalled()
    expect(win.focus).toHaveBeenCalled()
    stop()
    expect(note.closed).toBe(true)
  })

  it('a clear closes the notification of that cause only; other events and invalid payloads show nothing', () => {
    const bus = new EventBus()
    const stop = showDesktopNotifications(bus, () => undefined)
    bus.emit('notifications.notification', raise())
    bus.emit('notifications.notification', raise({ cause: 'runway-low:1:-', kind: 'runway-low', level: 'warning' }))
    bus.emit('notifications.notification', raise({ action: 'clear' }))
    const [drop, runway] = electron.Notification.created
    expect(drop!.closed).toBe(true)
    expect(runway!.closed).toBe(false)
    expect(runway!.options.urgency).toBe('normal')
    bus.emit('app.notice', { level: 'info', message: 'hello', at: 1 })
    bus.emit('notifications.notification', { ...raise(), title: '' } as never)
    expect(electron.Notification.created).toHaveLength(2)
    // A click with no window (closed on macOS) does nothing rather than throw.
    expect(() => runway!.handlers.get('click')!()).not.toThrow()
    stop()
  })

  it('does nothing where the OS has no notifications', () => {
    electron.Notification.supported = false
    const bus = new EventBus()
    showDesktopNotifications(bus, () => undefined)()
    bus.emit('notifications.notification', raise())
    expect(electron.Notification.created).toHaveLength(0)
  })
})
