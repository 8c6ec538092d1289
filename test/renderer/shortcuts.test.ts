import { describe, expect, it, vi } from 'vitest'
import {
  SHORTCUTS,
  ShortcutRegistry,
  detectPlatform,
  formatChord,
  isActivationTarget,
  isTypingTarget,
  matchesChord,
  parseChord,
  type ShortcutEvent,
  type TargetLike
} from '../../src/renderer/src/lib/shortcuts'

function key(
  k: string,
  mods: Partial<Pick<ShortcutEvent, 'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey'>> = {},
  extra: Partial<ShortcutEvent> = {}
): ShortcutEvent & { prevented: boolean } {
  const e = {
    key: k,
    code: '',
    ctrlKey: false,
    metaKey: false,
    shiftKey: false,
    altKey: false,
    prevented: false,
    preventDefault() {
      e.prevented = true
    },
    ...mods,
    ...extra
  }
  return e
}

const el = (tagName: string, props: Partial<TargetLike> & { role?: string } = {}): TargetLike => ({
  tagName,
  ...props,
  getAttribute: (n: string) => (n === 'role' ? (props.role ?? null) : null)
})

describe('parseChord', () => {
  it('reads modifiers in any order and names Space', () => {
    expect(parseChord('Shift+Mod+Z')).toMatchObject({ key: 'z', mod: true, shift: true, ctrl: false, cmd: false })
    expect(parseChord('Ctrl+Y')).toMatchObject({ key: 'y', ctrl: true, mod: false })
    expect(parseChord('Space').key).toBe(' ')
    expect(parseChord('?').key).toBe('?')
    expect(parseChord('Escape').key).toBe('Escape')
  })
  it('refuses an unknown modifier or a missing key, naming the chord', () => {
    expect(() => parseChord('Hyper+Z')).toThrow(/"Hyper\+Z".*unknown modifier "Hyper"/)
    expect(() => parseChord('Mod+')).toThrow(/names no key/)
  })
})

describe('matchesChord', () => {
  it('Mod is Ctrl off macOS and Cmd on macOS, never both', () => {
    const modZ = parseChord('Mod+Z')
    expect(matchesChord(modZ, key('z', { ctrlKey: true }), 'other')).toBe(true)
    expect(matchesChord(modZ, key('z', { metaKey: true }), 'other')).toBe(false)
    expect(matchesChord(modZ, key('z', { metaKey: true }), 'mac')).toBe(true)
    expect(matchesChord(modZ, key('z', { ctrlKey: true }), 'mac')).toBe(false)
    expect(matchesChord(modZ, key('z', { ctrlKey: true, metaKey: true }), 'mac')).toBe(false)
  })
  it('extra or missing modifiers do not match', () => {
    expect(matchesChord(parseChord('Mod+Z'), key('Z', { ctrlKey: true, shiftKey: true }), 'other')).toBe(false)
    expect(matchesChord(parseChord('Shift+Mod+Z'), key('Z', { ctrlKey: true, shiftKey: true }), 'other')).toBe(true)
    expect(matchesChord(parseChord('Shift+Mod+Z'), key('z', { ctrlKey: true }), 'other')).toBe(false)
    expect(matchesChord(parseChord('P'), key('p', { altKey: true }), 'other')).toBe(false)
    expect(matchesChord(parseChord('P'), key('p', { ctrlKey: true }), 'other')).toBe(false)
    expect(matchesChord(parseChord('P'), key('P', { shiftKey: true }), 'other')).toBe(false)
    expect(matchesChord(parseChord('P'), key('p'), 'other')).toBe(true)
  })
  it('a symbol matches the character typed, whatever Shift the layout needed', () => {
    expect(matchesChord(parseChord('?'), key('?', { shiftKey: true }), 'other')).toBe(true)
    expect(matchesChord(parseChord('/'), key('/', { shiftKey: true }), 'other')).toBe(true) // German: Shift+7
    expect(matchesChord(parseChord('/'), key('/', { ctrlKey: true }), 'other')).toBe(false)
    expect(matchesChord(parseChord('?'), key('/'), 'other')).toBe(false)
  })
  it('Space needs no Shift; Shift+Space is another chord', () => {
    expect(matchesChord(parseChord('Space'), key(' '), 'mac')).toBe(true)
    expect(matchesChord(parseChord('Space'), key(' ', { shiftKey: true }), 'mac')).toBe(false)
  })
  it('a non-Latin layout matches letters by key position, a Latin one by the letter typed', () => {
    // Russian layout: the Z key types я.
    expect(matchesChord(parseChord('Mod+Z'), key('я', { ctrlKey: true }, { code: 'KeyZ' }), 'other')).toBe(true)
    // AZERTY: the key at QWERTY's W types z; the key at QWERTY's Z types w.
    expect(matchesChord(parseChord('Mod+Z'), key('z', { ctrlKey: true }, { code: 'KeyW' }), 'other')).toBe(true)
    expect(matchesChord(parseChord('Mod+Z'), key('w', { ctrlKey: true }, { code: 'KeyZ' }), 'other')).toBe(false)
  })
})

describe('typing and activation guards', () => {
  it('text fields, selects and contenteditable are typing; buttons and checkboxes are not', () => {
    expect(isTypingTarget(el('INPUT'))).toBe(true)
    expect(isTypingTarget(el('INPUT', { type: 'search' }))).toBe(true)
    expect(isTypingTarget(el('INPUT', { type: 'password' }))).toBe(true)
    expect(isTypingTarget(el('TEXTAREA'))).toBe(true)
    expect(isTypingTarget(el('SELECT'))).toBe(true)
    expect(isTypingTarget(el('DIV', { isContentEditable: true }))).toBe(true)
    expect(isTypingTarget(el('INPUT', { type: 'checkbox' }))).toBe(false)
    expect(isTypingTarget(el('BUTTON'))).toBe(false)
    expect(isTypingTarget(el('DIV'))).toBe(false)
    expect(isTypingTarget(null)).toBe(false)
    expect(isTypingTarget({})).toBe(false) // window/document targets have no tagName
  })
  it('buttons, tabs, options and media controls take Space themselves', () => {
    expect(isActivationTarget(el('BUTTON'))).toBe(true)
    expect(isActivationTarget(el('VIDEO'))).toBe(true)
    expect(isActivationTarget(el('DIV', { role: 'tab' }))).toBe(true)
    expect(isActivationTarget(el('DIV', { role: 'gridcell' }))).toBe(false)
    expect(isActivationTarget(el('BODY'))).toBe(false)
  })
})

describe('ShortcutRegistry.dispatch', () => {
  const defs = [
    { id: 'play', keys: ['Space', 'K'], label: 'Play', group: 'Preview and review' },
    { id: 'approve', keys: ['P'], label: 'Approve', group: 'Preview and review' },
    { id: 'undo', keys: ['Mod+Z'], label: 'Undo', group: 'Edit' },
    { id: 'redo', keys: ['Shift+Mod+Z', 'Ctrl+Y'], macKeys: ['Shift+Mod+Z'], label: 'Redo', group: 'Edit' }
  ] as const

  it('runs the bound handler once and prevents the browser default', () => {
    const r = new ShortcutRegistry(defs)
    const undo = vi.fn()
    r.bind('undo', { handler: undo })
    const e = key('z', { ctrlKey: true }, { target: el('BODY') })
    expect(r.dispatch(e, 'other')).toBe('undo')
    expect(undo).toHaveBeenCalledTimes(1)
    expect(e.prevented).toBe(true)
  })
  it('never fires while typing in a field, and leaves the key to the field', () => {
    const r = new ShortcutRegistry(defs)
    const approve = vi.fn()
    const undo = vi.fn()
    r.bind('approve', { handler: approve })
    r.bind('undo', { handler: undo })
    for (const target of [
      el('INPUT', { type: 'search' }),
      el('TEXTAREA'),
      el('SELECT'),
      el('DIV', { isContentEditable: true })
    ]) {
      const p = key('p', {}, { target })
      const z = key('z', { ctrlKey: true }, { target })
      expect(r.dispatch(p, 'other')).toBeNull()
      expect(r.dispatch(z, 'other')).toBeNull()
      expect(p.prevented || z.prevented).toBe(false)
    }
    expect(approve).not.toHaveBeenCalled()
    expect(undo).not.toHaveBeenCalled()
  })
  it('ignores keys a focused widget already handled, held-down repeats and IME composition', () => {
    const r = new ShortcutRegistry(defs)
    const play = vi.fn()
    r.bind('play', { handler: play })
    expect(r.dispatch(key(' ', {}, { defaultPrevented: true }), 'other')).toBeNull()
    expect(r.dispatch(key('k', {}, { repeat: true }), 'other')).toBeNull()
    expect(r.dispatch(key('k', {}, { isComposing: true }), 'other')).toBeNull()
    expect(play).not.toHaveBeenCalled()
  })
  it('Space on a button presses the button, not the shortcut; K still plays', () => {
    const r = new ShortcutRegistry(defs)
    const play = vi.fn()
    r.bind('play', { handler: play })
    const onButton = key(' ', {}, { target: el('BUTTON') })
    expect(r.dispatch(onButton, 'other')).toBeNull()
    expect(onButton.prevented).toBe(false)
    expect(r.dispatch(key('k', {}, { target: el('BUTTON') }), 'other')).toBe('play')
    expect(r.dispatch(key(' ', {}, { target: el('DIV', { role: 'gridcell' }) }), 'other')).toBe('play')
    expect(play).toHaveBeenCalledTimes(2)
  })
  it('an unbound id or a false `when` lets the key through untouched', () => {
    const r = new ShortcutRegistry(defs)
    const unbound = key('z', { ctrlKey: true })
    expect(r.dispatch(unbound, 'other')).toBeNull()
    expect(unbound.prevented).toBe(false)
    let ready = false
    const approve = vi.fn()
    r.bind('approve', { handler: approve, when: () => ready })
    const first = key('p')
    expect(r.dispatch(first, 'other')).toBeNull()
    expect(first.prevented).toBe(false)
    ready = true
    expect(r.dispatch(key('p'), 'other')).toBe('approve')
    expect(approve).toHaveBeenCalledTimes(1)
  })
  it('platform keys: Ctrl+Y redoes off macOS only; Cmd+Shift+Z on macOS', () => {
    const r = new ShortcutRegistry(defs)
    const redo = vi.fn()
    r.bind('redo', { handler: redo })
    expect(r.dispatch(key('y', { ctrlKey: true }), 'other')).toBe('redo')
    expect(r.dispatch(key('y', { ctrlKey: true }), 'mac')).toBeNull()
    expect(r.dispatch(key('Z', { metaKey: true, shiftKey: true }), 'mac')).toBe('redo')
    expect(r.dispatch(key('Z', { ctrlKey: true, shiftKey: true }), 'mac')).toBeNull()
    expect(redo).toHaveBeenCalledTimes(2)
  })
  it('the newest binding answers; unbinding hands the key back to the previous one', () => {
    const r = new ShortcutRegistry(defs)
    const outer = vi.fn()
    const inner = vi.fn()
    r.bind('approve', { handler: outer })
    const unbind = r.bind('approve', { handler: inner })
    r.dispatch(key('p'), 'other')
    unbind()
    r.dispatch(key('p'), 'other')
    expect(inner).toHaveBeenCalledTimes(1)
    expect(outer).toHaveBeenCalledTimes(1)
    expect(r.isBound('approve')).toBe(true)
  })
  it('binding an id missing from the catalog or listing an id twice is refused', () => {
    const r = new ShortcutRegistry(defs)
    expect(() => r.bind('nope', { handler: () => {} })).toThrow(/No shortcut "nope"/)
    expect(() => new ShortcutRegistry([...defs, defs[0]])).toThrow(/"play" is listed twice/)
  })
})

describe('the studio catalog', () => {
  it('parses, has unique ids, and no chord means two things on one platform', () => {
    const r = new ShortcutRegistry(SHORTCUTS)
    for (const platform of ['mac', 'other'] as const) {
      const seen = new Map<string, string>()
      for (const def of SHORTCUTS) {
        for (const text of r.keysFor(def.id, platform)) {
          const c = parseChord(text)
          const sig = JSON.stringify({
            key: c.key,
            shift: c.shift,
            alt: c.alt,
            ctrl: c.ctrl || (c.mod && platform === 'other'),
            meta: c.cmd || (c.mod && platform === 'mac')
          })
          expect(seen.get(sig), `${text} on ${platform}`).toBeUndefined()
          seen.set(sig, def.id)
        }
      }
    }
  })
  it('lists Undo and Redo with the usual keys for the undo feature to bind', () => {
    const r = new ShortcutRegistry(SHORTCUTS)
    expect(r.keysFor('edit.undo', 'other')).toEqual(['Mod+Z'])
    expect(r.keysFor('edit.redo', 'other')).toEqual(['Shift+Mod+Z', 'Ctrl+Y'])
    expect(r.keysFor('edit.redo', 'mac')).toEqual(['Shift+Mod+Z'])
  })
})

describe('formatChord and detectPlatform', () => {
  it('writes chords the way each platform does', () => {
    expect(formatChord('Shift+Mod+Z', 'other')).toEqual(['Ctrl', 'Shift', 'Z'])
    expect(formatChord('Shift+Mod+Z', 'mac')).toEqual(['⇧', '⌘', 'Z'])
    expect(formatChord('Space', 'mac')).toEqual(['Space'])
    expect(formatChord('?', 'other')).toEqual(['?'])
  })
  it('recognises macOS and iPad, and treats the rest as Ctrl platforms', () => {
    expect(detectPlatform({ platform: 'MacIntel' })).toBe('mac')
    expect(detectPlatform({ platform: '', userAgent: 'Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X)' })).toBe('mac')
    expect(detectPlatform({ platform: 'Win32' })).toBe('other')
    expect(detectPlatform({ platform: 'Linux x86_64' })).toBe('other')
    expect(detectPlatform(undefined)).toBe('other')
  })
})
