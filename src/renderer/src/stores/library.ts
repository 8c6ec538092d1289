import { create } from 'zustand'
import type { ShotDto, ShotStatus } from '../../../shared/contract/library'
import { errorMessage, getClient } from '../api/bridge'
import { pathForImport } from '../api/import'
import { attempt, useNotices } from './notices'

export const LIBRARY_PAGE = 200

export type StatusFilter = 'all' | ShotStatus | 'unapproved' | 'missing'

export interface ImportEntry {
  key: number
  name: string
  path: string | null
  phase: 'uploading' | 'waiting' | 'importing' | 'done' | 'failed'
  /** 0..1 of the current phase. */
  progress: number
  step: string
  error: string | null
  shotId: number | null
}

export interface MediaCheck {
  checked: number
  total: number
  missing: number
  done: boolean
}

interface LibraryStore {
  channelId: number | null
  search: string
  status: StatusFilter
  total: number | null
  /** A search found more than `total` (its count stops at a cap): shown as "1000+". */
  totalCapped: boolean
  pages: Record<number, ShotDto[]>
  /** Bumped whenever the query changes so late answers to an old query are dropped. */
  queryId: number
  error: string | null
  imports: ImportEntry[]
  /** The core's background check of every ready shot's media (null until it reports). */
  mediaCheck: MediaCheck | null
  setChannel(id: number | null): void
  setSearch(text: string): void
  setStatus(s: StatusFilter): void
  ensureRange(firstIndex: number, lastIndex: number): void
  refresh(): void
  importFiles(files: File[]): Promise<void>
  clearFinishedImports(): void
  deleteShots(ids: number[]): Promise<void>
}

const inflight = new Set<string>()
let refreshTimer: ReturnType<typeof setTimeout> | null = null
let importKey = 1

function queryInput(s: LibraryStore, page: number) {
  const input: {
    channelId: number
    limit: number
    offset: number
    search?: string
    status?: ShotStatus
    approved?: boolean
    missing?: boolean
  } = { channelId: s.channelId!, limit: LIBRARY_PAGE, offset: page * LIBRARY_PAGE }
  // The trailing space is kept: it says the last word is finished (whole word, not a prefix; main/library/search.ts).
  if (s.search.trim()) input.search = s.search.trimStart()
  if (s.status === 'unapproved') {
    input.status = 'ready'
    input.approved = false
  } else if (s.status === 'missing') {
    input.status = 'ready'
    input.missing = true
  } else if (s.status !== 'all') input.status = s.status
  return input
}

/** Fetches to redo because a change arrived while they were in flight. */
const stale = new Set<string>()
/** The page range the grid last showed. */
let visiblePages: [number, number] = [0, 0]

export const useLibrary = create<LibraryStore>((set, get) => {
  async function fetchPage(page: number, replace: boolean): Promise<void> {
    const s = get()
    if (s.channelId === null) return
    const key = `${s.queryId}:${page}`
    if (inflight.has(key)) {
      // The answer on its way may predate the change that asked for this refresh.
      if (replace) stale.add(key)
      return
    }
    inflight.add(key)
    const qid = s.queryId
    try {
      const { shots, total, totalCapped } = await getClient().bridge.invoke('library.shots.list', queryInput(s, page))
      if (get().queryId !== qid) return
      set((st) => ({
        total,
        totalCapped,
        pages: replace ? { ...st.pages, [page]: shots } : { ...st.pages, [page]: shots },
        error: null
      }))
    } catch (err) {
      if (get().queryId === qid) set({ error: errorMessage(err) })
    } finally {
      inflight.delete(key)
      if (stale.delete(key)) void fetchPage(page, true)
    }
  }

  function newQuery(patch: Partial<LibraryStore>): void {
    set((s) => ({ ...patch, queryId: s.queryId + 1, pages: {}, total: null, error: null }))
    void fetchPage(0, true)
  }

  return {
    channelId: null,
    search: '',
    status: 'all',
    total: null,
    totalCapped: false,
    pages: {},
    queryId: 0,
    error: null,
    imports: [],
    mediaCheck: null,
    setChannel(id) {
      if (id === get().channelId) return
      newQuery({ channelId: id })
    },
    setSearch(text) {
      newQuery({ search: text })
    },
    setStatus(status) {
      newQuery({ status })
    },
    ensureRange(first, last) {
      const s = get()
      if (s.channelId === null) return
      const p0 = Math.floor(Math.max(0, first) / LIBRARY_PAGE)
      const p1 = Math.floor(Math.max(0, last) / LIBRARY_PAGE)
      visiblePages = [p0, p1]
      for (let p = p0; p <= p1; p++) if (!s.pages[p]) void fetchPage(p, false)
    },
    refresh() {
      // Imports send a burst of change events: refetch once per quarter second, keeping
      // the pages on screen until their replacements arrive (no flicker).
      if (refreshTimer) return
      refreshTimer = setTimeout(() => {
        refreshTimer = null
        // Only pages near the screen are refreshed; the others are dropped and fetched
        // again if scrolled back to, so a long-scrolled library doesn't refetch it all.
        const [p0, p1] = visiblePages
        const keep = Object.keys(get().pages)
          .map(Number)
          .filter((p) => p >= p0 - 1 && p <= p1 + 1)
        set((st) => ({ pages: Object.fromEntries(keep.map((p) => [p, st.pages[p]!])) }))
        for (const p of keep.length ? keep : [p0]) void fetchPage(p, true)
      }, 250)
    },
    async importFiles(files) {
      const channelId = get().channelId
      if (channelId === null) {
        useNotices.getState().push('error', 'Choose or create a channel before importing clips.')
        return
      }
      const client = getClient()
      const entries: ImportEntry[] = files.map((f) => ({
        key: importKey++,
        name: f.name,
        path: null,
        phase: 'uploading',
        progress: 0,
        step: client.pathForFile ? 'reading' : 'uploading',
        error: null,
        shotId: null
      }))
      set((s) => ({ imports: [...s.imports, ...entries] }))
      const patch = (key: number, p: Partial<ImportEntry>) =>
        set((s) => ({ imports: s.imports.map((e) => (e.key === key ? { ...e, ...p } : e)) }))

      const ready: { key: number; path: string }[] = []
      for (let i = 0; i < files.length; i++) {
        const entry = entries[i]!
        try {
          const path = await pathForImport(client, files[i]!, (fraction) => patch(entry.key, { progress: fraction }))
          patch(entry.key, { path, phase: 'waiting', progress: 0, step: 'waiting to conform' })
          ready.push({ key: entry.key, path })
        } catch (err) {
          patch(entry.key, { phase: 'failed', error: errorMessage(err) })
        }
      }
      if (ready.length === 0) return
      // The core tags this import's progress events with our id and the file's index.
      const requestId = `import-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`
      importRequests.set(
        requestId,
        ready.map((r) => r.key)
      )
      try {
        const { results } = await client.bridge.invoke('library.import', {
          channelId,
          paths: ready.map((r) => r.path),
          requestId
        })
        results.forEach((r, i) => {
          const key = ready[i]?.key
          if (key === undefined) return
          if (r.ok)
            patch(key, {
              phase: 'done',
              progress: 1,
              step: r.duplicate ? 'already in the library' : 'ready',
              shotId: r.shot.id
            })
          else patch(key, { phase: 'failed', error: r.error })
        })
        const failed = results.filter((r) => !r.ok).length
        if (failed > 0)
          useNotices
            .getState()
            .push(
              'warning',
              `${failed} of ${results.length} files could not be imported — see the import list for the reason.`
            )
      } catch (err) {
        for (const r of ready) patch(r.key, { phase: 'failed', error: errorMessage(err) })
      } finally {
        importRequests.delete(requestId)
      }
      get().refresh()
    },
    clearFinishedImports() {
      set((s) => ({ imports: s.imports.filter((e) => e.phase !== 'done' && e.phase !== 'failed') }))
    },
    async deleteShots(ids) {
      await attempt('Could not delete', async () => {
        await getClient().bridge.invoke('library.shots.delete', { ids })
        get().refresh()
      })
    }
  }
})

/** Import entries by the requestId of the library.import call that carries them, in the call's file order. */
const importRequests = new Map<string, number[]>()

/** Route the core's import progress events to the entry they belong to (by request id and file index); others' imports are not ours to show. */
export function onImportProgress(p: {
  requestId: string
  index: number
  percent: number
  step: string
  shotId?: number | undefined
}): void {
  const key = importRequests.get(p.requestId)?.[p.index]
  if (key === undefined) return
  useLibrary.setState((s) => {
    const idx = s.imports.findIndex((e) => e.key === key && e.phase !== 'done' && e.phase !== 'failed')
    if (idx < 0) return s
    const imports = [...s.imports]
    imports[idx] = {
      ...imports[idx]!,
      phase: 'importing',
      progress: Math.max(0, Math.min(1, p.percent / 100)),
      step: p.step
    }
    return { imports }
  })
}

export function shotAt(s: Pick<LibraryStore, 'pages'>, index: number): ShotDto | undefined {
  return s.pages[Math.floor(index / LIBRARY_PAGE)]?.[index % LIBRARY_PAGE]
}
