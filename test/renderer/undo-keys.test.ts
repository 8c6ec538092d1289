import { describe, expect, it } from 'vitest'
import { isMac, isTypingTarget, undoKeyAction, undoShortcutText } from '../../src/renderer/src/lib/undo-keys'

const body = { tagName: 'BODY' } as unknown as EventTarget
const key = (
  k: string,
  mods: { ctrl?: boolean; meta?: boolean; shift?: boolean; alt?: boolean } = {},
  target: EventTarget | null = body
) => ({
  key: k,
  ctrlKey: mods.ctrl ?? false,
  metaKey: mods.meta ?? false,
  shiftKey: mods.shift ?? false,
  altKey: mods.alt ?? false,
  target
})

describe('undo keys', () => {
  it('Windows/Linux: Ctrl+Z undoes, Ctrl+Shift+Z and Ctrl+Y redo; ⌘ does nothing', () => {
    expect(undoKeyAction(key('z', { ctrl: true }), false)).toBe('undo')
    expect(undoKeyAction(key('Z', { ctrl: true, shift: true }), false)).toBe('redo')
    expect(undoKeyAction(key('y', { ctrl: true }), false)).toBe('redo')
    expect(undoKeyAction(key('z', { meta: true }), false)).toBeNull()
    expect(undoKeyAction(key('z'), false)).toBeNull()
    expect(undoKeyAction(key('z', { ctrl: true, alt: true }), false)).toBeNull()
  })

  it('macOS: ⌘Z undoes and ⇧⌘Z redoes; Ctrl+Z and Ctrl+Y do nothing', () => {
    expect(undoKeyAction(key('z', { meta: true }), true)).toBe('undo')
    expect(undoKeyAction(key('Z', { meta: true, shift: true }), true)).toBe('redo')
    expect(undoKeyAction(key('z', { ctrl: true }), true)).toBeNull()
    expect(undoKeyAction(key('y', { ctrl: true }), true)).toBeNull()
  })

  it('never fires while typing in a field (the field keeps its own undo)', () => {
    const input = { tagName: 'INPUT', type: 'text' } as unknown as EventTarget
    const search = { tagName: 'INPUT', type: 'search' } as unknown as EventTarget
    const textarea = { tagName: 'TEXTAREA' } as unknown as EventTarget
    const editable = { tagName: 'DIV', isContentEditable: true } as unknown as EventTarget
    for (const t of [input, search, textarea, editable]) {
      expect(isTypingTarget(t)).toBe(true)
      expect(undoKeyAction(key('z', { ctrl: true }, t), false)).toBeNull()
      expect(undoKeyAction(key('y', { ctrl: true }, t), false)).toBeNull()
    }
    // A focused button or checkbox has no text: the studio's undo works there.
    const checkbox = { tagName: 'INPUT', type: 'checkbox' } as unknown as EventTarget
    const button = { tagName: 'BUTTON' } as unknown as EventTarget
    expect(undoKeyAction(key('z', { ctrl: true }, checkbox), false)).toBe('undo')
    expect(undoKeyAction(key('z', { ctrl: true }, button), false)).toBe('undo')
  })

  it('names the shortcut for the platform in tooltips', () => {
    expect(isMac('MacIntel')).toBe(true)
    expect(isMac('Linux x86_64')).toBe(false)
    expect(undoShortcutText('undo', true)).toBe('⌘Z')
    expect(undoShortcutText('redo', false)).toBe('Ctrl+Shift+Z or Ctrl+Y')
  })
})
