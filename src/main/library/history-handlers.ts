import type { PartialHandlers } from '../core/dispatch'
import type { Library } from './library'

/** The contract's history.* calls, served by the library feature (the history lives in its database). */
export function historyHandlers(lib: Library, isOnAir: (channelId: number) => boolean): PartialHandlers {
  return {
    'history.get': ({ channelId }) => lib.history.state(channelId),
    'history.undo': ({ channelId, entryId }) => {
      const { label } = lib.history.undo(channelId, { entryId, isOnAir })
      return { label, history: lib.history.state(channelId) }
    },
    'history.redo': ({ channelId, entryId }) => {
      const { label } = lib.history.redo(channelId, { entryId, isOnAir })
      return { label, history: lib.history.state(channelId) }
    }
  }
}
