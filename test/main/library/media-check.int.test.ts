import { mkdirSync, writeFileSync } from 'node:fs'
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

/** Ready rows written straight into the library; shot i has its own (absent) clip. */
function readyShots(channelId: number, n: number): void {
  const insert = openLibraryDb(join(tmp.dir, 'data')).prepare(
    `INSERT INTO shots (channel_id, status, approved, prompt, mp4_path, ts_path, poster_path, duration_ms, look_rev, created_at, updated_at)
     VALUES (?, 'ready', 1, ?, ?, ?, 'media/t/poster.jpg', 3000, 1, 0, 0)`
  )
  openLibraryDb(join(tmp.dir, 'data')).transaction(() => {
    for (let i = 0; i < n; i++) insert.run(channelId, `shot ${i}`, `media/t/${i}.mp4`, `media/t/${i}.ts`)
  })()
}

function putClip(i: number): void {
  mkdirSync(join(lib.dataDir, 'media', 't'), { recursive: true })
  for (const ext of ['mp4', 'ts']) writeFileSync(join(lib.dataDir, 'media', 't', `${i}.${ext}`), 'x')
}

describe('background media check', () => {
  it('marks shots whose clip is gone, in batches with progress, and unmarks them when the file is back', async () => {
    const ch = lib.createChannel({ name: 'Restored' })
    readyShots(ch.id, 450)
    for (const i of [0, 1, 2]) putClip(i)
    // an empty file counts as missing
    writeFileSync(join(lib.dataDir, 'media', 't', '1.ts'), '')
    const seen: Array<{ checked: number; total: number; done: boolean }> = []
    await lib.checkMedia((p) => seen.push(p))
    expect(seen.length).toBeGreaterThanOrEqual(3) // one report per batch, then done
    expect(seen.at(-1)).toEqual({ checked: 450, total: 450, missing: 448, done: true })
    expect(seen.slice(0, -1).map((p) => [p.checked, p.done])).toEqual([
      [200, false],
      [400, false],
      [450, false]
    ])

    const missing = lib.listShots({ channelId: ch.id, missing: true, limit: 500 })
    expect(missing.total).toBe(448)
    expect(missing.shots.every((s) => s.mediaMissing)).toBe(true)
    const present = lib.listShots({ channelId: ch.id, missing: false })
    expect(present.shots.map((s) => s.prompt).sort()).toEqual(['shot 0', 'shot 2'])
    expect(present.shots.every((s) => !s.mediaMissing)).toBe(true)

    // The drive comes back: the next studio's check clears the marks.
    for (let i = 0; i < 450; i++) putClip(i)
    await lib.close()
    lib = openLibrary(join(tmp.dir, 'data'))
    await lib.checkMedia()
    expect(lib.listShots({ channelId: ch.id, missing: true }).total).toBe(0)
  })

  it('stops between batches when the library closes', async () => {
    const ch = lib.createChannel({ name: 'Big' })
    readyShots(ch.id, 2000)
    const seen: number[] = []
    const run = lib.checkMedia((p) => {
      seen.push(p.checked)
      if (seen.length === 1) void lib.close()
    })
    await run
    expect(seen).toEqual([200])
    // The batch checked before the stop is stored; the rest waits for the next studio's pass.
    lib = openLibrary(join(tmp.dir, 'data'))
    expect(lib.listShots({ channelId: ch.id, missing: true }).total).toBe(200)
  })

  it('a re-conform whose source is gone marks its shot instead of retrying, without blocking the loop', async () => {
    const ch = lib.createChannel({ name: 'Stale' })
    // look_rev NULL: made with an earlier look, so the worker tries to redo every one of them
    const insert = openLibraryDb(join(tmp.dir, 'data')).prepare(
      `INSERT INTO shots (channel_id, status, approved, prompt, mp4_path, ts_path, poster_path, duration_ms, created_at, updated_at)
       VALUES (?, 'ready', 1, 'old', 'media/gone.mp4', 'media/gone.ts', 'media/gone.jpg', 3000, 0, 0)`
    )
    for (let i = 0; i < 301; i++) insert.run(ch.id)
    let ticks = 0
    const ticker = setInterval(() => ticks++, 1)
    lib.kickWorker()
    await lib.idle()
    clearInterval(ticker)
    expect(ticks).toBeGreaterThan(0) // the loop ran while the worker went through 301 shots
    expect(lib.listShots({ channelId: ch.id, missing: true }).total).toBe(301)
    // Marked and settled: a second pass finds nothing to do.
    expect(await lib.drainQueue(new AbortController().signal)).toBe(0)
  })
})
