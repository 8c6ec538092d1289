import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tempDir } from '../../helpers/tmp'
import { openLibrary, type Library } from '../../../src/main/library'
import { openLibraryDb } from '../../fixtures/library-db'

let tmp: ReturnType<typeof tempDir>
let lib: Library

beforeEach(() => {
  tmp = tempDir()
  lib = openLibrary(join(tmp.dir, 'data'))
})
afterEach(async () => {
  await lib.close()
  tmp.cleanup()
})

function shots(channelId: number, prompts: string[]): void {
  const insert = openLibraryDb(lib.dataDir).prepare(
    `INSERT INTO shots (channel_id, status, approved, prompt, mp4_path, ts_path, poster_path, duration_ms, look_rev, created_at, updated_at)
     VALUES (?, 'ready', 1, ?, 'media/x.mp4', 'media/x.ts', 'media/x.jpg', 3000, 1, 0, 0)`
  )
  openLibraryDb(lib.dataDir).transaction(() => {
    for (const p of prompts) insert.run(channelId, p)
  })()
}

describe('library search and paging at scale', () => {
  it("counts a search's matches up to 1,000 and says when there are more; a list is counted exactly", () => {
    const ch = lib.createChannel({ name: 'Whales' })
    const other = lib.createChannel({ name: 'Other' })
    shots(
      ch.id,
      Array.from({ length: 1200 }, (_, i) => (i % 2 ? `whale ${i}` : `fox ${i}`))
    )
    shots(other.id, ['whale elsewhere'])
    const whale = lib.listShots({ channelId: ch.id, search: 'whale', limit: 10 })
    expect(whale).toMatchObject({ total: 600, totalCapped: false })
    expect(whale.shots.map((s) => s.prompt)).toEqual(
      Array.from({ length: 10 }, (_, k) => `whale ${1199 - 2 * k}`) // newest first, this channel only
    )
    shots(
      ch.id,
      Array.from({ length: 500 }, (_, i) => `whale more ${i}`)
    )
    expect(lib.listShots({ channelId: ch.id, search: 'whale', limit: 1 })).toMatchObject({
      total: 1000,
      totalCapped: true
    })
    expect(lib.listShots({ channelId: ch.id, limit: 1 })).toMatchObject({ total: 1700, totalCapped: false })
  })

  it('keyset paging (beforeId) reads the same pages as offset paging, in lists and searches', () => {
    const ch = lib.createChannel({ name: 'Pages' })
    shots(
      ch.id,
      Array.from({ length: 300 }, (_, i) => (i % 3 ? `neon city ${i}` : `rain ${i}`))
    )
    for (const search of [undefined, 'neon city']) {
      const byOffset: number[] = []
      const byKeyset: number[] = []
      for (let offset = 0; ; offset += 40) {
        const page = lib.listShots({ channelId: ch.id, search, limit: 40, offset }).shots
        if (page.length === 0) break
        byOffset.push(...page.map((s) => s.id))
      }
      let before: number | undefined
      for (;;) {
        const page = lib.listShots({ channelId: ch.id, search, limit: 40, beforeId: before }).shots
        if (page.length === 0) break
        byKeyset.push(...page.map((s) => s.id))
        before = page.at(-1)!.id
      }
      expect(byKeyset).toEqual(byOffset)
      expect(byKeyset).toHaveLength(search ? 200 : 300)
    }
  })
})
