import { useEffect, useRef } from 'react'
import { detectPlatform, shortcuts, type Platform, type ShortcutId } from './shortcuts'

/** Cmd on macOS, Ctrl elsewhere: decided once from the browser the studio runs in. */
export const platform: Platform = detectPlatform(typeof navigator === 'undefined' ? undefined : navigator)

/**
 * Bind a catalog shortcut to a handler while the calling component is mounted:
 * `useShortcut('edit.undo', () => void undo(), () => canUndo)`. The latest handler and
 * condition are used, so they may close over props and state.
 */
export function useShortcut(id: ShortcutId, handler: () => void, when?: () => boolean): void {
  const latest = useRef({ handler, when })
  useEffect(() => {
    latest.current = { handler, when }
  })
  useEffect(
    () =>
      shortcuts.bind(id, {
        handler: () => latest.current.handler(),
        when: () => latest.current.when?.() ?? true
      }),
    [id]
  )
}

/**
 * Bind several catalog shortcuts at once, each to its handler:
 * `useShortcuts({ 'edit.undo': undo, 'edit.redo': redo })`.
 */
export function useShortcuts(handlers: Partial<Record<ShortcutId, () => void>>): void {
  const latest = useRef(handlers)
  useEffect(() => {
    latest.current = handlers
  })
  const ids = (Object.keys(handlers) as ShortcutId[]).sort().join(' ')
  useEffect(() => {
    const unbinds = (ids ? (ids.split(' ') as ShortcutId[]) : []).map((id) =>
      shortcuts.bind(id, {
        handler: () => latest.current[id]?.(),
        when: () => latest.current[id] !== undefined
      })
    )
    return () => unbinds.forEach((unbind) => unbind())
  }, [ids])
}

/**
 * The one keydown listener that feeds the registry (mounted once, by KeyboardShortcuts).
 * It listens on window in the bubble phase, after React's own handlers ran on the focused
 * element, so a key a widget handled (a timeline card's Space) arrives defaultPrevented and
 * is not run twice. While a modal dialog is open the dialog owns the keyboard.
 */
export function useShortcutListener(blocked: () => boolean): void {
  const latest = useRef(blocked)
  useEffect(() => {
    latest.current = blocked
  })
  useEffect(() => {
    function onKeyDown(e: KeyboardEvent): void {
      if (document.querySelector('dialog[open]') || latest.current()) return
      shortcuts.dispatch(e, platform)
    }
    window.addEventListener('keydown', onKeyDown)
    return () => window.removeEventListener('keydown', onKeyDown)
  }, [])
}
