import { create } from 'zustand'
import type { PlaylistDto } from '../../../shared/contract/library'
import { errorMessage, getClient } from '../api/bridge'
import { moveBlock, planMoves } from '../lib/order'
import { useNotices } from './notices'

export type TimelineItem = PlaylistDto['items'][number]

interface TimelineStore {
  channelId: number | null
  items: TimelineItem[]
  revision: number
  loaded: boolean
  /** Item ids the user selected (click, shift-click, ctrl/cmd-click). */
  selected: Set<number>
  /** The item the last plain click landed on: the anchor for shift-click ranges. */
  anchor: number | null
  /** Edits in flight; while > 0, change events are folded into one reload afterwards. */
  pendingEdits: number
  error: string | null
  /**
   * A card picked up with the keyboard (Space) and the index it would drop at.
   * Ours rather than dnd-kit's keyboard sensor, which only sees mounted cards and so
   * could not move a shot past the part of a long (virtualized) strip on screen.
   */
  lifted: { itemId: number; target: number } | null
  lift(itemId: number): void
  moveLifted(delta: number): void
  /** Drop at the target (a reorder, like a mouse drop) or, with cancel, put it back. */
  dropLifted(cancel?: boolean): void
  setChannel(id: number | null): void
  load(): Promise<void>
  reorder(finalItemIds: number[], moved?: ReadonlySet<number>): Promise<boolean>
  remove(itemIds: number[]): Promise<void>
  insert(shotIds: number[], atPosition?: number): Promise<void>
  select(itemId: number, mode: 'only' | 'toggle' | 'range'): void
  clearSelection(): void
  onChanged(): void
}

let reloadAfterEdit = false

function apply(p: PlaylistDto): Pick<TimelineStore, 'items' | 'revision' | 'loaded' | 'error'> {
  return { items: p.items, revision: p.revision, loaded: true, error: null }
}

export const useTimeline = create<TimelineStore>((set, get) => {
  /** Run an edit optimistically: show `optimistic` now, put `snapshot` back and reload the truth if refused. */
  async function edit(
    what: string,
    optimistic: TimelineItem[] | null,
    run: () => Promise<PlaylistDto>
  ): Promise<boolean> {
    const channelId = get().channelId
    const snapshot = get().items
    set((s) => ({ pendingEdits: s.pendingEdits + 1, ...(optimistic ? { items: optimistic } : {}) }))
    try {
      const result = await run()
      if (get().channelId === channelId) set(apply(result))
      return true
    } catch (err) {
      if (get().channelId === channelId) set({ items: snapshot })
      // Promise only what is true: the reload shows what the core kept.
      useNotices
        .getState()
        .push('error', `${what} was refused: ${errorMessage(err)} The timeline shows what the core kept.`)
      reloadAfterEdit = true
      return false
    } finally {
      set((s) => ({ pendingEdits: s.pendingEdits - 1 }))
      if (get().pendingEdits === 0 && reloadAfterEdit) {
        reloadAfterEdit = false
        void get().load()
      }
    }
  }

  return {
    channelId: null,
    items: [],
    revision: 0,
    loaded: false,
    selected: new Set(),
    anchor: null,
    pendingEdits: 0,
    lifted: null,
    lift(itemId) {
      const at = get().items.findIndex((i) => i.itemId === itemId)
      if (at >= 0) set({ lifted: { itemId, target: at } })
    },
    moveLifted(delta) {
      const l = get().lifted
      if (!l) return
      const target = Math.max(0, Math.min(get().items.length - 1, l.target + delta))
      set({ lifted: { ...l, target } })
    },
    dropLifted(cancel = false) {
      const l = get().lifted
      set({ lifted: null })
      if (!l || cancel) return
      const ids = get().items.map((i) => i.itemId)
      const over = ids[l.target]
      if (over === undefined || over === l.itemId) return
      const sel = get().selected
      const block = sel.has(l.itemId) ? sel : new Set<number>([l.itemId])
      void get().reorder(moveBlock(ids, block, l.itemId, over), block)
    },
    error: null,
    setChannel(id) {
      if (id === get().channelId) return
      set({ channelId: id, items: [], loaded: false, selected: new Set(), anchor: null, error: null, lifted: null })
      void get().load()
    },
    async load() {
      const channelId = get().channelId
      if (channelId === null) return
      try {
        const p = await getClient().bridge.invoke('library.playlist.get', { channelId })
        if (get().channelId !== channelId) return
        // An edit is on its way: this answer may predate it and would undo the
        // optimistic order on screen; reload once the edits have settled instead.
        if (get().pendingEdits > 0) {
          reloadAfterEdit = true
          return
        }
        // Drop selections of items that no longer exist.
        const ids = new Set(p.items.map((i) => i.itemId))
        set((s) => ({ ...apply(p), selected: new Set([...s.selected].filter((id) => ids.has(id))) }))
      } catch (err) {
        set({ error: errorMessage(err), loaded: true })
      }
    },
    async reorder(finalItemIds, moved) {
      const items = get().items
      const byId = new Map(items.map((i) => [i.itemId, i]))
      const moves = planMoves(
        items.map((i) => i.itemId),
        finalItemIds,
        moved
      )
      if (moves.length === 0) return true
      const optimistic = finalItemIds.map((id, position) => ({ ...byId.get(id)!, position }))
      // One atomic call, however many shots move: the core applies all of it or none.
      return edit(moves.length === 1 ? 'The move' : `Moving ${moves.length} shots`, optimistic, () =>
        getClient().bridge.invoke('library.playlist.reorder', { channelId: get().channelId!, itemIds: finalItemIds })
      )
    },
    async remove(itemIds) {
      if (itemIds.length === 0) return
      const gone = new Set(itemIds)
      const optimistic = get()
        .items.filter((i) => !gone.has(i.itemId))
        .map((i, position) => ({ ...i, position }))
      set((s) => ({ selected: new Set([...s.selected].filter((id) => !gone.has(id))) }))
      await edit(itemIds.length === 1 ? 'Removing the shot' : `Removing ${itemIds.length} shots`, optimistic, () =>
        getClient().bridge.invoke('library.playlist.remove', { itemIds })
      )
    },
    async insert(shotIds, atPosition) {
      const channelId = get().channelId
      if (channelId === null || shotIds.length === 0) return
      await edit('Adding to the timeline', null, () =>
        getClient().bridge.invoke(
          'library.playlist.add',
          atPosition === undefined ? { channelId, shotIds } : { channelId, shotIds, atPosition }
        )
      )
    },
    select(itemId, mode) {
      const { selected, anchor, items } = get()
      if (mode === 'only') set({ selected: new Set([itemId]), anchor: itemId })
      else if (mode === 'toggle') {
        const next = new Set(selected)
        if (next.has(itemId)) next.delete(itemId)
        else next.add(itemId)
        set({ selected: next, anchor: itemId })
      } else {
        const a = items.findIndex((i) => i.itemId === (anchor ?? itemId))
        const b = items.findIndex((i) => i.itemId === itemId)
        const [lo, hi] = a < b ? [a, b] : [b, a]
        set({ selected: new Set(items.slice(Math.max(0, lo), hi + 1).map((i) => i.itemId)) })
      }
    },
    clearSelection() {
      set({ selected: new Set(), anchor: null })
    },
    onChanged() {
      if (get().pendingEdits > 0) reloadAfterEdit = true
      else void get().load()
    }
  }
})
