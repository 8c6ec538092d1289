import { useEffect } from 'react'
import { useChannels } from '../stores/channels'
import { startHistorySync, useHistory } from '../stores/history'
import { undoShortcutText, useUndoKeys } from '../lib/undo-keys'

const keyActions = {
  undo: () => void useHistory.getState().undo(),
  redo: () => void useHistory.getState().redo()
}

/** Undo / Redo for the selected channel, named after the step they take ("Undo move of Shot 12"), plus their keys. */
export function UndoButtons() {
  const selectedId = useChannels((s) => s.selectedId)
  const state = useHistory((s) => s.state)
  const busy = useHistory((s) => s.busy)
  useEffect(() => startHistorySync(), [])
  useEffect(() => useHistory.getState().setChannel(selectedId), [selectedId])
  useUndoKeys(keyActions)

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
        title={`${undoName} (${undoShortcutText('undo')})`}
        disabled={!undo || busy}
        onClick={keyActions.undo}
        data-testid="undo-button"
      >
        ↶ Undo
      </button>
      <button
        type="button"
        className="btn small"
        aria-label={redoName}
        title={`${redoName} (${undoShortcutText('redo')})`}
        disabled={!redo || busy}
        onClick={keyActions.redo}
        data-testid="redo-button"
      >
        ↷ Redo
      </button>
    </div>
  )
}
