import { EventEmitter } from 'node:events'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { BrowserWindow } from 'electron'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { windowStateFile } from '../../../src/main/desktop/window-state'
import { tempDir } from '../../helpers/tmp'

// Electron at the module boundary: two displays, the laptop primary.
const electron = vi.hoisted(() => ({
  screen: {
    getPrimaryDisplay: vi.fn(() => ({ id: 1 })),
    getAllDisplays: vi.fn(() => [
      { id: 2, workArea: { x: 1728, y: 0, width: 3840, height: 2160 } },
      { id: 1, workArea: { x: 0, y: 25, width: 1728, height: 1092 } }
    ])
  }
}))
vi.mock('electron', () => electron)

const { keepWindowState, restoreWindowPlacement, showPlaced } =
  await import('../../../src/main/desktop/window-state-keeper')

class FakeWindow extends EventEmitter {
  normal = { x: 2000, y: 100, width: 1500, height: 1000 }
  maximized = false
  fullscreen = false
  destroyed = false
  calls: string[] = []
  getNormalBounds = () => ({ ...this.normal })
  isMaximized = () => this.maximized
  isFullScreen = () => this.fullscreen
  isDestroyed = () => this.destroyed
  maximize = () => void this.calls.push('maximize')
  setFullScreen = (on: boolean) => void this.calls.push(`fullscreen:${on}`)
  show = () => void this.calls.push('show')
}
const asWindow = (w: FakeWindow) => w as unknown as BrowserWindow

let tmp: ReturnType<typeof tempDir>
beforeEach(() => {
  tmp = tempDir()
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
  tmp.cleanup()
})

describe('keeping the main window’s state (Electron mocked)', () => {
  it('saves after moving stops, and restores the window there on the next start', () => {
    const win = new FakeWindow()
    keepWindowState(asWindow(win), tmp.dir, vi.fn(), 500)
    win.emit('move')
    win.emit('resize')
    vi.advanceTimersByTime(499)
    expect(existsSync(windowStateFile(tmp.dir))).toBe(false)
    vi.advanceTimersByTime(1)
    expect(JSON.parse(readFileSync(windowStateFile(tmp.dir), 'utf8'))).toMatchObject({ bounds: win.normal })

    expect(restoreWindowPlacement(tmp.dir, vi.fn())).toEqual({
      x: 2000,
      y: 100,
      width: 1500,
      height: 1000,
      maximized: false,
      fullscreen: false
    })
  })

  it('saves at once on close, keeping the normal bounds of a maximized window', () => {
    const win = new FakeWindow()
    keepWindowState(asWindow(win), tmp.dir, vi.fn())
    win.maximized = true
    win.emit('close')
    const saved = JSON.parse(readFileSync(windowStateFile(tmp.dir), 'utf8'))
    expect(saved).toMatchObject({ bounds: win.normal, maximized: true, fullscreen: false })

    const placement = restoreWindowPlacement(tmp.dir, vi.fn())
    const next = new FakeWindow()
    showPlaced(asWindow(next), placement)
    expect(next.calls).toEqual(['maximize', 'show'])
  })

  it('restores full screen', () => {
    const win = new FakeWindow()
    keepWindowState(asWindow(win), tmp.dir, vi.fn())
    win.fullscreen = true
    win.emit('enter-full-screen')
    vi.runAllTimers()
    const next = new FakeWindow()
    showPlaced(asWindow(next), restoreWindowPlacement(tmp.dir, vi.fn()))
    expect(next.calls).toEqual(['fullscreen:true', 'show'])
  })

  it('a monitor unplugged since: the window comes back on the primary display', () => {
    const win = new FakeWindow()
    keepWindowState(asWindow(win), tmp.dir, vi.fn())
    win.emit('close')
    electron.screen.getAllDisplays.mockReturnValueOnce([
      { id: 1, workArea: { x: 0, y: 25, width: 1728, height: 1092 } }
    ])
    const p = restoreWindowPlacement(tmp.dir, vi.fn())
    expect(p.x).toBeGreaterThanOrEqual(0)
    expect(p.x! + p.width).toBeLessThanOrEqual(1728)
  })

  it('a corrupt file: default size, one log line', () => {
    writeFileSync(windowStateFile(tmp.dir), 'not json')
    const log = vi.fn()
    expect(restoreWindowPlacement(tmp.dir, log)).toEqual({
      width: 1440,
      height: 900,
      maximized: false,
      fullscreen: false
    })
    expect(log).toHaveBeenCalledWith(expect.stringMatching(/ignoring .*window-state\.json/))
  })

  it('a save that fails is logged, never thrown (closing must go on)', () => {
    // A folder where the file should be: the rename fails, as root too.
    mkdirSync(join(windowStateFile(tmp.dir), 'in-the-way'), { recursive: true })
    const win = new FakeWindow()
    const log = vi.fn()
    keepWindowState(asWindow(win), tmp.dir, log)
    expect(() => win.emit('close')).not.toThrow()
    expect(log).toHaveBeenCalledWith(expect.stringMatching(/could not save the window's size and position/))
    expect(readdirSync(tmp.dir)).toEqual(['window-state.json'])
  })

  it('does nothing once the window is destroyed', () => {
    const win = new FakeWindow()
    keepWindowState(asWindow(win), tmp.dir, vi.fn())
    win.emit('resize')
    win.destroyed = true
    vi.runAllTimers()
    expect(existsSync(windowStateFile(tmp.dir))).toBe(false)
  })
})
