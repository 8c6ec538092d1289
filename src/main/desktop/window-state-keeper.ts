import { screen, type BrowserWindow } from 'electron'
import {
  loadWindowState,
  placeWindow,
  saveWindowState,
  windowStateFile,
  type Placement,
  type Size,
  type WindowState
} from './window-state'

export const DEFAULT_WINDOW_SIZE: Size = { width: 1440, height: 900 }
export const MIN_WINDOW_SIZE: Size = { width: 1100, height: 680 }

/** Where the main window opens: the saved state, fitted to the displays connected now. */
export function restoreWindowPlacement(dataDir: string, log: (line: string) => void): Placement {
  const saved = loadWindowState(windowStateFile(dataDir), log)
  const primaryId = screen.getPrimaryDisplay().id
  const displays = screen.getAllDisplays().map((d) => ({ workArea: d.workArea, primary: d.id === primaryId }))
  return placeWindow(saved, displays, { defaultSize: DEFAULT_WINDOW_SIZE, minSize: MIN_WINDOW_SIZE })
}

/** Shows the window, maximized or full screen again if it was when it closed. */
export function showPlaced(win: BrowserWindow, placement: Placement): void {
  if (placement.maximized) win.maximize()
  if (placement.fullscreen) win.setFullScreen(true)
  win.show()
}

const TRACKED_EVENTS = ['resize', 'move', 'maximize', 'unmaximize', 'enter-full-screen', 'leave-full-screen'] as const

/**
 * Saves the window's state a moment after it stops moving or resizing, and at once when
 * it closes. The normal bounds are what is saved, so a maximized window restores to its
 * old size when un-maximized after a restart. A failed save is logged, never thrown:
 * nothing about the window may stand in the way of quitting.
 */
export function keepWindowState(
  win: BrowserWindow,
  dataDir: string,
  log: (line: string) => void,
  debounceMs = 500
): void {
  const file = windowStateFile(dataDir)
  let timer: NodeJS.Timeout | undefined
  const save = (): void => {
    clearTimeout(timer)
    timer = undefined
    if (win.isDestroyed()) return
    const state: WindowState = {
      bounds: win.getNormalBounds(),
      maximized: win.isMaximized(),
      fullscreen: win.isFullScreen()
    }
    try {
      saveWindowState(file, state)
    } catch (err) {
      log(
        `[webtv] could not save the window's size and position to ${file}: ${err instanceof Error ? err.message : err}`
      )
    }
  }
  const saveSoon = (): void => {
    clearTimeout(timer)
    timer = setTimeout(save, debounceMs)
    timer.unref?.()
  }
  for (const event of TRACKED_EVENTS) win.on(event as 'resize', saveSoon)
  win.on('close', save)
}
