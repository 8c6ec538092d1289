import type { EventEmitter as NodeEventEmitter } from 'node:events'
import { EventEmitter } from 'node:events'
import type { BrowserWindow } from 'electron'
import { beforeEach, describe, expect, it, vi } from 'vitest'

// Electron at the module boundary: app is an EventEmitter whose quit() emits
// before-quit the way Electron does (a prevented before-quit stops the quit).
const mocks = vi.hoisted(() => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- vi.hoisted runs before imports
  const { EventEmitter } = require('node:events') as { EventEmitter: typeof NodeEventEmitter }
  class FakeApp extends EventEmitter {
    quitted = 0
    quit = vi.fn(() => {
      let prevented = false
      this.emit('before-quit', { preventDefault: () => (prevented = true) })
      if (!prevented) this.quitted++
    })
  }
  return {
    app: new FakeApp(),
    windows: [] as unknown[],
    dialog: { showMessageBox: vi.fn(() => Promise.resolve({ response: 1, checkboxChecked: false })) }
  }
})
vi.mock('electron', () => ({
  app: mocks.app,
  dialog: mocks.dialog,
  BrowserWindow: { getFocusedWindow: () => null, getAllWindows: () => mocks.windows }
}))

const { installQuitGuard } = await import('../../../src/main/desktop/quit-guard')

const app = mocks.app
let onAir: string[]
let shutdown: ReturnType<typeof vi.fn<() => Promise<void>>>
const log = vi.fn<(line: string) => void>()

function install(platform: NodeJS.Platform = 'win32', pendingUpdate?: string) {
  return installQuitGuard({ onAir: () => onAir, pendingUpdate: () => pendingUpdate, shutdown, log, platform })
}
const answer = (response: number) =>
  mocks.dialog.showMessageBox.mockResolvedValueOnce({ response, checkboxChecked: false })
const flush = () => new Promise((r) => setTimeout(r, 0))

beforeEach(() => {
  app.removeAllListeners()
  app.quitted = 0
  vi.clearAllMocks()
  mocks.windows = [{}]
  onAir = []
  shutdown = vi.fn(() => Promise.resolve())
})

describe('quitting (Electron mocked)', () => {
  it('off air: shuts the studio down cleanly, then quits, without asking', async () => {
    install()
    app.quit()
    expect(app.quitted).toBe(0) // held until the shutdown finishes
    await flush()
    expect(shutdown).toHaveBeenCalledOnce()
    expect(app.quitted).toBe(1)
    expect(mocks.dialog.showMessageBox).not.toHaveBeenCalled()
  })

  it('on air: asks first; Cancel keeps everything running', async () => {
    install('darwin', '0.2.0')
    onAir = ['Night Owl TV']
    answer(1)
    app.quit()
    await flush()
    expect(mocks.dialog.showMessageBox).toHaveBeenCalledOnce()
    // Attached to the app's window when there is one: the options come last.
    const options = (mocks.dialog.showMessageBox.mock.calls[0] as unknown as unknown[]).at(-1)
    expect(options).toMatchObject({
      message: '“Night Owl TV” is on air. Quit anyway?',
      detail: expect.stringContaining('Update 0.2.0 installs as the studio quits'),
      cancelId: 1,
      defaultId: 1
    })
    expect(shutdown).not.toHaveBeenCalled()
    expect(app.quitted).toBe(0)
  })

  it('on air: confirming stops the streams cleanly and quits', async () => {
    install()
    onAir = ['A']
    answer(0)
    app.quit()
    await flush()
    await flush()
    expect(shutdown).toHaveBeenCalledOnce()
    expect(app.quitted).toBe(1)
  })

  it('a second Quit while the question is open does not ask twice', async () => {
    install()
    onAir = ['A']
    let resolve: (v: { response: number; checkboxChecked: boolean }) => void = () => undefined
    mocks.dialog.showMessageBox.mockImplementationOnce(() => new Promise((r) => (resolve = r)))
    app.quit()
    app.quit()
    expect(mocks.dialog.showMessageBox).toHaveBeenCalledOnce()
    resolve({ response: 1, checkboxChecked: false })
    await flush()
    expect(app.quitted).toBe(0)
  })

  it('Windows/Linux: closing the last window while on air asks; Cancel keeps the window', async () => {
    const guard = install('linux')
    const win = new EventEmitter()
    guard.guardWindow(win as unknown as BrowserWindow)
    onAir = ['A']
    answer(1)
    let prevented = false
    win.emit('close', { preventDefault: () => (prevented = true) })
    expect(prevented).toBe(true)
    await flush()
    expect(mocks.dialog.showMessageBox).toHaveBeenCalledOnce()
    expect(app.quitted).toBe(0)

    // Confirmed: the app quits (without asking a second time in before-quit).
    answer(0)
    win.emit('close', { preventDefault: () => undefined })
    await flush()
    await flush()
    expect(mocks.dialog.showMessageBox).toHaveBeenCalledTimes(2)
    expect(shutdown).toHaveBeenCalledOnce()
    expect(app.quitted).toBe(1)
  })

  it('closing the window off air, or on macOS (the app keeps airing), never asks', () => {
    for (const platform of ['linux', 'darwin'] as const) {
      const guard = install(platform)
      const win = new EventEmitter()
      guard.guardWindow(win as unknown as BrowserWindow)
      onAir = platform === 'darwin' ? ['A'] : []
      let prevented = false
      win.emit('close', { preventDefault: () => (prevented = true) })
      expect(prevented, platform).toBe(false)
      app.removeAllListeners()
    }
    expect(mocks.dialog.showMessageBox).not.toHaveBeenCalled()
  })

  it('a failed shutdown still quits', async () => {
    install()
    shutdown.mockImplementationOnce(() => Promise.reject(new Error('relay stuck')))
    app.quit()
    await flush()
    expect(app.quitted).toBe(1)
    expect(log).toHaveBeenCalledWith('[webtv] error while shutting down: relay stuck')
  })
})
