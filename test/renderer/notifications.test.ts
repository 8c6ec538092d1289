import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { StudioNotification } from '../../src/shared/contract/notifications'

// The desktop renderer: window.studio is the preload's bridge (shell "electron"), and the
// page has a Notification class that must NOT be used — main shows the OS notification.
const constructed: string[] = []
class PageNotification {
  static permission = 'granted'
  constructor(title: string) {
    constructed.push(title)
  }
  close(): void {}
}
beforeAll(() => {
  ;(globalThis as Record<string, unknown>).window = {
    studio: { shell: 'electron', on: () => () => undefined, invoke: async () => undefined, mediaUrl: (p: string) => p },
    Notification: PageNotification
  }
})

const { onNotification } = await import('../../src/renderer/src/stores/notifications')
const { useNotices } = await import('../../src/renderer/src/stores/notices')

const raise = (over: Partial<StudioNotification> = {}): StudioNotification => ({
  action: 'raise',
  cause: 'destination-dropped:1:d1',
  kind: 'destination-dropped',
  channelId: 1,
  level: 'error',
  title: '"Remote" dropped',
  body: '"News": the connection was lost.',
  at: 1,
  ...over
})

describe('renderer notifications (desktop window)', () => {
  beforeEach(() => {
    useNotices.setState({ notices: [] })
    constructed.length = 0
  })

  it('a raise is an in-app notice; the desktop window adds no page Notification (main shows the OS one)', () => {
    onNotification(raise())
    expect(useNotices.getState().notices.map((n) => [n.level, n.message])).toEqual([
      ['error', '"Remote" dropped: "News": the connection was lost.']
    ])
    expect(constructed).toEqual([])
  })

  it('a clear removes that cause’s notice only; a repeat replaces rather than stacks; junk is ignored', () => {
    onNotification(raise())
    onNotification(
      raise({ cause: 'job-failed:1:4', kind: 'job-failed', title: 'Generation failed for good: Shot 3', body: '' })
    )
    onNotification(raise({ body: 'again' }))
    expect(useNotices.getState().notices).toHaveLength(2)
    onNotification(raise({ action: 'clear', title: '"Remote" is live again', body: '', level: 'info' }))
    expect(useNotices.getState().notices.map((n) => n.message)).toEqual(['Generation failed for good: Shot 3'])
    onNotification({ action: 'raise', title: 'no cause' })
    expect(useNotices.getState().notices).toHaveLength(1)
  })
})
