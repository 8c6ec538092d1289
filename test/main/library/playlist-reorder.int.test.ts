import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { tempDir } from '../../helpers/tmp'
import { makeClip, makeNotMedia } from '../../fixtures/media'
import type { Core } from '../../../src/main/core/core'
import { libraryFeature } from '../../../src/main/library/feature'
import { LIBRARY } from '../../../src/main/services'
import { openStudio } from '../../../src/main/studio'
import type { CallName, CallInput, CallOutput } from '../../../src/shared/contract'

let tmp: ReturnType<typeof tempDir>
let core: Core
const events: Array<{ name: string; payload: unknown }> = []

async function call<K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>> {
  const r = await core.dispatch(name, input)
  if (!r.ok) throw Object.assign(new Error(r.error.message), r.error)
  return r.value as CallOutput<K>
}

beforeAll(async () => {
  tmp = tempDir()
  // Just the library: reorder and import need nothing else.
  core = await openStudio({ dataDir: join(tmp.dir, 'data'), shell: 'headless', version: 'test' }, [libraryFeature])
  core.bus.onAny((name, payload) => events.push({ name, payload }))
})
afterAll(async () => {
  await core.close()
  tmp.cleanup()
})

/** A channel whose playlist holds `n` (media-less) shots; returns its id and the item ids in order. */
async function channelWithPlaylist(name: string, n: number): Promise<{ channelId: number; itemIds: number[] }> {
  const lib = core.services.get(LIBRARY)
  const channel = await call('library.channels.create', { name })
  const shotIds = Array.from({ length: n }, (_, i) => lib.createShot(channel.id, { prompt: `shot ${i}` }).id)
  const p = await call('library.playlist.add', { channelId: channel.id, shotIds })
  return { channelId: channel.id, itemIds: p.items.map((i) => i.itemId) }
}

describe('library.playlist.reorder', () => {
  it('moves several items in one edit: one revision, positions dense', async () => {
    const { channelId, itemIds } = await channelWithPlaylist('Reorder', 6)
    const [a, b, c, d, e, f] = itemIds as [number, number, number, number, number, number]
    const before = await call('library.playlist.get', { channelId })
    const changes = events.length
    // A multi-select drag: b, d and e move together to the front.
    const after = await call('library.playlist.reorder', { channelId, itemIds: [b, d, e, a, c, f] })
    expect(after.items.map((i) => i.itemId)).toEqual([b, d, e, a, c, f])
    expect(after.items.map((i) => i.position)).toEqual([0, 1, 2, 3, 4, 5])
    expect(after.revision).toBe(before.revision + 1)
    expect(events.slice(changes).filter((e) => e.name === 'library.changed')).toEqual([
      { name: 'library.changed', payload: { channelId, what: 'playlist', revision: after.revision } }
    ])
    // The same order again changes nothing, not even the revision.
    const same = await call('library.playlist.reorder', { channelId, itemIds: [b, d, e, a, c, f] })
    expect(same.revision).toBe(after.revision)
  })

  it('refuses a list that does not match the playlist, and then nothing has moved', async () => {
    const { channelId, itemIds } = await channelWithPlaylist('Refuse', 4)
    const other = await channelWithPlaylist('Other', 1)
    const before = await call('library.playlist.get', { channelId })
    const reversed = [...itemIds].reverse()
    const refusals = [
      { itemIds: reversed.slice(0, 3), code: 'conflict', says: /leaves out 1 item/ },
      {
        itemIds: [...reversed.slice(0, 3), other.itemIds[0]!],
        code: 'conflict',
        says: /not in the playlist of "Refuse"/
      },
      { itemIds: [...reversed, 999_999], code: 'conflict', says: /item 999999 is not in the playlist/ },
      { itemIds: [reversed[0]!, ...reversed], code: 'invalid_input', says: /listed twice/ }
    ]
    for (const r of refusals) {
      const result = await core.dispatch('library.playlist.reorder', { channelId, itemIds: r.itemIds })
      expect(result).toMatchObject({ ok: false, error: { code: r.code, field: 'itemIds' } })
      expect(!result.ok && result.error.message).toMatch(r.says)
      expect(await call('library.playlist.get', { channelId })).toEqual(before)
    }
    expect(await core.dispatch('library.playlist.reorder', { channelId, itemIds: [] })).toMatchObject({
      ok: false,
      error: { code: 'invalid_input' }
    })
    expect(await core.dispatch('library.playlist.reorder', { channelId: 424242, itemIds: itemIds })).toMatchObject({
      ok: false,
      error: { code: 'not_found' }
    })
    expect(await call('library.playlist.get', { channelId })).toEqual(before)
  })
})

describe('import progress', () => {
  it("tags every progress event with the call's requestId and the file's index", async () => {
    const channel = await call('library.channels.create', { name: 'Progress' })
    const good = makeClip(tmp.dir, { seconds: 1, width: 320, height: 180 })
    const bad = makeNotMedia(tmp.dir)
    const first = events.length
    const { requestId, results } = await call('library.import', {
      channelId: channel.id,
      paths: [good, bad],
      requestId: 'ui-42'
    })
    expect(requestId).toBe('ui-42')
    expect(results.map((r) => r.ok)).toEqual([true, false])
    const progress = events
      .slice(first)
      .filter((e) => e.name === 'library.importProgress')
      .map((e) => e.payload as { requestId: string; index: number; step: string })
    expect(progress.length).toBeGreaterThan(2)
    expect(progress.every((p) => p.requestId === 'ui-42')).toBe(true)
    expect(progress.filter((p) => p.index === 0).at(-1)!.step).toBe('done')
    expect(progress.filter((p) => p.index === 1).at(-1)!.step).toBe('failed')
    // Without one, the core makes one up, and says which.
    const again = events.length
    const second = await call('library.import', { channelId: channel.id, paths: [good] })
    expect(second.requestId).toMatch(/\S{8,}/)
    const tagged = events
      .slice(again)
      .filter((e) => e.name === 'library.importProgress')
      .map((e) => (e.payload as { requestId: string }).requestId)
    expect(tagged.length).toBeGreaterThan(0)
    expect(new Set(tagged)).toEqual(new Set([second.requestId]))
  })
})
