import { create } from 'zustand'
import type { PlaylistDto, PlaylistPageDto } from '../../../shared/contract/library'
import { errorMessage, getClient } from '../api/bridge'
import { moveBlock, planMoves } from '../lib/order'
import { useNotices } from './notices'

export type TimelineItem = PlaylistDto['items'][number]

/** Items in the first page of a load: enough for the first screen of any strip. */
const FIRST_PAGE = 200
/**
 * Items per page while the rest of a long playlist arrives in the background. Small
 * enough (about 190 KB of JSON) that a page in flight when the user picks another
 * channel holds the core's answer to the new first screen only briefly, and that
 * reading one on the page's main thread fits inside a frame or two of scrolling.
 */
const REST_PAGE = 500

interface TimelineStore {
  channelId: number | null
  /** The playlist in air order; while `complete` is false, only its first `items.length` of `total`. */
  items: TimelineItem[]
  revision: number
  loaded: boolean
  /** Every item is in `items` (a long playlist arrives page by page after its first screen). */
  complete: boolean
  /** Items in the whole playlist and their summed length, known from the first page on. */
  total: number
  totalMs: number
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
  /** Move `block` (ids) to where `over` is, once the whole playlist is here (a drop on a long, still-loading strip). */
  dropBlock(block: ReadonlySet<number>, active: number, over: number): Promise<void>
  /** Resolves when every item is in `items` (at once when it already is). */
  whenComplete(): Promise<void>
  remove(itemIds: number[]): Promise<void>
  insert(shotIds: number[], atPosition?: number): Promise<void>
  select(itemId: number, mode: 'only' | 'toggle' | 'range'): void
  clearSelection(): void
  /**
   * The channel's playlist or shots changed. With the revision the core reached: no reload when the
   * strip is already there (the answer to our own edit carried it). Without one: reload.
   */
  onChanged(revision?: number): void
}

let reloadAfterEdit = false
/** The highest revision change events announced while edits were in flight. */
let announcedRevision = 0
/** Grows with every load: a page that answers an older load is dropped. */
let loadSeq = 0
let completeWaiters: Array<() => void> = []

function apply(
  p: PlaylistDto
): Pick<TimelineStore, 'items' | 'revision' | 'loaded' | 'error' | 'complete' | 'total' | 'totalMs'> {
  return {
    items: p.items,
    revision: p.revision,
    loaded: true,
    error: null,
    complete: true,
    total: p.items.length,
    totalMs: p.items.reduce((sum, i) => sum + (i.durationMs ?? 0), 0)
  }
}

/** The core's answer to an edit we sent whole: same count and the same head as what the screen shows. */
function agrees(shown: TimelineItem[], page: PlaylistPageDto): boolean {
  return shown.length === page.total && page.items.every((item, i) => shown[page.offset + i]?.itemId === item.itemId)
}

function settleWaiters(): void {
  const ws = completeWaiters
  completeWaiters = []
  for (const w of ws) w()
}

export const useTimeline = create<TimelineStore>((set, get) => {
  /** Run an edit optimistically: show `optimistic` now, put `snapshot` back and reload the truth if refused. */
  async function edit(
    what: string,
    optimistic: TimelineItem[] | null,
    run: () => Promise<PlaylistDto | PlaylistPageDto>
  ): Promise<boolean> {
    const channelId = get().channelId
    const snapshot = get().items
    set((s) => ({ pendingEdits: s.pendingEdits + 1, ...(optimistic ? { items: optimistic } : {}) }))
    try {
      const result = await run()
      if (get().channelId === channelId) {
        if (!('total' in result)) {
          loadSeq++ // the whole playlist came with the answer: a page load still under way is moot
          set(apply(result))
          settleWaiters()
        } else if (optimistic && agrees(optimistic, result)) {
          // A reorder answers with its head only: the order on screen is the one we sent.
          set({ revision: result.revision, total: result.total, totalMs: result.totalDurationMs })
        } else reloadAfterEdit = true
      }
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
      if (get().pendingEdits === 0) {
        // Our own edit's change events announce the revision its answer brought: nothing to reload.
        const behind = announcedRevision > get().revision
        announcedRevision = 0
        if (reloadAfterEdit || behind) {
          reloadAfterEdit = false
          void get().load()
        }
      }
    }
  }

  return {
    channelId: null,
    items: [],
    revision: 0,
    loaded: false,
    complete: true,
    total: 0,
    totalMs: 0,
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
      const target = Math.max(0, Math.min(get().total - 1, l.target + delta))
      set({ lifted: { ...l, target } })
    },
    dropLifted(cancel = false) {
      const l = get().lifted
      set({ lifted: null })
      if (!l || cancel) return
      void get()
        .whenComplete()
        .then(() => {
          const over = get().items[l.target]?.itemId
          if (over === undefined || over === l.itemId) return
          const sel = get().selected
          return get().dropBlock(sel.has(l.itemId) ? sel : new Set<number>([l.itemId]), l.itemId, over)
        })
    },
    async dropBlock(block, active, over) {
      const channelId = get().channelId
      await get().whenComplete()
      if (get().channelId !== channelId) return
      const ids = get().items.map((i) => i.itemId)
      await get().reorder(moveBlock(ids, block, active, over), block)
    },
    whenComplete() {
      if (get().complete) return Promise.resolve()
      return new Promise((resolve) => completeWaiters.push(resolve))
    },
    error: null,
    setChannel(id) {
      if (id === get().channelId) return
      loadSeq++
      set({
        channelId: id,
        items: [],
        loaded: false,
        complete: true,
        total: 0,
        totalMs: 0,
        selected: new Set(),
        anchor: null,
        error: null,
        lifted: null
      })
      settleWaiters()
      void get().load()
    },
    async load() {
      const channelId = get().channelId
      if (channelId === null) return
      const seq = ++loadSeq
      // The first screen first: a day-long playlist (30,000 items, megabytes of JSON)
      // would otherwise keep the strip blank until all of it had crossed the wire. The
      // rest follows page by page; a page from another revision starts the load over.
      const stale = (): boolean => seq !== loadSeq || get().channelId !== channelId
      // A reload of the strip on screen keeps showing what it has until the new list is whole.
      const refresh = get().loaded && get().complete
      try {
        const bridge = getClient().bridge
        const first = await bridge.invoke('library.playlist.page', { channelId, offset: 0, limit: FIRST_PAGE })
        if (stale()) return
        // An edit is on its way: this answer may predate it and would undo the
        // optimistic order on screen; reload once the edits have settled instead.
        if (get().pendingEdits > 0) {
          reloadAfterEdit = true
          return
        }
        const complete = first.items.length >= first.total
        if (complete || !refresh)
          set({
            items: first.items,
            revision: first.revision,
            loaded: true,
            error: null,
            complete,
            total: first.total,
            totalMs: first.totalDurationMs
          })
        let items = first.items
        while (items.length < first.total) {
          const page = await bridge.invoke('library.playlist.page', {
            channelId,
            offset: items.length,
            limit: REST_PAGE
          })
          if (stale()) return
          if (page.revision !== first.revision || page.items.length === 0) {
            if (get().pendingEdits > 0) reloadAfterEdit = true
            else void get().load()
            return
          }
          items = items.concat(page.items)
        }
        if (!complete) {
          if (get().pendingEdits > 0) {
            reloadAfterEdit = true
            return
          }
          set({
            items,
            revision: first.revision,
            loaded: true,
            error: null,
            complete: true,
            total: first.total,
            totalMs: first.totalDurationMs
          })
        }
        // Drop selections of items that no longer exist.
        const ids = new Set(items.map((i) => i.itemId))
        set((s) => ({ selected: new Set([...s.selected].filter((id) => ids.has(id))) }))
        settleWaiters()
      } catch (err) {
        if (!stale()) set({ error: errorMessage(err), loaded: true })
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
    onChanged(revision) {
      if (revision === undefined) {
        if (get().pendingEdits > 0) reloadAfterEdit = true
        else void get().load()
      } else if (get().pendingEdits > 0) announcedRevision = Math.max(announcedRevision, revision)
      else if (revision > get().revision || !get().loaded) void get().load()
    }
  }
})
