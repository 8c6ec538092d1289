import { useEffect, useRef, useState, type DragEvent, type KeyboardEvent } from 'react'
import { useVirtualizer } from '@tanstack/react-virtual'
import type { ShotDto } from '../../../shared/contract/library'
import { formatDuration } from '../lib/format'
import { shotAt, useLibrary, type StatusFilter } from '../stores/library'
import { usePreview } from '../stores/preview'
import { useTimeline } from '../stores/timeline'
import { useSelectedChannel } from '../stores/channels'
import { Poster } from './Poster'
import { ErrorNotice } from './ErrorNotice'

/** The background media check: progress while it runs, then how many shots' files are missing (if any). */
function MediaCheckLine() {
  const check = useLibrary((s) => s.mediaCheck)
  const setStatus = useLibrary((s) => s.setStatus)
  if (!check || (check.done && check.missing === 0)) return null
  return (
    <p className="media-check muted" data-testid="media-check" role="status">
      {check.done
        ? `${check.missing} shot${check.missing === 1 ? '' : 's'} with missing media. `
        : `Checking media: ${check.checked} of ${check.total} shots${check.missing ? `, ${check.missing} missing` : ''}… `}
      {check.missing > 0 && (
        <button type="button" className="link" onClick={() => setStatus('missing')}>
          Show them
        </button>
      )}
    </p>
  )
}

const CARD_MIN_W = 118
const GAP = 8
/** Caption (two lines of prompt) plus the row gap, under a 16:9 poster. */
const CAPTION_H = 44

export function LibraryPanel() {
  const channel = useSelectedChannel()
  const search = useLibrary((s) => s.search)
  const status = useLibrary((s) => s.status)
  const total = useLibrary((s) => s.total)
  const totalCapped = useLibrary((s) => s.totalCapped)
  const error = useLibrary((s) => s.error)
  const setSearch = useLibrary((s) => s.setSearch)
  const setStatus = useLibrary((s) => s.setStatus)
  const importFiles = useLibrary((s) => s.importFiles)
  const fileInput = useRef<HTMLInputElement>(null)
  const [dropping, setDropping] = useState(false)
  const [searchText, setSearchText] = useState(search)

  // Full-text search as you type, without a query per keystroke.
  useEffect(() => {
    if (searchText === useLibrary.getState().search) return
    const t = setTimeout(() => setSearch(searchText), 200)
    return () => clearTimeout(t)
  }, [searchText, setSearch])

  function onDrop(e: DragEvent) {
    e.preventDefault()
    setDropping(false)
    const files = [...e.dataTransfer.files]
    if (files.length) void importFiles(files)
  }

  return (
    <section
      className={`panel library ${dropping ? 'dropping' : ''}`}
      aria-label="Library"
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes('Files')) {
          e.preventDefault()
          setDropping(true)
        }
      }}
      onDragLeave={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDropping(false)
      }}
      onDrop={onDrop}
    >
      <div className="panel-head">
        <h2>Library</h2>
        <span className="muted" data-testid="library-total">
          {total === null ? '' : `${total}${totalCapped ? '+' : ''} shot${total === 1 && !totalCapped ? '' : 's'}`}
        </span>
        <button type="button" className="btn primary" disabled={!channel} onClick={() => fileInput.current?.click()}>
          Import…
        </button>
        <input
          ref={fileInput}
          type="file"
          multiple
          accept="video/*,.mp4,.mov,.mkv,.webm,.ts,.avi"
          hidden
          aria-label="Choose video files to import"
          onChange={(e) => {
            const files = [...(e.target.files ?? [])]
            e.target.value = ''
            if (files.length) void importFiles(files)
          }}
        />
      </div>
      <div className="panel-tools">
        <input
          type="search"
          id="library-search"
          className="grow"
          aria-label="Search prompts"
          placeholder="Search prompts…"
          value={searchText}
          onChange={(e) => setSearchText(e.target.value)}
        />
        <select
          aria-label="Filter by status"
          value={status}
          onChange={(e) => setStatus(e.target.value as StatusFilter)}
        >
          <option value="all">All</option>
          <option value="ready">Ready</option>
          <option value="unapproved">Awaiting review</option>
          <option value="conforming">Conforming</option>
          <option value="queued">Queued</option>
          <option value="pending">Pending</option>
          <option value="failed">Failed</option>
          <option value="missing">Media missing</option>
        </select>
      </div>
      <ImportList />
      <MediaCheckLine />
      <ErrorNotice message={error} />
      {!channel ? (
        <p className="empty">Create a channel (top bar) to start a library.</p>
      ) : total === 0 ? (
        <p className="empty">
          {search || status !== 'all'
            ? 'No shots match.'
            : 'No shots yet. Drop video files here, use Import…, or generate some.'}
        </p>
      ) : (
        <LibraryGrid />
      )}
      {dropping && <div className="drop-hint">Drop to import into {channel?.name ?? 'the channel'}</div>}
    </section>
  )
}

function ImportList() {
  const imports = useLibrary((s) => s.imports)
  const clear = useLibrary((s) => s.clearFinishedImports)
  if (imports.length === 0) return null
  const active = imports.some((e) => e.phase !== 'done' && e.phase !== 'failed')
  return (
    <div className="imports" aria-label="Imports">
      <div className="imports-head">
        <span>{active ? 'Importing…' : 'Import finished'}</span>
        {!active && (
          <button type="button" className="btn small ghost" onClick={clear}>
            Clear
          </button>
        )}
      </div>
      <ul>
        {imports.map((e) => (
          <li key={e.key} className={`import import-${e.phase}`} data-testid="import-entry" data-phase={e.phase}>
            <span className="import-name" title={e.name}>
              {e.name}
            </span>
            {e.phase === 'failed' ? (
              <span className="error-text">{e.error}</span>
            ) : (
              <>
                <progress max={1} value={e.phase === 'done' ? 1 : e.progress} aria-label={`${e.name}: ${e.step}`} />
                <span className="muted">{e.step}</span>
              </>
            )}
          </li>
        ))}
      </ul>
    </div>
  )
}

function LibraryGrid() {
  const total = useLibrary((s) => s.total) ?? 0
  const pages = useLibrary((s) => s.pages)
  const ensureRange = useLibrary((s) => s.ensureRange)
  const previewId = usePreview((s) => s.shotId)
  const openPreview = usePreview((s) => s.open)
  const insert = useTimeline((s) => s.insert)
  const scrollRef = useRef<HTMLDivElement>(null)
  const [grid, setGrid] = useState({ columns: 3, rowH: 120 })
  const { columns, rowH } = grid
  const [focusIndex, setFocusIndex] = useState(0)

  useEffect(() => {
    const el = scrollRef.current
    if (!el) return
    const ro = new ResizeObserver(() => {
      const inner = el.clientWidth - 16
      const cols = Math.max(1, Math.floor((inner + GAP) / (CARD_MIN_W + GAP)))
      const cardW = (inner - GAP * (cols - 1)) / cols
      const next = { columns: cols, rowH: Math.round((cardW * 9) / 16) + CAPTION_H + GAP }
      setGrid((g) => (g.columns === next.columns && g.rowH === next.rowH ? g : next))
    })
    ro.observe(el)
    return () => ro.disconnect()
  }, [])

  const rows = Math.ceil(total / columns)
  // TanStack Virtual's API isn't memoizable by the React Compiler; this component re-renders on scroll by design.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rows,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowH,
    overscan: 3
  })
  useEffect(() => virtualizer.measure(), [rowH, virtualizer])
  const virtualRows = virtualizer.getVirtualItems()
  const firstRow = virtualRows[0]?.index ?? 0
  const lastRow = virtualRows[virtualRows.length - 1]?.index ?? 0

  useEffect(() => {
    ensureRange(firstRow * columns, (lastRow + 1) * columns - 1)
  }, [firstRow, lastRow, columns, pages, ensureRange])

  function onKeyDown(e: KeyboardEvent) {
    const delta = {
      ArrowRight: 1,
      ArrowLeft: -1,
      ArrowDown: columns,
      ArrowUp: -columns,
      Home: -Infinity,
      End: Infinity
    }[e.key]
    if (delta === undefined) return
    e.preventDefault()
    const next = Math.max(0, Math.min(total - 1, focusIndex + delta))
    setFocusIndex(next)
    virtualizer.scrollToIndex(Math.floor(next / columns))
    requestAnimationFrame(() => scrollRef.current?.querySelector<HTMLElement>(`[data-index="${next}"]`)?.focus())
  }

  return (
    <div
      className="library-scroll"
      ref={scrollRef}
      role="grid"
      aria-label="Shots"
      aria-rowcount={rows}
      onKeyDown={onKeyDown}
    >
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualRows.map((row) => (
          <div
            key={row.key}
            role="row"
            className="library-row"
            style={{
              transform: `translateY(${row.start}px)`,
              height: rowH,
              gridTemplateColumns: `repeat(${columns}, 1fr)`
            }}
          >
            {Array.from({ length: columns }, (_, c) => {
              const index = row.index * columns + c
              if (index >= total) return null
              const shot = shotAt({ pages }, index)
              return (
                <ShotCard
                  key={shot?.id ?? `loading-${index}`}
                  index={index}
                  shot={shot}
                  tabbable={index === focusIndex}
                  active={shot !== undefined && shot.id === previewId}
                  onOpen={() => {
                    setFocusIndex(index)
                    if (shot) void openPreview(shot.id)
                  }}
                  onAdd={() => shot && void insert([shot.id])}
                />
              )
            })}
          </div>
        ))}
      </div>
    </div>
  )
}

function ShotCard({
  shot,
  index,
  tabbable,
  active,
  onOpen,
  onAdd
}: {
  shot: ShotDto | undefined
  index: number
  tabbable: boolean
  active: boolean
  onOpen: () => void
  onAdd: () => void
}) {
  if (!shot) {
    return <div role="gridcell" className="shot-card loading" aria-busy="true" data-index={index} />
  }
  const status = shot.status === 'ready' && !shot.approved ? 'review' : shot.status
  return (
    <div
      role="gridcell"
      className={`shot-card ${active ? 'active' : ''}`}
      tabIndex={tabbable ? 0 : -1}
      data-index={index}
      data-shot-id={shot.id}
      data-testid="shot-card"
      aria-label={`Shot ${shot.id}, ${status}${shot.mediaMissing ? ', file missing' : ''}, ${formatDuration(shot.durationMs)}: ${shot.prompt || shot.sourceName || ''}`}
      onClick={onOpen}
      // A (add), P (approve), X (reject) and Space (play) come from the shortcut registry,
      // which acts on the focused card (components/KeyboardShortcuts.tsx).
      onKeyDown={(e) => {
        if (e.key === 'Enter') onOpen()
      }}
    >
      <div className="thumb">
        <Poster path={shot.posterPath} alt="" />
        <span className={`badge status-${status}`}>{status === 'review' ? 'review' : shot.status}</span>
        <span className="badge duration">{formatDuration(shot.durationMs)}</span>
        {shot.mediaMissing && (
          <span
            className="badge media-missing"
            data-testid="media-missing"
            title="Its clip is missing or empty on disk"
          >
            file missing
          </span>
        )}
        {shot.status === 'ready' && (
          <button
            type="button"
            className="add-btn"
            tabIndex={-1}
            title="Add to the end of the timeline (A)"
            aria-label={`Add shot ${shot.id} to timeline`}
            onClick={(e) => {
              e.stopPropagation()
              onAdd()
            }}
          >
            +
          </button>
        )}
      </div>
      <p className="prompt" title={shot.prompt}>
        {shot.prompt || shot.sourceName || <span className="muted">No prompt</span>}
      </p>
    </div>
  )
}
