import { useEffect } from 'react'
import { useChannels } from '../stores/channels'
import { startHistorySync, useHistory } from '../stores/history'
import { formatChord, SHORTCUTS } from '../lib/shortcuts'
import { platform, useShortcuts } from '../lib/use-shortcut'

// Module-level so the shortcut bindings stay the same across renders.
const actions = {
  'edit.undo': () => void useHistory.getState().undo(),
  'edit.redo': () => void useHistory.getState().redo()
}

/** How the step's keys read on this platform, for the tooltip: "Ctrl+Z", "Ctrl+Shift+Z or Ctrl+Y", "⇧⌘Z". */
function keysText(id: 'edit.undo' | 'edit.redo'): string {
  const def = SHORTCUTS.find((s) => s.id === id)!
  const keys: readonly string[] = platform === 'mac' && 'macKeys' in def ? def.macKeys : def.keys
  return keys.map((k) => formatChord(k, platform).join(platform === 'mac' ? '' : '+')).join(' or ')
}

/**
 * Undo / Redo for the selected channel, named after the step they take ("Undo move of
 * Shot 12"), and their keys (Ctrl/⌘+Z, Shift+Ctrl/⌘+Z, Ctrl+Y) through the shortcut registry,
 * which leaves them to the field while someone types in one.
 */
export function UndoButtons() {
  const selectedId = useChannels((s) => s.selectedId)
  const state = useHistory((s) => s.state)
  const busy = useHistory((s) => s.busy)
  useEffect(() => startHistorySync(), [])
  useEffect(() => useHistory.getState().setChannel(selectedId), [selectedId])
  useShortcuts(actions)

  const undo = state?.undo ?? null
  const redo = state?.redo ?? null
  const undoName = undo ? `Undo ${undo.label}` : 'Nothing to undo'
  const redoName = redo ? `Redo ${redo.label}` : 'Nothing to redo'
  return (
    <div className="undo-buttons" role="group" aria-label="Undo history" data-testid="undo-buttons">
      <button
        type="button"
        className="btn small"
        aria-label={undoName}
        title={`${undoName} (${keysText('edit.undo')})`}
        disabled={!undo || busy}
        onClick={actions['edit.undo']}
        data-testid="undo-button"
      >
        ↶ Undo
      </button>
      <button
        type="button"
        className="btn small"
        aria-label={redoName}
        title={`${redoName} (${keysText('edit.redo')})`}
        disabled={!redo || busy}
        onClick={actions['edit.redo']}
        data-testid="redo-button"
      >
        ↷ Redo
      </button>
    </div>
  )
}
