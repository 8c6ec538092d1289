import { memo, useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react'
import { defaultRangeExtractor, useVirtualizer, type Range } from '@tanstack/react-virtual'
import {
  DndContext,
  DragOverlay,
  PointerSensor,
  closestCenter,
  useSensor,
  useSensors,
  type DragEndEvent,
  type DragStartEvent,
  type Announcements
} from '@dnd-kit/core'
import { SortableContext, horizontalListSortingStrategy, useSortable } from '@dnd-kit/sortable'
import { CSS } from '@dnd-kit/utilities'
import { formatDuration, formatSeconds } from '../lib/format'
import { moveBlock } from '../lib/order'
import { useTimeline, type TimelineItem } from '../stores/timeline'
import { usePreview } from '../stores/preview'
import { useNowNext } from '../stores/onair'
import { Poster } from './Poster'

const ITEM_W = 132
const GAP = 8

export function TimelineStrip() {
  const items = useTimeline((s) => s.items)
  const loaded = useTimeline((s) => s.loaded)
  const complete = useTimeline((s) => s.complete)
  const total = useTimeline((s) => s.total)
  const loadedMs = useTimeline((s) => s.totalMs)
  const dropBlock = useTimeline((s) => s.dropBlock)
  const selected = useTimeline((s) => s.selected)
  const pendingEdits = useTimeline((s) => s.pendingEdits)
  const reorder = useTimeline((s) => s.reorder)
  const remove = useTimeline((s) => s.remove)
  const clearSelection = useTimeline((s) => s.clearSelection)
  const insert = useTimeline((s) => s.insert)
  const previewShot = usePreview((s) => s.shot)
  const { nowItemId, nextItemId } = useNowNext()
  const [activeId, setActiveId] = useState<number | null>(null)
  const lifted = useTimeline((s) => s.lifted)
  const scrollRef = useRef<HTMLDivElement>(null)

  const ids = useMemo(() => items.map((i) => i.itemId), [items])
  // A long playlist's first page comes with the whole list's count and length; the rest follows.
  const count = complete ? items.length : total
  const itemsMs = useMemo(() => items.reduce((sum, i) => sum + (i.durationMs ?? 0), 0), [items])
  const totalMs = complete ? itemsMs : loadedMs
  const positionOf = useMemo(() => new Map(items.map((it, i) => [it.itemId, i])), [items])

  const sensors = useSensors(
    // The keyboard reorder is the store's (lift / moveLifted / dropLifted): dnd-kit's
    // keyboard sensor can only reach cards that are mounted in the virtualized strip.
    useSensor(PointerSensor, { activationConstraint: { distance: 6 } })
  )

  // Kept while the items are: the virtualizer measures all `count` cards again whenever its key
  // function changes, which a fresh one per render made 30,000 objects on every scroll frame.
  const getItemKey = useCallback((i: number) => items[i]?.itemId ?? i, [items])

  // TanStack Virtual's API isn't memoizable by the React Compiler; this component re-renders on scroll by design.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    horizontal: true,
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ITEM_W + GAP,
    overscan: 8,
    getItemKey,
    // A card lifted with the keyboard stays mounted (it keeps the focus) however far
    // its drop position moves, and so do the cards around that position.
    rangeExtractor: (range: Range) => {
      const base = defaultRangeExtractor(range)
      if (!lifted) return base
      const extra = [positionOf.get(lifted.itemId) ?? 0]
      for (let i = Math.max(0, lifted.target - 3); i <= Math.min(range.count - 1, lifted.target + 3); i++) extra.push(i)
      return [...new Set([...base, ...extra])].sort((a, b) => a - b)
    }
  })

  const liftedTarget = lifted?.target ?? null
  useEffect(() => {
    if (liftedTarget !== null) virtualizer.scrollToIndex(liftedTarget, { align: 'auto' })
  }, [liftedTarget, virtualizer])

  function onDragStart(e: DragStartEvent) {
    setActiveId(Number(e.active.id))
  }
  function onDragEnd(e: DragEndEvent) {
    setActiveId(null)
    const over = e.over?.id
    if (over === undefined || over === e.active.id) return
    const active = Number(e.active.id)
    const block = selected.has(active) ? selected : new Set<number>([active])
    if (!complete) {
      // Dropped before the rest of a long playlist arrived: the store moves it once all of it is here.
      void dropBlock(block, active, Number(over))
      return
    }
    void reorder(moveBlock(ids, block, active, Number(over)), block)
  }

  const announcements: Announcements = {
    onDragStart: ({ active }) =>
      `Picked up shot at position ${(positionOf.get(Number(active.id)) ?? 0) + 1}. Use the arrow keys to move, space to drop, escape to cancel.`,
    onDragOver: ({ over }) =>
      over ? `Over position ${(positionOf.get(Number(over.id)) ?? 0) + 1}.` : 'Not over a position.',
    onDragEnd: ({ over }) => (over ? `Dropped at position ${(positionOf.get(Number(over.id)) ?? 0) + 1}.` : 'Dropped.'),
    onDragCancel: () => 'Move cancelled.'
  }

  // dnd-kit sorts among the cards on screen (the strip is virtualized: only they can be
  // dragged over); handing it every id of a 30,000-item playlist costs on every render.
  const virtualItems = virtualizer.getVirtualItems()
  const sortableIds = virtualItems.flatMap((v) => {
    const id = items[v.index]?.itemId
    return id === undefined ? [] : [id]
  })
  if (activeId !== null && !sortableIds.includes(activeId)) sortableIds.push(activeId)

  const selectedIds = ids.filter((id) => selected.has(id))
  const dragCount = activeId !== null && selected.has(activeId) ? selected.size : 1
  const activeItem = activeId !== null ? items[positionOf.get(activeId) ?? -1] : undefined

  return (
    <section className="panel timeline" aria-label="Timeline">
      <div className="panel-head">
        <h2>Timeline</h2>
        <span className="muted" data-testid="timeline-summary">
          {count} shot{count === 1 ? '' : 's'} · {formatDuration(totalMs)}
          {pendingEdits > 0 ? ' · saving…' : ''}
        </span>
        <span className="muted hint">Space picks up · ←/→ move · Space drops · Del removes</span>
        <div className="spacer" />
        {previewShot && previewShot.status === 'ready' && (
          <button
            type="button"
            className="btn"
            onClick={() => {
              const last = selectedIds.length ? Math.max(...selectedIds.map((id) => positionOf.get(id) ?? 0)) : -1
              void insert([previewShot.id], last >= 0 ? last + 1 : undefined)
            }}
          >
            {selectedIds.length ? 'Insert preview after selection' : 'Append preview shot'}
          </button>
        )}
        <button
          type="button"
          className="btn"
          disabled={selectedIds.length === 0}
          onClick={() => void remove(selectedIds)}
        >
          Remove{selectedIds.length > 1 ? ` ${selectedIds.length}` : ''}
        </button>
        <button type="button" className="btn ghost" disabled={selectedIds.length === 0} onClick={clearSelection}>
          Clear selection
        </button>
      </div>
      {loaded && count === 0 ? (
        <p className="empty">
          The timeline is empty. Add ready shots from the library (the + on a card, or A on a focused card).
        </p>
      ) : (
        <DndContext
          sensors={sensors}
          collisionDetection={closestCenter}
          onDragStart={onDragStart}
          onDragEnd={onDragEnd}
          onDragCancel={() => setActiveId(null)}
          accessibility={{ announcements }}
        >
          <p className="sr-only" role="status" aria-live="assertive" data-testid="timeline-move-status">
            {lifted
              ? `Moving shot from position ${(positionOf.get(lifted.itemId) ?? 0) + 1} to position ${lifted.target + 1} of ${count}. Arrow keys move, Space drops, Escape cancels.`
              : ''}
          </p>
          <SortableContext items={sortableIds} strategy={horizontalListSortingStrategy}>
            <div
              className="timeline-scroll"
              ref={scrollRef}
              role="listbox"
              aria-multiselectable="true"
              aria-label="Timeline shots in air order"
              data-testid="timeline"
            >
              <div style={{ width: virtualizer.getTotalSize(), height: '100%', position: 'relative' }}>
                {virtualItems.map((v) => {
                  const item = items[v.index]
                  if (!item) return null
                  return (
                    <div
                      key={item.itemId}
                      className="timeline-slot"
                      style={{ transform: `translateX(${v.start}px)`, width: ITEM_W }}
                    >
                      <TimelineCard
                        item={item}
                        index={v.index}
                        selected={selected.has(item.itemId)}
                        now={item.itemId === nowItemId}
                        next={item.itemId === nextItemId}
                        lifted={lifted?.itemId === item.itemId}
                        dropTarget={lifted !== null && lifted.target === v.index && lifted.itemId !== item.itemId}
                      />
                    </div>
                  )
                })}
              </div>
            </div>
          </SortableContext>
          <DragOverlay dropAnimation={null}>
            {activeItem ? (
              <div className="timeline-card overlay">
                <Poster path={activeItem.posterPath} alt="" />
                {dragCount > 1 && <span className="badge count">{dragCount}</span>}
              </div>
            ) : null}
          </DragOverlay>
        </DndContext>
      )}
    </section>
  )
}

const TimelineCard = memo(function TimelineCard({
  item,
  index,
  selected,
  now,
  next,
  lifted,
  dropTarget
}: {
  item: TimelineItem
  index: number
  selected: boolean
  now: boolean
  next: boolean
  lifted: boolean
  dropTarget: boolean
}) {
  const { attributes, listeners, setNodeRef, transform, transition, isDragging } = useSortable({ id: item.itemId })
  const select = useTimeline((s) => s.select)
  const remove = useTimeline((s) => s.remove)
  const openPreview = usePreview((s) => s.open)
  const previewing = usePreview((s) => s.shotId === item.shotId)
  const unairable = item.status !== 'ready' ? item.status : !item.approved ? 'review' : null

  function onClick(e: MouseEvent) {
    select(item.itemId, e.shiftKey ? 'range' : e.ctrlKey || e.metaKey ? 'toggle' : 'only')
    if (!e.shiftKey && !e.ctrlKey && !e.metaKey) void openPreview(item.shotId)
  }
  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    if (isDragging) return
    const t = useTimeline.getState()
    if (lifted) {
      // Picked up: arrows move the drop position, Space/Enter drop, Escape puts it back.
      if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') t.moveLifted(e.key === 'ArrowRight' ? 1 : -1)
      else if (e.key === ' ' || e.key === 'Enter') t.dropLifted()
      else if (e.key === 'Escape') t.dropLifted(true)
      else return
      e.preventDefault()
      return
    }
    if (e.key === ' ') {
      e.preventDefault()
      t.lift(item.itemId)
    } else if (e.key === 'Enter') {
      select(item.itemId, 'only')
      void openPreview(item.shotId)
    } else if (e.key === 'Delete' || e.key === 'Backspace') {
      e.preventDefault()
      const sel = useTimeline.getState().selected
      void remove(sel.has(item.itemId) ? [...sel] : [item.itemId])
    } else if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      // Arrow keys walk the strip when nothing is picked up; shift extends the selection.
      e.preventDefault()
      const sib =
        e.currentTarget.parentElement?.[
          e.key === 'ArrowRight' ? 'nextElementSibling' : 'previousElementSibling'
        ]?.querySelector<HTMLElement>('.timeline-card')
      sib?.focus()
      if (sib && e.shiftKey) select(Number(sib.dataset.itemId), 'range')
    }
  }

  return (
    <div
      ref={setNodeRef}
      {...attributes}
      {...listeners}
      onKeyDown={onKeyDown}
      onClick={onClick}
      role="option"
      aria-selected={selected}
      aria-grabbed={lifted}
      aria-roledescription="sortable shot"
      aria-label={`Position ${index + 1}: ${item.prompt || 'shot ' + item.shotId}, ${formatSeconds(item.durationMs)}${now ? ', on air now' : next ? ', up next' : ''}`}
      data-testid="timeline-item"
      data-item-id={item.itemId}
      data-shot-id={item.shotId}
      className={`timeline-card ${selected ? 'selected' : ''} ${isDragging || lifted ? 'dragging' : ''} ${dropTarget ? 'drop-target' : ''} ${now ? 'now' : ''} ${next ? 'next' : ''} ${previewing ? 'previewing' : ''}`}
      style={{ transform: CSS.Translate.toString(transform), transition }}
    >
      <Poster path={item.posterPath} alt="" />
      <span className="badge pos">{index + 1}</span>
      <span className="badge duration">{formatSeconds(item.durationMs)}</span>
      {now && <span className="badge onair-now">NOW</span>}
      {!now && next && <span className="badge onair-next">NEXT</span>}
      {unairable && <span className={`badge status-${unairable}`}>{unairable}</span>}
      <span className="caption">{item.prompt || `Shot ${item.shotId}`}</span>
    </div>
  )
})
