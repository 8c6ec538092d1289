/**
 * Keyboard shortcuts: one catalog of what the studio's keys do (the `?` overlay lists it)
 * and one registry that dispatches a key press to the handler a feature bound to an id.
 *
 * A feature adds a shortcut with one catalog line here and one `useShortcut(id, handler)`
 * where its action lives. Nothing in this file touches the DOM beyond reading the event
 * it is given, so the matching rules are unit-tested without a browser.
 */

export type Platform = 'mac' | 'other'

export type ShortcutGroup = 'Preview and review' | 'Library and timeline' | 'Edit' | 'On air' | 'Help'

export interface ShortcutDef {
  id: string
  /**
   * Chords such as 'Space', 'P', '/', '?', 'Mod+F', 'Shift+Mod+Z'. `Mod` is Cmd on macOS
   * and Ctrl elsewhere; `Ctrl`, `Cmd`, `Alt` and `Shift` are literal. Letters match
   * case-insensitively with Shift as written; symbols ('/', '?') match the character typed,
   * whatever Shift the keyboard layout needs for it.
   */
  keys: readonly string[]
  /** Replaces `keys` on macOS where its convention differs (Redo has no Ctrl+Y there). */
  macKeys?: readonly string[]
  label: string
  group: ShortcutGroup
}

/**
 * Every shortcut the studio knows, in the order the overlay lists them. Undo/Redo are
 * bound by the undo feature (`useShortcut('edit.undo', …)`); until a handler is bound the
 * overlay shows them as unavailable and the keys do nothing.
 */
export const SHORTCUTS = [
  { id: 'preview.playPause', keys: ['Space', 'K'], label: 'Play / pause the preview', group: 'Preview and review' },
  { id: 'shot.approve', keys: ['P'], label: 'Approve the shot', group: 'Preview and review' },
  { id: 'shot.reject', keys: ['X'], label: 'Reject the shot', group: 'Preview and review' },
  {
    id: 'shot.addToTimeline',
    keys: ['A'],
    label: 'Add the shot to the end of the timeline',
    group: 'Library and timeline'
  },
  { id: 'library.search', keys: ['/', 'Mod+F'], label: 'Search the library', group: 'Library and timeline' },
  { id: 'edit.undo', keys: ['Mod+Z'], label: 'Undo', group: 'Edit' },
  { id: 'edit.redo', keys: ['Shift+Mod+Z', 'Ctrl+Y'], macKeys: ['Shift+Mod+Z'], label: 'Redo', group: 'Edit' },
  { id: 'air.toggle', keys: ['Shift+Mod+L'], label: 'Go Live / End Stream (asks first)', group: 'On air' },
  { id: 'help.shortcuts', keys: ['?'], label: 'Show keyboard shortcuts', group: 'Help' }
] as const satisfies readonly ShortcutDef[]

export type ShortcutId = (typeof SHORTCUTS)[number]['id']

/**
 * Keys that belong to a focused widget rather than to the catalog; the overlay lists them
 * so the keyboard-only way to select and move shots is discoverable.
 */
export const WIDGET_KEYS: readonly { keys: string; label: string }[] = [
  { keys: '← → ↑ ↓  Home  End', label: 'Move between shots in the library' },
  { keys: 'Enter', label: 'Preview the focused shot' },
  { keys: '← →', label: 'Move between shots on the timeline (Shift extends the selection)' },
  { keys: 'Space, ← →, Space', label: 'Pick up a timeline shot, move it, drop it (Esc puts it back)' },
  { keys: 'Delete', label: 'Remove the selected timeline shots' }
]

export interface Chord {
  /** Lower-case letter, the typed symbol, ' ' for Space, or a KeyboardEvent.key name. */
  key: string
  mod: boolean
  ctrl: boolean
  cmd: boolean
  shift: boolean
  alt: boolean
}

const NAMED: Record<string, string> = { space: ' ', esc: 'Escape', del: 'Delete' }

export function parseChord(text: string): Chord {
  const parts = text.split('+')
  const keyPart = parts.pop() ?? ''
  if (keyPart === '') throw new Error(`Shortcut "${text}" names no key`)
  const chord: Chord = { key: '', mod: false, ctrl: false, cmd: false, shift: false, alt: false }
  for (const p of parts) {
    const m = p.toLowerCase()
    if (m === 'mod') chord.mod = true
    else if (m === 'ctrl') chord.ctrl = true
    else if (m === 'cmd' || m === 'meta') chord.cmd = true
    else if (m === 'shift') chord.shift = true
    else if (m === 'alt' || m === 'option') chord.alt = true
    else throw new Error(`Shortcut "${text}": unknown modifier "${p}" (use Mod, Ctrl, Cmd, Alt or Shift)`)
  }
  chord.key = NAMED[keyPart.toLowerCase()] ?? (keyPart.length === 1 ? keyPart.toLowerCase() : keyPart)
  return chord
}

/** The part of a KeyboardEvent the matcher reads (a real event fits). */
export interface KeyEventLike {
  key: string
  code?: string
  ctrlKey: boolean
  metaKey: boolean
  shiftKey: boolean
  altKey: boolean
}

const isLetter = (k: string): boolean => /^[a-z]$/.test(k)
/** A printed symbol whose Shift depends on the layout ('?' is Shift+/ on US keyboards, not on others). */
const isSymbol = (k: string): boolean => k.length === 1 && k !== ' ' && !/^[a-z0-9]$/i.test(k)

export function matchesChord(chord: Chord, e: KeyEventLike, platform: Platform): boolean {
  const wantCtrl = chord.ctrl || (chord.mod && platform === 'other')
  const wantMeta = chord.cmd || (chord.mod && platform === 'mac')
  if (e.ctrlKey !== wantCtrl || e.metaKey !== wantMeta || e.altKey !== chord.alt) return false
  if (isSymbol(chord.key)) return e.key === chord.key
  if (e.shiftKey !== chord.shift) return false
  if (isLetter(chord.key)) {
    const typed = e.key.toLowerCase()
    if (typed === chord.key) return true
    // A non-Latin layout (Cyrillic, Greek…) types another letter on the same key: use its position.
    return typed.length === 1 && !/^[\x20-\x7e]$/.test(typed) && e.code === `Key${chord.key.toUpperCase()}`
  }
  return e.key.toLowerCase() === chord.key.toLowerCase()
}

/** The part of an event target the guards read (an Element fits). */
export interface TargetLike {
  tagName?: string
  type?: string
  isContentEditable?: boolean
  getAttribute?(name: string): string | null
  closest?(selector: string): unknown
}

const NON_TEXT_INPUTS = new Set(['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file', 'image'])

/** The person is typing: a text field, a select or anything contenteditable has the keys. */
export function isTypingTarget(t: TargetLike | null | undefined): boolean {
  if (!t || typeof t.tagName !== 'string') return false
  const tag = t.tagName.toUpperCase()
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true
  if (tag === 'INPUT') return !NON_TEXT_INPUTS.has((t.type ?? 'text').toLowerCase())
  return t.isContentEditable === true
}

const ACTIVATED_BY_SPACE = new Set(['BUTTON', 'A', 'SUMMARY', 'VIDEO', 'AUDIO', 'INPUT'])
const ACTIVATED_ROLES = new Set(['button', 'link', 'checkbox', 'radio', 'switch', 'tab', 'menuitem', 'option'])

/** Space or Enter on this element presses it (a button, a tab, a video's own controls). */
export function isActivationTarget(t: TargetLike | null | undefined): boolean {
  if (!t || typeof t.tagName !== 'string') return false
  if (ACTIVATED_BY_SPACE.has(t.tagName.toUpperCase())) return true
  const role = t.getAttribute?.('role')
  return role != null && ACTIVATED_ROLES.has(role)
}

export interface ShortcutEvent extends KeyEventLike {
  target?: unknown
  defaultPrevented?: boolean
  repeat?: boolean
  isComposing?: boolean
  preventDefault(): void
}

export interface ShortcutBinding {
  handler: () => void
  /** The shortcut applies now; when false the key passes through untouched. */
  when?: () => boolean
}

export class ShortcutRegistry {
  private readonly defs: ReadonlyMap<string, { def: ShortcutDef; chords: Record<Platform, Chord[]> }>
  /** Per id, the bindings in the order they were made: the newest one answers. */
  private readonly bound = new Map<string, ShortcutBinding[]>()
  private readonly listeners = new Set<() => void>()

  constructor(defs: readonly ShortcutDef[]) {
    const map = new Map<string, { def: ShortcutDef; chords: Record<Platform, Chord[]> }>()
    for (const def of defs) {
      if (map.has(def.id)) throw new Error(`Shortcut id "${def.id}" is listed twice`)
      map.set(def.id, {
        def,
        chords: { other: def.keys.map(parseChord), mac: (def.macKeys ?? def.keys).map(parseChord) }
      })
    }
    this.defs = map
  }

  list(): ShortcutDef[] {
    return [...this.defs.values()].map((d) => d.def)
  }

  keysFor(id: string, platform: Platform): readonly string[] {
    const d = this.defs.get(id)
    if (!d) return []
    return platform === 'mac' ? (d.def.macKeys ?? d.def.keys) : d.def.keys
  }

  /** Bind a handler to a catalog id; returns the unbind. An unknown id is a programming error. */
  bind(id: string, binding: ShortcutBinding): () => void {
    if (!this.defs.has(id)) throw new Error(`No shortcut "${id}" in the catalog (lib/shortcuts.ts)`)
    const list = this.bound.get(id) ?? []
    list.push(binding)
    this.bound.set(id, list)
    this.changed()
    return () => {
      const i = list.indexOf(binding)
      if (i >= 0) list.splice(i, 1)
      this.changed()
    }
  }

  isBound(id: string): boolean {
    return (this.bound.get(id)?.length ?? 0) > 0
  }

  /** Called whenever a binding comes or goes (the overlay shows what is available). */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** The id whose chord this event presses (bound or not), ignoring the guards. */
  match(e: KeyEventLike, platform: Platform): string | null {
    for (const [id, d] of this.defs) if (d.chords[platform].some((c) => matchesChord(c, e, platform))) return id
    return null
  }

  /**
   * Run the shortcut this key press means, if any applies; returns its id. Keys that a
   * focused widget already handled (defaultPrevented), held-down repeats, IME composition
   * and anything typed into a field never fire; Space/Enter on a button stay the button's.
   */
  dispatch(e: ShortcutEvent, platform: Platform): string | null {
    if (e.defaultPrevented || e.repeat || e.isComposing) return null
    const target = (e.target ?? null) as TargetLike | null
    if (isTypingTarget(target)) return null
    for (const [id, d] of this.defs) {
      const chord = d.chords[platform].find((c) => matchesChord(c, e, platform))
      if (!chord) continue
      const plain = !chord.mod && !chord.ctrl && !chord.cmd && !chord.alt
      if (plain && (chord.key === ' ' || chord.key === 'Enter') && isActivationTarget(target)) continue
      const list = this.bound.get(id)
      const binding = list?.[list.length - 1]
      if (!binding || (binding.when && !binding.when())) continue
      e.preventDefault()
      binding.handler()
      return id
    }
    return null
  }

  private changed(): void {
    for (const l of this.listeners) l()
  }
}

export function detectPlatform(nav: { platform?: string; userAgent?: string } | undefined): Platform {
  const text = `${nav?.platform ?? ''} ${nav?.userAgent ?? ''}`
  return /Mac|iPhone|iPad|iPod/i.test(text) ? 'mac' : 'other'
}

const MAC_GLYPH: Record<string, string> = { ctrl: '⌃', alt: '⌥', shift: '⇧', cmd: '⌘' }

/** The chord as the platform writes it, one entry per key cap: ['Ctrl', 'Shift', 'Z'] or ['⇧', '⌘', 'Z']. */
export function formatChord(text: string, platform: Platform): string[] {
  const c = parseChord(text)
  const caps: string[] = []
  const ctrl = c.ctrl || (c.mod && platform === 'other')
  const cmd = c.cmd || (c.mod && platform === 'mac')
  if (platform === 'mac') {
    // macOS menus order modifiers ⌃ ⌥ ⇧ ⌘.
    if (ctrl) caps.push(MAC_GLYPH.ctrl!)
    if (c.alt) caps.push(MAC_GLYPH.alt!)
    if (c.shift) caps.push(MAC_GLYPH.shift!)
    if (cmd) caps.push(MAC_GLYPH.cmd!)
  } else {
    if (ctrl) caps.push('Ctrl')
    if (c.alt) caps.push('Alt')
    if (c.shift) caps.push('Shift')
    if (cmd) caps.push('Win')
  }
  caps.push(c.key === ' ' ? 'Space' : c.key.length === 1 ? c.key.toUpperCase() : c.key)
  return caps
}

/** The registry the studio uses; features bind to it through `useShortcut`. */
export const shortcuts = new ShortcutRegistry(SHORTCUTS)
