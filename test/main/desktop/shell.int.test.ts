import type { EventEmitter as NodeEventEmitter } from 'node:events'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { MenuItemConstructorOptions } from 'electron'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { CallResult } from '../../../src/shared/contract'
import { freePort } from '../../fixtures/rtmp'
import { tempDir } from '../../helpers/tmp'

// The real Electron shell (src/main/index.ts) with a real studio core behind it:
// Electron is replaced at the module boundary by fakes that behave like its objects
// (app quits unless before-quit is prevented, windows emit close), as Electron Fiddle
// tests its main process. Calls go in through the IPC handler the shell binds.
const tmp = tempDir('webtv-shell-')
const fx = vi.hoisted(() => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- vi.hoisted runs before imports
  const { EventEmitter } = require('node:events') as { EventEmitter: typeof NodeEventEmitter }
  const windows: FakeWindow[] = []
  class FakeWindow extends EventEmitter {
    destroyed = false
    calls: string[] = []
    bounds: { x: number; y: number; width: number; height: number }
    constructor(public options: Record<string, number | unknown>) {
      super()
      this.bounds = {
        x: (options.x as number) ?? 0,
        y: (options.y as number) ?? 0,
        width: options.width as number,
        height: options.height as number
      }
      windows.push(this)
    }
    static getAllWindows = () => windows.filter((w) => !w.destroyed)
    static getFocusedWindow = () => null
    webContents = { send: () => undefined, mainFrame: { url: 'webtv://studio/index.html', parent: null } }
    loadURL = () => Promise.resolve()
    show = () => void this.calls.push('show')
    maximize = () => void this.calls.push('maximize')
    setFullScreen = () => void this.calls.push('fullscreen')
    isDestroyed = () => this.destroyed
    isMinimized = () => false
    isMaximized = () => true
    isFullScreen = () => false
    getNormalBounds = () => ({ ...this.bounds })
    /** Electron's close(): 'close' may be prevented; otherwise the window goes. */
    close = () => {
      let prevented = false
      this.emit('close', { preventDefault: () => (prevented = true) })
      if (!prevented) this.destroyed = true
      return !prevented
    }
  }
  class FakeApp extends EventEmitter {
    isPackaged = false
    name = 'WebTV Studio'
    quitted = 0
    getVersion = () => '0.1.0'
    getPath = () => '/nonexistent-userData'
    requestSingleInstanceLock = () => true
    whenReady = () => Promise.resolve()
    exit = vi.fn()
    /** Electron's quit(): before-quit (preventable), then every window closes (preventable), then quit. */
    quit = () => {
      let prevented = false
      this.emit('before-quit', { preventDefault: () => (prevented = true) })
      if (prevented) return
      for (const w of FakeWindow.getAllWindows()) if (!w.close()) return
      this.quitted++
      this.emit('quit')
    }
  }
  const handlers = new Map<string, (event: unknown, ...args: unknown[]) => Promise<unknown>>()
  return {
    windows,
    handlers,
    app: new FakeApp(),
    BrowserWindow: FakeWindow,
    dialog: {
      showErrorBox: vi.fn(),
      showMessageBox: vi.fn(() => Promise.resolve({ response: 1, checkboxChecked: false }))
    },
    Menu: { buildFromTemplate: (t: unknown) => ({ template: t }), setApplicationMenu: vi.fn() },
    ipcMain: {
      handle: (ch: string, fn: (event: unknown, ...args: unknown[]) => Promise<unknown>) => handlers.set(ch, fn),
      removeHandler: (ch: string) => handlers.delete(ch)
    }
  }
})
vi.mock('electron', () => ({
  app: fx.app,
  BrowserWindow: fx.BrowserWindow,
  dialog: fx.dialog,
  Menu: fx.Menu,
  ipcMain: fx.ipcMain,
  session: { defaultSession: { setPermissionRequestHandler: vi.fn() } },
  protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
  net: { fetch: vi.fn() },
  safeStorage: { isAsyncEncryptionAvailable: () => Promise.resolve(false) },
  shell: { openExternal: vi.fn(), openPath: vi.fn() },
  // Desktop notifications (another part of the shell): present so the shell can start.
  Notification: class {
    static isSupported = () => false
    show = vi.fn()
    on = vi.fn()
    close = vi.fn()
  },
  screen: {
    getPrimaryDisplay: () => ({ id: 1 }),
    getAllDisplays: () => [{ id: 1, workArea: { x: 0, y: 0, width: 1920, height: 1080 } }]
  }
}))
vi.mock('electron-updater', () => ({ autoUpdater: {} }))

async function call<T>(name: string, input: unknown): Promise<T> {
  const invoke = fx.handlers.get('studio:invoke')!
  const r = (await invoke(
    { senderFrame: { url: 'webtv://studio/index.html', parent: null } },
    name,
    input
  )) as CallResult<T>
  if (!r.ok) throw new Error(`${name}: ${r.error.message}`)
  return r.value
}
const flush = () => new Promise((r) => setTimeout(r, 20))
const logLines: string[] = []

describe('the Electron shell (Electron mocked, real core)', () => {
  let channelId = 0

  beforeAll(async () => {
    vi.stubEnv('WEBTV_DATA_DIR', tmp.dir)
    vi.spyOn(console, 'log').mockImplementation((line: string) => void logLines.push(String(line)))
    writeFileSync(
      join(tmp.dir, 'window-state.json'),
      JSON.stringify({
        version: 1,
        bounds: { x: 100, y: 80, width: 1300, height: 850 },
        maximized: true,
        fullscreen: false
      })
    )
    await import('../../../src/main/index')
    await vi.waitFor(() => expect(fx.windows).toHaveLength(1), { timeout: 60_000, interval: 50 })
    expect(fx.dialog.showErrorBox).not.toHaveBeenCalled()
  }, 90_000)

  afterAll(() => {
    vi.unstubAllEnvs()
    vi.restoreAllMocks()
    tmp.cleanup()
  })

  it('opens the window where it was left, maximized again, at least the minimum size', () => {
    const win = fx.windows[0]!
    expect(win.options).toMatchObject({ x: 100, y: 80, width: 1300, height: 850, minWidth: 1100, minHeight: 680 })
    win.emit('ready-to-show')
    expect(win.calls).toEqual(['maximize', 'show'])
  })

  it('installs the application menu with the editing roles and the updater’s item, and says why updates are off', () => {
    const [menu] = fx.Menu.setApplicationMenu.mock.calls.at(-1) as unknown as [
      { template: MenuItemConstructorOptions[] }
    ]
    const edit = menu.template.find((m) => m.label === 'Edit')!
    expect((edit.submenu as MenuItemConstructorOptions[]).map((i) => i.role).filter(Boolean)).toContain('paste')
    const all = menu.template.flatMap((m) => (m.submenu as MenuItemConstructorOptions[]) ?? [])
    expect(all.some((i) => i.label === 'Check for Updates…')).toBe(true)
    expect(logLines).toContain(
      '[updater] updates are off: the studio runs unpacked (development); install a release build to get updates'
    )
  })

  it('while a channel is on air, Quit asks first and Cancel keeps it on air', async () => {
    await call('onair.settings.update', { rtmpPort: await freePort(), httpPort: await freePort() })
    channelId = (await call<{ id: number }>('library.channels.create', { name: 'Night Owl TV' })).id
    await call('onair.start', { channelId })
    const status = await call<{ channels: Array<{ state: string }> }>('onair.status', { channelId })
    expect(status.channels[0]!.state).not.toBe('offline')

    fx.dialog.showMessageBox.mockResolvedValueOnce({ response: 1, checkboxChecked: false })
    fx.app.quit()
    await flush()
    expect(fx.dialog.showMessageBox).toHaveBeenCalledTimes(1)
    const options = (fx.dialog.showMessageBox.mock.calls[0] as unknown as unknown[]).at(-1)
    expect(options).toMatchObject({ message: '“Night Owl TV” is on air. Quit anyway?' })
    expect(fx.app.quitted).toBe(0)
    const after = await call<{ channels: Array<{ state: string }> }>('onair.status', { channelId })
    expect(after.channels[0]!.state).not.toBe('offline')
  }, 120_000)

  it('closing the last window on air asks too (Windows/Linux quit with it); Cancel keeps the window', async () => {
    if (process.platform === 'darwin') return
    fx.dialog.showMessageBox.mockResolvedValueOnce({ response: 1, checkboxChecked: false })
    expect(fx.windows[0]!.close()).toBe(false)
    await flush()
    expect(fx.dialog.showMessageBox).toHaveBeenCalledTimes(2)
    expect(fx.windows[0]!.isDestroyed()).toBe(false)
  })

  it('confirming stops the stream cleanly, saves the window and quits', async () => {
    fx.windows[0]!.bounds = { x: 140, y: 90, width: 1250, height: 800 }
    fx.dialog.showMessageBox.mockResolvedValueOnce({ response: 0, checkboxChecked: false })
    fx.app.quit()
    await vi.waitFor(() => expect(fx.app.quitted).toBe(1), { timeout: 60_000, interval: 50 })
    // The IPC handler is gone with the core, and the window's last place is on disk.
    expect(fx.handlers.has('studio:invoke')).toBe(false)
    expect(JSON.parse(readFileSync(join(tmp.dir, 'window-state.json'), 'utf8'))).toMatchObject({
      bounds: { x: 140, y: 90, width: 1250, height: 800 },
      maximized: true
    })
  }, 90_000)
})
