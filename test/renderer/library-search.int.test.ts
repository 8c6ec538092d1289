/**
 * The library store's search (src/renderer/src/stores/library.ts) against the real core and its
 * SQLite library: what the search box holds reaches the core with its trailing space, which says
 * the last word is finished (a whole word, no longer a prefix; main/library/search.ts).
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Core } from '../../src/main/core/core'
import { openStudio } from '../../src/main/studio'
import type { CallInput, CallName, CallOutput, StudioBridge } from '../../src/shared/contract'
import { useLibrary } from '../../src/renderer/src/stores/library'
import { openLibraryDb } from '../fixtures/library-db'
import { tempDir } from '../helpers/tmp'

let core: Core
let cleanup: () => void
let channelId: number
/** What the store asked the core to search for. */
const searched: Array<string | undefined> = []

async function call<K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>> {
  const r = await core.dispatch(name, input)
  if (!r.ok) throw new Error(`${name}: ${r.error.message}`)
  return r.value as CallOutput<K>
}

beforeAll(async () => {
  const t = tempDir('webtv-library-search-')
  cleanup = t.cleanup
  const dataDir = join(t.dir, 'data')
  core = await openStudio({ dataDir, shell: 'headless', version: '0.0.0-test' })
  channelId = (await call('library.channels.create', { name: 'search' })).id
  const insert = openLibraryDb(dataDir).prepare(
    `INSERT INTO shots (channel_id, status, prompt, created_at, updated_at) VALUES (?, 'pending', ?, 0, 0)`
  )
  for (const prompt of ['a whale at dawn', 'neon city night']) insert.run(channelId, prompt)
  const studio: StudioBridge = {
    shell: 'headless',
    invoke: async (name, input) => {
      if (name === 'library.shots.list') searched.push((input as { search?: string }).search)
      return call(name, input)
    },
    on: () => () => {},
    mediaUrl: (p) => p
  }
  ;(globalThis as { window?: unknown }).window = { studio }
}, 60_000)

afterAll(async () => {
  await core?.close()
  cleanup?.()
  delete (globalThis as { window?: unknown }).window
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
