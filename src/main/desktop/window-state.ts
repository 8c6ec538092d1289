/**
 * The main window's size and position across restarts: pure placement logic and the
 * small JSON file that holds it (<dataDir>/window-state.json). No electron import —
 * the edge (window-state-keeper.ts) feeds in the displays and the window's events.
 */
import { chmodSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { FILE_MODE } from '../core/private-dir'

export interface Rect {
  x: number
  y: number
  width: number
  height: number
}
export interface Size {
  width: number
  height: number
}
export interface WindowState {
  /** The restored ("normal") bounds, also while maximized or full screen. */
  bounds: Rect
  maximized: boolean
  fullscreen: boolean
}
/** A display as placement needs it: its work area (without menu bar, dock, taskbar). */
export interface DisplayArea {
  workArea: Rect
  primary: boolean
}
/** What the window opens with: x/y absent means "let the system centre it". */
export interface Placement {
  width: number
  height: number
  x?: number
  y?: number
  maximized: boolean
  fullscreen: boolean
}

export const WINDOW_STATE_FILE = 'window-state.json'

const coord = z.number().int().min(-1_000_000).max(1_000_000)
const extent = z.number().int().min(1).max(100_000)
const windowStateSchema = z.object({
  version: z.literal(1),
  bounds: z.object({ x: coord, y: coord, width: extent, height: extent }),
  maximized: z.boolean(),
  fullscreen: z.boolean()
})

/** How much of the title bar must show on some display for the window to count as on screen. */
const GRAB_WIDTH = 100
const TITLE_BAR = 32

function intersection(a: Rect, b: Rect): Rect {
  const x = Math.max(a.x, b.x)
  const y = Math.max(a.y, b.y)
  const right = Math.min(a.x + a.width, b.x + b.width)
  const bottom = Math.min(a.y + a.height, b.y + b.height)
  return { x, y, width: Math.max(0, right - x), height: Math.max(0, bottom - y) }
}

/** A display where enough of the window's title bar shows to drag it. */
function displayHolding(bounds: Rect, displays: readonly DisplayArea[]): DisplayArea | undefined {
  const titleBar = { x: bounds.x, y: bounds.y, width: bounds.width, height: Math.min(TITLE_BAR, bounds.height) }
  let best: { d: DisplayArea; area: number } | undefined
  for (const d of displays) {
    const bar = intersection(titleBar, d.workArea)
    if (bar.width < Math.min(GRAB_WIDTH, bounds.width) || bar.height < 1) continue
    const whole = intersection(bounds, d.workArea)
    const area = whole.width * whole.height
    if (!best || area > best.area) best = { d, area }
  }
  return best?.d
}

/**
 * Where the window opens. A saved window whose title bar still shows on a display keeps
 * its place (shrunk to fit that display if it has become smaller); one that is off every
 * current display (a monitor unplugged, a resolution changed) is centred on the primary
 * display. The minimum size always wins — the window manager would enforce it anyway.
 */
export function placeWindow(
  saved: WindowState | undefined,
  displays: readonly DisplayArea[],
  limits: { defaultSize: Size; minSize: Size }
): Placement {
  const primary = displays.find((d) => d.primary) ?? displays[0]
  const atLeastMin = (s: Size): Size => ({
    width: Math.max(limits.minSize.width, s.width),
    height: Math.max(limits.minSize.height, s.height)
  })
  const fitTo = (s: Size, area: Rect | undefined): Size =>
    atLeastMin(area ? { width: Math.min(s.width, area.width), height: Math.min(s.height, area.height) } : s)

  if (!saved) return { ...fitTo(limits.defaultSize, primary?.workArea), maximized: false, fullscreen: false }

  const flags = { maximized: saved.maximized, fullscreen: saved.fullscreen }
  const holder = displayHolding(saved.bounds, displays)
  if (holder) {
    const size = fitTo(saved.bounds, holder.workArea)
    const wa = holder.workArea
    // Keep the position, pulled in just enough that a shrunk window stays on its display.
    const x = Math.max(wa.x, Math.min(saved.bounds.x, wa.x + wa.width - size.width))
    const y = Math.max(wa.y, Math.min(saved.bounds.y, wa.y + wa.height - size.height))
    return { ...size, x, y, ...flags }
  }
  if (!primary) return { ...atLeastMin(saved.bounds), ...flags }
  const wa = primary.workArea
  const size = fitTo(saved.bounds, wa)
  return {
    ...size,
    x: wa.x + Math.round((wa.width - size.width) / 2),
    y: wa.y + Math.round((wa.height - size.height) / 2),
    ...flags
  }
}

export function windowStateFile(dataDir: string): string {
  return join(dataDir, WINDOW_STATE_FILE)
}

/**
 * The saved state, or undefined when there is none or it cannot be used. A bad file
 * never stops the studio from opening: it is ignored with a log line (and replaced at
 * the next save).
 */
export function loadWindowState(file: string, log: (line: string) => void): WindowState | undefined {
  if (!existsSync(file)) return undefined
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'))
  } catch (err) {
    log(
      `[webtv] ignoring ${file}: ${err instanceof Error ? err.message : String(err)}; the window opens at its default size`
    )
    return undefined
  }
  const parsed = windowStateSchema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue?.path.length ? issue.path.join('.') : 'the file'
    log(
      `[webtv] ignoring ${file}: ${where}: ${issue?.message ?? 'not a window state'}; the window opens at its default size`
    )
    return undefined
  }
  const { bounds, maximized, fullscreen } = parsed.data
  return { bounds, maximized, fullscreen }
}

/** Writes the state atomically (temp file + rename), readable only by the user. */
export function saveWindowState(file: string, state: WindowState): void {
  const body: z.infer<typeof windowStateSchema> = {
    version: 1,
    bounds: {
      x: Math.round(state.bounds.x),
      y: Math.round(state.bounds.y),
      width: Math.round(state.bounds.width),
      height: Math.round(state.bounds.height)
    },
    maximized: state.maximized,
    fullscreen: state.fullscreen
  }
  const tmp = `${file}.${process.pid}.tmp`
  try {
    writeFileSync(tmp, JSON.stringify(body, null, 1) + '\n', { mode: FILE_MODE })
    if (process.platform !== 'win32') chmodSync(tmp, FILE_MODE)
    renameSync(tmp, file)
  } catch (err) {
    rmSync(tmp, { force: true })
    throw err
  }
}
