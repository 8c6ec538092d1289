import { create } from 'zustand'
import type { HistoryStateDto } from '../../../shared/contract/history'
import { errorMessage, getClient } from '../api/bridge'
import { useConnection } from './connection'
import { useNotices } from './notices'
import { useTimeline } from './timeline'

interface HistoryStore {
  channelId: number | null
  /** The core's undo/redo stacks of the channel (null until read). */
  state: HistoryStateDto | null
  /** An undo or redo is on its way: another press waits for it rather than racing it. */
  busy: boolean
  setChannel(id: number | null): void
  load(): Promise<void>
  undo(): Promise<void>
  redo(): Promise<void>
}

/** Edits of the timeline still in flight: an undo pressed right after a drag takes back that drag, not the one before. */
function timelineSettled(): Promise<void> {
  if (useTimeline.getState().pendingEdits === 0) return Promise.resolve()
  return new Promise((resolve) => {
    const off = useTimeline.subscribe((s) => {
      if (s.pendingEdits === 0) {
        off()
        resolve()
      }
    })
  })
}

/** The selected channel's undo history, as main keeps it; every window follows its history.changed events. */
export const useHistory = create<HistoryStore>((set, get) => {
  async function step(direction: 'undo' | 'redo'): Promise<void> {
    const channelId = get().channelId
    if (channelId === null || get().busy) return
    set({ busy: true })
    try {
      await timelineSettled()
      await get().load()
      const entry = direction === 'undo' ? get().state?.undo : get().state?.redo
      if (!entry) return
      const { label, history } = await getClient().bridge.invoke(`history.${direction}`, {
        channelId,
        entryId: entry.id
      })
      if (get().channelId === channelId) set({ state: history })
      useNotices.getState().push('info', `${direction === 'undo' ? 'Undid' : 'Redid'} ${label}.`)
    } catch (err) {
      // The core says what changed and that nothing was applied.
      useNotices.getState().push('error', errorMessage(err))
      void get().load()
    } finally {
      set({ busy: false })
    }
  }

  return {
    channelId: null,
    state: null,
    busy: false,
    setChannel(id) {
      if (id === get().channelId) return
      set({ channelId: id, state: null })
      void get().load()
    },
    async load() {
      const channelId = get().channelId
      if (channelId === null) return
      try {
        const state = await getClient().bridge.invoke('history.get', { channelId })
        if (get().channelId === channelId) set({ state })
      } catch {
        // A channel deleted meanwhile, or the link is down: no steps to offer.
        if (get().channelId === channelId) set({ state: null })
      }
    },
    undo: () => step('undo'),
    redo: () => step('redo')
  }
})

/** Follow the core: its history events, external edits (another process) and reconnects. Returns the unsubscribe. */
export function startHistorySync(): () => void {
  const bridge = getClient().bridge
  const reload = (channelId: number | null): void => {
    if (channelId === null || channelId === useHistory.getState().channelId) void useHistory.getState().load()
  }
  const offs = [
    bridge.on('history.changed', (e) => reload(e.channelId)),
    bridge.on('library.changed', (e) => reload(e.channelId)),
    useConnection.subscribe((s, prev) => {
      if (s.state === 'connected' && prev.state !== 'connected') reload(null)
    })
  ]
  return () => offs.forEach((off) => off())
}
