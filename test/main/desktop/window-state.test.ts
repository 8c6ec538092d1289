import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  loadWindowState,
  placeWindow,
  saveWindowState,
  windowStateFile,
  type DisplayArea,
  type WindowState
} from '../../../src/main/desktop/window-state'
import { tempDir } from '../../helpers/tmp'

const limits = { defaultSize: { width: 1440, height: 900 }, minSize: { width: 1100, height: 680 } }
// A laptop (primary, menu bar at the top) and a 4K monitor to its right.
const laptop: DisplayArea = { workArea: { x: 0, y: 25, width: 1728, height: 1092 }, primary: true }
const monitor: DisplayArea = { workArea: { x: 1728, y: 0, width: 3840, height: 2160 }, primary: false }
const state = (x: number, y: number, width = 1400, height = 900, over: Partial<WindowState> = {}): WindowState => ({
  bounds: { x, y, width, height },
  maximized: false,
  fullscreen: false,
  ...over
})

describe('placing the window', () => {
  it('first start: default size, centred by the system, shrunk to a small screen', () => {
    expect(placeWindow(undefined, [laptop, monitor], limits)).toEqual({
      width: 1440,
      height: 900,
      maximized: false,
      fullscreen: false
    })
    const small: DisplayArea = { workArea: { x: 0, y: 0, width: 1280, height: 760 }, primary: true }
    expect(placeWindow(undefined, [small], limits)).toMatchObject({ width: 1280, height: 760 })
  })

  it('keeps a saved window where it was, on either display', () => {
    expect(placeWindow(state(100, 80), [laptop, monitor], limits)).toEqual({
      width: 1400,
      height: 900,
      x: 100,
      y: 80,
      maximized: false,
      fullscreen: false
    })
    expect(placeWindow(state(2000, 300, 2400, 1500), [laptop, monitor], limits)).toMatchObject({
      x: 2000,
      y: 300,
      width: 2400,
      height: 1500
    })
  })

  it('moves a window left on an unplugged monitor back to the centre of the primary display', () => {
    const p = placeWindow(state(2000, 300), [laptop], limits)
    expect(p).toMatchObject({ width: 1400, height: 900 })
    expect(p.x).toBe(Math.round((1728 - 1400) / 2))
    expect(p.y).toBe(25 + Math.round((1092 - 900) / 2))
  })

  it('treats a window whose title bar is hidden (above the screen, or only a sliver showing) as off screen', () => {
    // Title bar above the top edge: the body shows but it cannot be dragged.
    expect(placeWindow(state(100, -600), [laptop], limits).y).toBe(25 + Math.round((1092 - 900) / 2))
    // Only 40 px of the title bar left on screen at the right edge.
    expect(placeWindow(state(1688, 100), [laptop], limits).x).toBe(Math.round((1728 - 1400) / 2))
    // 150 px showing is enough to grab: it stays.
    expect(placeWindow(state(1578, 100), [laptop], limits).x).toBe(1728 - 1400)
  })

  it('shrinks a window saved on a bigger display to fit, pulled in so it stays on it', () => {
    // Saved 2400x1500 at the laptop's corner, which is smaller.
    const p = placeWindow(state(300, 200, 2400, 1500), [laptop], limits)
    expect(p).toMatchObject({ width: 1728, height: 1092, x: 0, y: 25 })
  })

  it('never goes below the minimum size, even from a tiny saved size or a tiny display', () => {
    expect(placeWindow(state(10, 40, 300, 200), [laptop], limits)).toMatchObject({ width: 1100, height: 680 })
    const tiny: DisplayArea = { workArea: { x: 0, y: 0, width: 1024, height: 600 }, primary: true }
    expect(placeWindow(state(0, 0), [tiny], limits)).toMatchObject({ width: 1100, height: 680 })
  })

  it('restores maximized and full screen', () => {
    expect(placeWindow(state(100, 80, 1400, 900, { maximized: true }), [laptop], limits).maximized).toBe(true)
    expect(placeWindow(state(9000, 9000, 1400, 900, { fullscreen: true }), [laptop], limits)).toMatchObject({
      fullscreen: true,
      maximized: false
    })
  })

  it('uses the first display when none is marked primary, and copes with none at all', () => {
    const p = placeWindow(state(-5000, 0), [{ ...monitor, primary: false }], limits)
    expect(p.x).toBe(1728 + Math.round((3840 - 1400) / 2))
    expect(placeWindow(state(5, 5), [], limits)).toEqual({
      width: 1400,
      height: 900,
      maximized: false,
      fullscreen: false
    })
  })
})

describe('the window state file', () => {
  let tmp: ReturnType<typeof tempDir>
  let file: string
  const log = vi.fn()
  beforeEach(() => {
    tmp = tempDir()
    file = windowStateFile(tmp.dir)
    log.mockClear()
  })
  afterEach(() => tmp.cleanup())

  it('round-trips, written 0600 with no temp file left behind', () => {
    saveWindowState(file, state(120.4, 80.6, 1400, 900, { maximized: true }))
    expect(loadWindowState(file, log)).toEqual(state(120, 81, 1400, 900, { maximized: true }))
    expect(readdirSync(tmp.dir)).toEqual(['window-state.json'])
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(log).not.toHaveBeenCalled()
  })

  it('no file: nothing to restore, nothing logged', () => {
    expect(loadWindowState(file, log)).toBeUndefined()
    expect(log).not.toHaveBeenCalled()
  })

  it.each([
    ['corrupt JSON', '{"version":1,"bounds":', /ignoring .*window-state\.json: .*JSON/],
    [
      'a newer format',
      '{"version":2,"bounds":{"x":0,"y":0,"width":10,"height":10},"maximized":false,"fullscreen":false}',
      /version/
    ],
    [
      'a missing field',
      '{"version":1,"bounds":{"x":0,"y":0,"width":10},"maximized":false,"fullscreen":false}',
      /bounds\.height/
    ],
    [
      'a zero width',
      '{"version":1,"bounds":{"x":0,"y":0,"width":0,"height":10},"maximized":false,"fullscreen":false}',
      /bounds\.width/
    ],
    [
      'a non-number',
      '{"version":1,"bounds":{"x":"left","y":0,"width":10,"height":10},"maximized":false,"fullscreen":false}',
      /bounds\.x/
    ],
    [
      'an absurd coordinate',
      '{"version":1,"bounds":{"x":1e12,"y":0,"width":10,"height":10},"maximized":false,"fullscreen":false}',
      /bounds\.x/
    ],
    ['not an object', '[]', /ignoring/]
  ])('ignores %s with a log line naming the file and the problem', (_what, body, pattern) => {
    writeFileSync(file, body)
    expect(loadWindowState(file, log)).toBeUndefined()
    expect(log).toHaveBeenCalledOnce()
    expect(log.mock.calls[0]![0]).toMatch(pattern)
    expect(log.mock.calls[0]![0]).toMatch(/default size/)
    // The bad file is left for the next save to replace, untouched until then.
    expect(readFileSync(file, 'utf8')).toBe(body)
  })

  it('a failed save leaves the previous file whole and no temp file behind', () => {
    saveWindowState(file, state(1, 2))
    const before = readFileSync(file, 'utf8')
    const missing = join(tmp.dir, 'gone', 'window-state.json')
    expect(() => saveWindowState(missing, state(3, 4))).toThrow(/ENOENT/)
    expect(readFileSync(file, 'utf8')).toBe(before)
    expect(readdirSync(tmp.dir)).toEqual(['window-state.json'])
  })
})
