import type { EventEmitter as NodeEventEmitter } from 'node:events'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

// Electron and electron-updater at the module boundary, as Electron Fiddle tests its
// main process: the fake updater is an EventEmitter that emits what the real one does.
const mocks = vi.hoisted(() => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- vi.hoisted runs before imports
  const { EventEmitter } = require('node:events') as { EventEmitter: typeof NodeEventEmitter }
  class FakeAutoUpdater extends EventEmitter {
    autoDownload = false
    autoInstallOnAppQuit = false
    logger: unknown = null
    checkForUpdates = vi.fn((): Promise<unknown> => Promise.resolve({ isUpdateAvailable: false, updateInfo: {} }))
    quitAndInstall = vi.fn()
  }
  return {
    autoUpdater: new FakeAutoUpdater(),
    app: { isPackaged: true, getVersion: () => '0.1.0' },
    dialog: { showMessageBox: vi.fn(() => Promise.resolve({ response: 0, checkboxChecked: false })) }
  }
})
vi.mock('electron', () => ({ app: mocks.app, dialog: mocks.dialog }))
vi.mock('electron-updater', () => ({ autoUpdater: mocks.autoUpdater }))

const { startUpdater } = await import('../../../src/main/desktop/updater')
const { FIRST_CHECK_DELAY_MS, CHECK_INTERVAL_MS } = await import('../../../src/main/desktop/update-policy')

const up = mocks.autoUpdater
let onAir: string[]
let log: ReturnType<typeof vi.fn<(line: string) => void>>
let onChange: ReturnType<typeof vi.fn<() => void>>
let updater: ReturnType<typeof startUpdater> | undefined

function start(over: { env?: Record<string, string>; platform?: NodeJS.Platform } = {}) {
  updater = startUpdater({
    onAir: () => onAir,
    window: () => undefined,
    onChange,
    log,
    env: over.env ?? {},
    platform: over.platform ?? 'darwin'
  })
  return updater
}
const lastDialog = () =>
  (mocks.dialog.showMessageBox.mock.calls.at(-1) as unknown as [{ message: string; detail: string }])[0]

beforeEach(() => {
  vi.useFakeTimers()
  vi.clearAllMocks()
  up.removeAllListeners()
  mocks.app.isPackaged = true
  onAir = []
  log = vi.fn()
  onChange = vi.fn()
})
afterEach(() => {
  updater?.dispose()
  updater = undefined
  vi.useRealTimers()
})

describe('the desktop updater (electron-updater mocked)', () => {
  it('downloads in the background and installs on quit, checking after start and every few hours', () => {
    start()
    expect(up.autoDownload).toBe(true)
    expect(up.autoInstallOnAppQuit).toBe(true)
    expect(up.checkForUpdates).not.toHaveBeenCalled()
    vi.advanceTimersByTime(FIRST_CHECK_DELAY_MS)
    expect(up.checkForUpdates).toHaveBeenCalledTimes(1)
    up.emit('checking-for-update')
    up.emit('update-not-available', { version: '0.1.0' })
    vi.advanceTimersByTime(CHECK_INTERVAL_MS)
    expect(up.checkForUpdates).toHaveBeenCalledTimes(2)
    // Background checks are silent.
    expect(mocks.dialog.showMessageBox).not.toHaveBeenCalled()
  })

  it('its events drive the menu item, rebuilt only when the label changes', () => {
    const u = start()
    up.emit('checking-for-update')
    up.emit('update-available', { version: '0.2.0' })
    expect(u.menuItem()).toEqual({ label: 'Downloading Update 0.2.0 (0%)…', enabled: false })
    const changes = onChange.mock.calls.length
    up.emit('download-progress', { percent: 10.2 })
    up.emit('download-progress', { percent: 10.9 })
    expect(onChange.mock.calls.length).toBe(changes + 1)
    up.emit('update-downloaded', { version: '0.2.0', downloadedFile: '/tmp/x' })
    expect(u.menuItem()).toEqual({ label: 'Restart to Install 0.2.0…', enabled: true })
    expect(u.pendingVersion()).toBe('0.2.0')
    expect(log).toHaveBeenCalledWith('[updater] 0.2.0 downloaded; it installs when the studio quits')
  })

  it('"Restart to Install" while a channel is on air is refused with a message, and never installs', () => {
    const u = start()
    up.emit('update-downloaded', { version: '0.2.0' })
    onAir = ['Night Owl TV']
    u.click()
    expect(up.quitAndInstall).not.toHaveBeenCalled()
    expect(lastDialog().message).toBe('Update 0.2.0 will install later: “Night Owl TV” is on air.')
    expect(u.pendingVersion()).toBe('0.2.0')
    // Off air, the same click installs.
    onAir = []
    u.click()
    expect(up.quitAndInstall).toHaveBeenCalledOnce()
  })

  it('a manual check is answered: up to date, or an error in one line', async () => {
    const u = start()
    u.click()
    expect(up.checkForUpdates).toHaveBeenCalledOnce()
    expect(u.menuItem()).toEqual({ label: 'Checking for Updates…', enabled: false })
    u.click() // busy: no second check
    expect(up.checkForUpdates).toHaveBeenCalledOnce()
    up.emit('checking-for-update')
    up.emit('update-not-available', { version: '0.1.0' })
    expect(lastDialog()).toMatchObject({ message: 'WebTV Studio is up to date.' })

    up.checkForUpdates.mockImplementationOnce(() => Promise.reject(new Error('net::ERR_NAME_NOT_RESOLVED')))
    u.click()
    up.emit('error', new Error('net::ERR_NAME_NOT_RESOLVED\n    at stack'))
    await vi.waitFor(() => expect(log).toHaveBeenCalledWith('[updater] check failed: net::ERR_NAME_NOT_RESOLVED'))
    expect(lastDialog()).toMatchObject({ message: 'Could not check for updates.' })
    expect(lastDialog().detail).not.toMatch(/at stack/)
    expect(u.menuItem().enabled).toBe(true)
  })

  it('a check the updater declines (it returns null, emitting nothing) does not leave the item stuck', async () => {
    const u = start()
    up.checkForUpdates.mockImplementationOnce(() => Promise.resolve(null))
    u.click()
    expect(u.menuItem().enabled).toBe(false)
    await vi.waitFor(() => expect(u.menuItem()).toEqual({ label: 'Check for Updates…', enabled: true }))
  })

  it('unpacked (development): off, with a clear log line, no listeners, no checks; clicking explains', () => {
    mocks.app.isPackaged = false
    const u = start()
    expect(log).toHaveBeenCalledWith(expect.stringMatching(/^\[updater\] updates are off: the studio runs unpacked/))
    expect(up.listenerCount('update-downloaded')).toBe(0)
    vi.advanceTimersByTime(CHECK_INTERVAL_MS * 2)
    u.click()
    expect(up.checkForUpdates).not.toHaveBeenCalled()
    expect(lastDialog()).toMatchObject({ message: 'Updates are off.', detail: expect.stringMatching(/unpacked/) })
  })

  it('Linux outside the AppImage: off', () => {
    start({ platform: 'linux' })
    expect(log).toHaveBeenCalledWith(expect.stringMatching(/updates are off: only the AppImage/))
    start({ platform: 'linux', env: { APPIMAGE: '/home/me/WebTV.AppImage' } })
    expect(up.autoInstallOnAppQuit).toBe(true)
  })

  it('dispose stops the checks and detaches from the updater', () => {
    const u = start()
    u.dispose()
    vi.advanceTimersByTime(CHECK_INTERVAL_MS * 2)
    expect(up.checkForUpdates).not.toHaveBeenCalled()
    expect(up.listenerCount('update-downloaded')).toBe(0)
  })
})
