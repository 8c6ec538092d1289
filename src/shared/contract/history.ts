import { z } from 'zod'
import { call } from './define'

/**
 * Undo/redo of the edits made in the studio (timeline order, add/remove, approve/reject,
 * take choice, delete to trash, channel settings), per channel. Main keeps the history
 * (in the library database), so every window shows the same steps and a reload keeps them.
 * An undo whose target was changed elsewhere (another window, the `webtv` CLI) is refused
 * with a `conflict` error naming what changed; nothing is applied blindly.
 */

const id = z.number().int().positive()

export const historyEntrySchema = z.object({
  id,
  /** What the step did, e.g. "move of Shot 12": buttons read "Undo move of Shot 12". */
  label: z.string(),
  at: z.number()
})

export const historyStateSchema = z.object({
  channelId: id,
  /** The step an undo would take back (null: nothing to undo). */
  undo: historyEntrySchema.nullable(),
  /** The step a redo would do again (null: nothing to redo). */
  redo: historyEntrySchema.nullable(),
  undoCount: z.number().int().nonnegative(),
  redoCount: z.number().int().nonnegative()
})
export type HistoryStateDto = z.infer<typeof historyStateSchema>

const stepInput = z
  .object({
    channelId: id,
    /** The step the person saw; refused (nothing changes) if the history moved on in another window meanwhile. */
    entryId: id.optional()
  })
  .strict()

const stepOutput = z.object({
  /** The label of the step just undone or redone. */
  label: z.string(),
  history: historyStateSchema
})

export const historyCalls = {
  'history.get': call(
    z.object({ channelId: id }).strict(),
    historyStateSchema,
    "A channel's undo and redo steps (the next of each, and how many)."
  ),
  'history.undo': call(
    stepInput,
    stepOutput,
    "Undo the channel's last edit; refused, naming what changed, if its target was changed elsewhere since."
  ),
  'history.redo': call(
    stepInput,
    stepOutput,
    'Redo the last undone edit; refused, naming what changed, if its target was changed elsewhere since.'
  )
}

export const historyEvents = {
  /** A channel's history changed (a new edit, an undo, a redo): re-read it with history.get. */
  'history.changed': z.object({ channelId: id })
}
