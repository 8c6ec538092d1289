/**
 * The library store's search (src/renderer/src/stores/library.ts) against the real core and its
 * SQLite library: what the search box holds reaches the core with its trailing space, which says
 * the last word is finished (a whole word, no longer a prefix; main/library/search.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useLibrary } from '../../src/renderer/src/stores/library'
import { openLibraryDb } from '../fixtures/library-db'
import { openRendererCore, type RendererCore } from '../helpers/renderer-core'

let studio: RendererCore
let channelId: number
/** What the store asked the core to search for. */
const searched: Array<string | undefined> = []

const call: RendererCore['call'] = (name, input) => studio.call(name, input)

beforeAll(async () => {
  studio = await openRendererCore({
    name: 'library-search',
    server: false,
    invoke: (name, input, next) => {
      if (name === 'library.shots.list') searched.push((input as { search?: string }).search)
      return next(name, input)
    }
  })
  channelId = (await call('library.channels.create', { name: 'search' })).id
  const insert = openLibraryDb(studio.dataDir).prepare(
    `INSERT INTO shots (channel_id, status, prompt, created_at, updated_at) VALUES (?, 'pending', ?, 0, 0)`
  )
  for (const prompt of ['a whale at dawn', 'neon city night']) insert.run(channelId, prompt)
}, 60_000)

afterAll(async () => {
  await studio?.close()
})

/** The prompts on the store's first page once the search typed has been answered. */
async function shown(text: string): Promise<string[]> {
  useLibrary.getState().setSearch(text)
  const qid = useLibrary.getState().queryId
  await expect.poll(() => useLibrary.getState().queryId === qid && useLibrary.getState().total !== null).toBe(true)
  return (useLibrary.getState().pages[0] ?? []).map((s) => s.prompt)
}

describe('library store search', () => {
  it('sends a finished word with its trailing space: "whal" finds the whale, "whal " nothing', async () => {
    useLibrary.getState().setChannel(channelId)
    expect(await shown('whal')).toEqual(['a whale at dawn'])
    expect(await shown('whal ')).toEqual([])
    expect(await shown('  whale ')).toEqual(['a whale at dawn'])
    expect(searched.slice(-3)).toEqual(['whal', 'whal ', 'whale '])
    expect(await shown('   ')).toEqual(['neon city night', 'a whale at dawn'])
    expect(searched.at(-1)).toBeUndefined()
  })
})
