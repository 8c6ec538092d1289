import { describe, expect, it, vi } from 'vitest'

// Electron mocked at the module boundary: the session records the handler it is given.
const electron = vi.hoisted(() => {
  let handler: ((...args: unknown[]) => void) | null = null
  const defaultSession = {
    setPermissionRequestHandler: vi.fn((h: (...args: unknown[]) => void) => {
      handler = h
    }),
    handler: () => handler
  }
  return { session: { defaultSession } }
})
vi.mock('electron', () => electron)

const { allowsPermission, lockDownPermissions } = await import('../../../src/main/ipc/permissions')
const { session } = await import('electron')

const trusted = ['webtv://studio']

/** Ask the installed handler, the way Chromium does, and return what it answered. */
function request(permission: string, requestingUrl: string): boolean {
  const handler = electron.session.defaultSession.handler()!
  let answer: boolean | undefined
  handler({ getURL: () => requestingUrl }, permission, (granted: boolean) => (answer = granted), { requestingUrl })
  return answer!
}

describe('session permissions', () => {
  it('allows notifications for the studio page only, fullscreen, and nothing else', () => {
    lockDownPermissions(session.defaultSession as never, trusted)
    expect(electron.session.defaultSession.setPermissionRequestHandler).toHaveBeenCalledTimes(1)
    expect(request('notifications', 'webtv://studio/index.html')).toBe(true)
    expect(request('notifications', 'https://evil.example/')).toBe(false)
    expect(request('notifications', 'webtv://media/clip.mp4')).toBe(false)
    expect(request('fullscreen', 'webtv://studio/index.html')).toBe(true)
    for (const p of ['media', 'geolocation', 'midi', 'clipboard-read', 'openExternal'])
      expect(request(p, 'webtv://studio/index.html')).toBe(false)
  })

  it('falls back to the web contents URL when Electron gives no requesting URL', () => {
    lockDownPermissions(session.defaultSession as never, trusted)
    const handler = electron.session.defaultSession.handler()!
    let answer: boolean | undefined
    handler({ getURL: () => 'webtv://studio/' }, 'notifications', (g: boolean) => (answer = g), {})
    expect(answer).toBe(true)
    expect(allowsPermission('notifications', undefined, trusted)).toBe(false)
  })
})
