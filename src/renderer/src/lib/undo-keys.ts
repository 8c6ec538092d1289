import { useEffect } from 'react'

export interface UndoKeyActions {
  undo(): void
  redo(): void
}

/** Mac: ⌘; elsewhere: Ctrl. */
export function isMac(platform: string = typeof navigator === 'undefined' ? '' : navigator.platform): boolean {
  return /Mac|iPhone|iPad/i.test(platform)
}

/**
 * A field where the person is typing: there, Ctrl/⌘+Z is the field's own undo and
 * must not reach the studio's.
 */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!target || typeof target !== 'object') return false
  const el = target as Partial<HTMLElement> & { type?: string }
  if (el.isContentEditable === true) return true
  const tag = typeof el.tagName === 'string' ? el.tagName.toUpperCase() : ''
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true
  // Buttons, checkboxes and the like have no text to undo.
  if (tag === 'INPUT') return !NON_TEXT_INPUTS.has((el.type ?? 'text').toLowerCase())
  return false
}

const NON_TEXT_INPUTS = new Set(['button', 'submit', 'reset', 'checkbox', 'radio', 'range', 'color', 'file', 'image'])

/**
 * Which history step a key press asks for: Ctrl/⌘+Z undo; Shift+Ctrl/⌘+Z redo; Ctrl+Y
 * redo too (the Windows/Linux habit). Null for anything else or while typing.
 */
export function undoKeyAction(
  e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey' | 'target'>,
  mac = isMac()
): 'undo' | 'redo' | null {
  if (e.altKey || isTypingTarget(e.target)) return null
  const mod = mac ? e.metaKey : e.ctrlKey
  const key = e.key.toLowerCase()
  if (mod && key === 'z') return e.shiftKey ? 'redo' : 'undo'
  if (!mac && e.ctrlKey && !e.shiftKey && key === 'y') return 'redo'
  return null
}

/** The studio-wide undo/redo keys (the shortcut registry folds this in). */
export function useUndoKeys(actions: UndoKeyActions): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.defaultPrevented) return
      const action = undoKeyAction(e)
      if (!action) return
      e.preventDefault()
      if (action === 'undo') actions.undo()
      else actions.redo()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [actions])
}

/** How the shortcut reads on this platform, for tooltips. */
export function undoShortcutText(action: 'undo' | 'redo', mac = isMac()): string {
  if (mac) return action === 'undo' ? '⌘Z' : '⇧⌘Z'
  return action === 'undo' ? 'Ctrl+Z' : 'Ctrl+Shift+Z or Ctrl+Y'
}
