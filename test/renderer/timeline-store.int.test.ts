/**
 * The timeline store (src/renderer/src/stores/timeline.ts) against the real core:
 * a headless studio server with its SQLite library, reached through the renderer's
 * own WsBridge over a real WebSocket — what the page does in a browser. The tests
 * check what the user sees and what the core keeps (orders, selections, notices,
 * reloads), not which calls carry an edit, so they hold whether a multi-shot move
 * is sent as several moves or as one reorder.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Core } from '../../src/main/core/core'
import { PLAYLIST_EDIT_WINDOW, type PlaylistDto } from '../../src/shared/contract/library'
import type { WsBridge } from '../../src/renderer/src/api/ws-bridge'
import { useNotices } from '../../src/renderer/src/stores/notices'
import { useTimeline } from '../../src/renderer/src/stores/timeline'
import { makeClip } from '../fixtures/media'
import { tempDir } from '../helpers/tmp'
import { openRendererCore, type RendererCore } from '../helpers/renderer-core'

let studio: RendererCore
let core: Core
let bridge: WsBridge
let channelId: number
let shotIds: number[]
/** Every call the store made, by name (the real bridge underneath answers them). */
const calls: string[] = []
/** How many playlist items each answer carried, by call. */
const answered: Array<{ name: string; items: number }> = []
/** While set, pages after the first wait for it: the test decides when "the rest" arrives. */
let holdLaterPages: Promise<void> | null = null

const call: RendererCore['call'] = (name, input) => studio.call(name, input)

const coreOrder = async (): Promise<number[]> =>
  (await call('library.playlist.get', { channelId })).items.map((i: PlaylistDto['items'][number]) => i.itemId)
const storeOrder = (): number[] => useTimeline.getState().items.map((i) => i.itemId)

/** Until the store has no edit in flight and no reload pending (reloads are fire-and-forget). */
async function settled(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const s = useTimeline.getState()
    if (s.pendingEdits === 0 && s.loaded) {
      // Let a reload started on the last edit's way out land.
      await new Promise((r) => setTimeout(r, 50))
      if (useTimeline.getState().pendingEdits === 0) return
    }
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error('the timeline store never settled')
}

beforeAll(async () => {
  studio = await openRendererCore({
    name: 'timeline-store',
    invoke: async (name, input, next) => {
      calls.push(name)
      const offset = (input as { offset?: number } | undefined)?.offset ?? 0
      if (name === 'library.playlist.page' && offset > 0 && holdLaterPages) await holdLaterPages
      const answer = await next(name, input)
      answered.push({ name, items: (answer as { items?: unknown[] } | undefined)?.items?.length ?? 0 })
      return answer
    }
  })
  core = studio.core
  bridge = studio.bridge!

  const channel = await call('library.channels.create', {
    name: 'timeline',
    format: { width: 320, height: 180, fps: 12 }
  })
  channelId = channel.id
  // Three distinct small clips (different sizes, so none is a duplicate of another).
  const clips = [320, 336, 352].map((w) => makeClip(studio.dir, { width: w, height: 180, fps: 12, seconds: 1 }))
  const imported = await call('library.import', { channelId, paths: clips, approved: true })
  shotIds = imported.results.map((r) => {
    if (!r.ok) throw new Error(r.error)
    return r.shot.id
  })
}, 120_000)

afterAll(async () => {
  await studio?.close()
})

beforeEach(async () => {
  // A fresh timeline of six items (each shot twice) and a fresh store for every test.
  const current = await call('library.playlist.get', { channelId })
  if (current.items.length)
    await call('library.playlist.remove', { itemIds: current.items.map((i: PlaylistDto['items'][number]) => i.itemId) })
  await call('library.playlist.add', { channelId, shotIds: [...shotIds, ...shotIds] })
  useTimeline.setState({
    channelId: null,
    items: [],
    loaded: false,
    selected: new Set(),
    anchor: null,
    pendingEdits: 0,
    lifted: null,
    error: null
  })
  useNotices.setState({ notices: [] })
  useTimeline.getState().setChannel(channelId)
  await settled()
  calls.length = 0
})

describe('timeline store', () => {
  it('loads the channel playlist in the core order with its revision', async () => {
    const p = await call('library.playlist.get', { channelId })
    expect(storeOrder()).toEqual(p.items.map((i: PlaylistDto['items'][number]) => i.itemId))
    expect(useTimeline.getState().revision).toBe(p.revision)
    expect(storeOrder()).toHaveLength(6)
  })

  it('shows a multi-select drag at once and ends with exactly the order the core kept', async () => {
    const ids = storeOrder()
    const s = useTimeline.getState()
    s.select(ids[0]!, 'only')
    s.select(ids[2]!, 'toggle')
    expect([...useTimeline.getState().selected]).toEqual([ids[0], ids[2]])
    const revisionBefore = useTimeline.getState().revision
    // Drag the block {0, 2} onto the last item: it lands after it.
    const final = [ids[1]!, ids[3]!, ids[4]!, ids[5]!, ids[0]!, ids[2]!]
    const done = useTimeline.getState().reorder(final, useTimeline.getState().selected)
    // Optimistic: the new order is on screen before the core answers, positions renumbered.
    expect(storeOrder()).toEqual(final)
    expect(useTimeline.getState().items.map((i) => i.position)).toEqual([0, 1, 2, 3, 4, 5])
    await expect(done).resolves.toBe(true)
    await settled()
    expect(storeOrder()).toEqual(final)
    expect(await coreOrder()).toEqual(final)
    expect(useTimeline.getState().revision).toBeGreaterThan(revisionBefore)
    expect(useNotices.getState().notices).toEqual([])
  })

  it('sends nothing for a drop that changes no order', async () => {
    const ids = storeOrder()
    await expect(useTimeline.getState().reorder(ids)).resolves.toBe(true)
    expect(calls).toEqual([])
  })

  it('puts a refused edit back, says so, and then shows what the core kept', async () => {
    const ids = storeOrder()
    // Another window removes two items; this one still shows them and drags them.
    await call('library.playlist.remove', { itemIds: [ids[4]!, ids[5]!] })
    const final = [ids[4]!, ids[5]!, ids[0]!, ids[1]!, ids[2]!, ids[3]!]
    const ok = await useTimeline.getState().reorder(final, new Set([ids[4]!, ids[5]!]))
    expect(ok).toBe(false)
    // At once: the order from before the drag (the reload of the truth is still on its way).
    expect(storeOrder()).toEqual(ids)
    await settled()
    // Whatever part of the edit the core applied, the screen now equals the core.
    expect(storeOrder()).toEqual(await coreOrder())
    expect(storeOrder()).not.toContain(ids[4])
    const notices = useNotices.getState().notices
    expect(notices).toHaveLength(1)
    expect(notices[0]!.level).toBe('error')
    expect(notices[0]!.message).toMatch(/refused/)
    expect(notices[0]!.message).toMatch(/The timeline shows what the core kept/)
  })

  it('folds change events that arrive during an edit into one reload after it', async () => {
    const ids = storeOrder()
    const final = [ids[1]!, ids[0]!, ...ids.slice(2)]
    const done = useTimeline.getState().reorder(final)
    // Our own edit echoes back as change events while it is in flight; another client edits too.
    useTimeline.getState().onChanged()
    useTimeline.getState().onChanged()
    void useTimeline.getState().load()
    await done
    await settled()
    // The load() call, then one reload (a six-item playlist is one page).
    expect(calls.filter((c) => c === 'library.playlist.page')).toHaveLength(2)
    expect(storeOrder()).toEqual(final)
    expect(await coreOrder()).toEqual(final)
  })

  it('does not reload after its own edit (the change event carries the revision the answer brought), but follows another client', async () => {
    // The page's subscription (stores/subscriptions.ts): the core's change events, with their revision.
    const off = bridge.on('library.changed', (e) => {
      if (e.channelId === channelId && e.what !== 'channels') useTimeline.getState().onChanged(e.revision)
    })
    try {
      const ids = storeOrder()
      const final = [ids[2]!, ids[0]!, ids[1]!, ...ids.slice(3)]
      await expect(useTimeline.getState().reorder(final)).resolves.toBe(true)
      await settled()
      // The echo of our own reorder came and went: no page was read again.
      expect(calls.filter((c) => c === 'library.playlist.page')).toEqual([])
      expect(storeOrder()).toEqual(final)
      expect(useTimeline.getState().revision).toBe((await call('library.playlist.get', { channelId })).revision)

      // Another window moves an item: its event is newer than the strip, which reloads and follows.
      const other = [...final].reverse()
      await call('library.playlist.reorder', { channelId, itemIds: other })
      for (let i = 0; i < 100 && storeOrder()[0] !== other[0]; i++) await new Promise((r) => setTimeout(r, 25))
      await settled()
      expect(storeOrder()).toEqual(other)
      expect(calls.filter((c) => c === 'library.playlist.page').length).toBeGreaterThan(0)
    } finally {
      off()
    }
  })

  it('removes the selected items and drops them from the selection', async () => {
    const ids = storeOrder()
    const s = useTimeline.getState()
    s.select(ids[1]!, 'only')
    s.select(ids[3]!, 'range')
    expect([...useTimeline.getState().selected]).toEqual([ids[1], ids[2], ids[3]])
    s.select(ids[5]!, 'toggle')
    await useTimeline.getState().remove([ids[1]!, ids[2]!])
    await settled()
    expect(storeOrder()).toEqual([ids[0], ids[3], ids[4], ids[5]])
    expect(await coreOrder()).toEqual(storeOrder())
    expect([...useTimeline.getState().selected].sort()).toEqual([ids[3], ids[5]].sort())
  })

  it('inserts shots at a position', async () => {
    await useTimeline.getState().insert([shotIds[2]!], 1)
    await settled()
    const items = useTimeline.getState().items
    expect(items).toHaveLength(7)
    expect(items[1]!.shotId).toBe(shotIds[2])
    expect(storeOrder()).toEqual(await coreOrder())
  })

  it('moves a card with the keyboard (lift, arrows, drop) and puts it back on Escape', async () => {
    const ids = storeOrder()
    const s = useTimeline.getState()
    s.lift(ids[0]!)
    s.moveLifted(+1)
    s.moveLifted(+1)
    s.moveLifted(+10) // clamped to the end
    expect(useTimeline.getState().lifted).toEqual({ itemId: ids[0], target: 5 })
    s.moveLifted(-2)
    useTimeline.getState().dropLifted(true)
    expect(useTimeline.getState().lifted).toBeNull()
    await settled()
    expect(storeOrder()).toEqual(ids)
    expect(calls).toEqual([])

    useTimeline.getState().lift(ids[0]!)
    useTimeline.getState().moveLifted(3)
    useTimeline.getState().dropLifted()
    await settled()
    const want = [ids[1], ids[2], ids[3], ids[0], ids[4], ids[5]]
    expect(storeOrder()).toEqual(want)
    expect(await coreOrder()).toEqual(want)
  })

  it('shows a long playlist from its first page, with the whole count, then all of it; a drop made meanwhile lands once all is here', async () => {
    const long = await call('library.channels.create', {
      name: `long-${Date.now()}`,
      format: { width: 320, height: 180, fps: 12 }
    })
    // 2,500 items of the channel's one shot: a first page of 200, then the rest page by page.
    const clip = makeClip(tempDir('webtv-long-').dir, { width: 320, height: 180, fps: 12, seconds: 1 })
    const imported = await call('library.import', { channelId: long.id, paths: [clip], approved: true })
    const one = imported.results[0]!
    if (!one.ok) throw new Error(one.error)
    for (let i = 0; i < 2500; i += 1000)
      await call('library.playlist.add', {
        channelId: long.id,
        shotIds: Array.from({ length: Math.min(1000, 2500 - i) }, () => one.shot.id)
      })
    const order = (await call('library.playlist.get', { channelId: long.id })).items.map(
      (i: PlaylistDto['items'][number]) => i.itemId
    )

    calls.length = 0
    answered.length = 0
    // The rest of the list is held back until the drop below is made (on a quick machine it
    // arrived before the test could look at the first screen).
    let release: () => void = () => {}
    holdLaterPages = new Promise<void>((r) => (release = r))
    useTimeline.getState().setChannel(long.id)
    await expect.poll(() => useTimeline.getState().loaded).toBe(true)
    const first = useTimeline.getState()
    // The first screen: 200 items, and the whole list's count and length.
    expect(first.complete).toBe(false)
    expect(first.items.length).toBe(200)
    expect(first.total).toBe(2500)
    expect(first.totalMs).toBe(2500 * (one.shot.durationMs ?? 0))
    // Picked up and dropped at position 2,300 before that part has arrived.
    first.lift(order[0]!)
    first.moveLifted(2300)
    first.dropLifted()
    holdLaterPages = null
    release()
    await expect.poll(() => useTimeline.getState().complete, { timeout: 30_000 }).toBe(true)
    await settled()
    expect(calls.filter((c) => c === 'library.playlist.get')).toEqual([])
    const want = [...order.slice(1, 2301), order[0]!, ...order.slice(2301)]
    await expect.poll(storeOrder, { timeout: 30_000 }).toEqual(want)
    expect(useTimeline.getState().total).toBe(2500)
    const core2 = (await call('library.playlist.get', { channelId: long.id })).items.map(
      (i: PlaylistDto['items'][number]) => i.itemId
    )
    expect(core2).toEqual(want)
    // The drop was one reorder whose answer carried the head of the new order, not 2,500 items
    // back; the store kept the order it sent, at the core's revision.
    const reorders = answered.filter((a) => a.name === 'library.playlist.reorder')
    expect(reorders).toEqual([{ name: 'library.playlist.reorder', items: PLAYLIST_EDIT_WINDOW }])
    await settled()
    expect(useTimeline.getState().revision).toBe((await call('library.playlist.get', { channelId: long.id })).revision)
  }, 120_000)

  it('refuses a playlist page past the limit with a clear error', async () => {
    const r = await core.dispatch('library.playlist.page', { channelId, offset: 0, limit: 5000 })
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error.message).toMatch(/limit/i)
    const empty = await call('library.playlist.page', { channelId, offset: 100, limit: 10 })
    expect(empty.items).toEqual([])
    expect(empty.total).toBe(6)
  })

  it('forgets the old channel at once when another is chosen', async () => {
    const other = await call('library.channels.create', {
      name: `other-${Date.now()}`,
      format: { width: 320, height: 180, fps: 12 }
    })
    useTimeline.getState().select(storeOrder()[0]!, 'only')
    useTimeline.getState().setChannel(other.id)
    expect(useTimeline.getState().items).toEqual([])
    expect(useTimeline.getState().selected.size).toBe(0)
    await settled()
    expect(useTimeline.getState().channelId).toBe(other.id)
    expect(useTimeline.getState().items).toEqual([])
  })
})
