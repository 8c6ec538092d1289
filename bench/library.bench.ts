/**
 * Library benchmarks.
 * 1. Listing and full-text search of a channel's shots at 1k, 10k and 100k
 *    synthetic rows (WEBTV_BENCH_LIBRARY_SIZES=1000,1000000 for other sizes):
 *    ms per page (median), and the growth ratio largest/smallest, beside the
 *    previous query shape (an exact count of every match, OFFSET paging)
 *    measured in the same run. Goal: ≤ 20 ms per search page at 1,000,000.
 * 2. Conform cost in CPU-seconds per second of a 1024x576 clip, beside a plain
 *    `ffmpeg -c copy` remux of the same clip measured in the same run.
 *    Goal: ≤ 0.5 CPU-s per clip-second.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from '../test/helpers/tmp'
import { makeClip } from '../test/fixtures/media'
import { openLibrary, type Library } from '../src/main/library'
import { conform } from '../src/main/media/conform'
import { runFfmpeg } from '../src/main/media/ffmpeg-runner'
import { DEFAULT_HOUSE_FORMAT } from '../src/shared/house-format'
import { openLibraryDb } from '../test/fixtures/library-db'

const WORDS = (
  'whale ocean drone footage neon city night rain forest fox red blue sunset mountain river desert robot astronaut ' +
  'castle dragon snow storm lighthouse train bridge market garden butterfly jellyfish coral canyon aurora volcano ' +
  'samurai cyberpunk vintage film slow motion close up wide shot tracking camera pans left right golden hour fog'
).split(' ')

/** Deterministic pseudo-random prompts, so every run searches the same text. */
function* prompts(n: number): Generator<string> {
  let seed = 42
  const next = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed
  }
  for (let i = 0; i < n; i++) {
    const len = 8 + (next() % 10)
    const words: string[] = []
    for (let w = 0; w < len; w++) words.push(WORDS[next() % WORDS.length]!)
    yield words.join(' ')
  }
}

function fill(lib: Library, channelId: number, n: number): void {
  const now = Date.now()
  const insert = openLibraryDb(lib.dataDir).prepare(
    `INSERT INTO shots (channel_id, status, approved, prompt, seed, backend, mp4_path, ts_path, poster_path, strip_path, duration_ms, created_at, updated_at)
     VALUES (?, 'ready', 1, ?, ?, 'bench', 'media/x.mp4', 'media/x.ts', 'media/x.jpg', 'media/x.strip.jpg', 3000, ?, ?)`
  )
  openLibraryDb(lib.dataDir).transaction(() => {
    let i = 0
    for (const p of prompts(n)) insert.run(channelId, p, i++, now, now)
  })()
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

function timePage(fn: () => unknown, reps = 30): number {
  fn() // warm the statement cache and the page cache
  const times: number[] = []
  for (let i = 0; i < reps; i++) {
    const t = process.hrtime.bigint()
    fn()
    times.push(Number(process.hrtime.bigint() - t) / 1e6)
  }
  return median(times)
}

interface Row {
  n: number
  list: number
  deepList: number
  deepKeyset: number
  oldWhale: number
  searchCommon: number
  searchRare: number
  searchTwoWords: number
}

async function listAndSearch(): Promise<void> {
  const rows: Row[] = []
  const sizes = (process.env.WEBTV_BENCH_LIBRARY_SIZES ?? '1000,10000,100000').split(',').map(Number)
  for (const n of sizes) {
    const tmp = tempDir('webtv-bench-')
    const lib = openLibrary(join(tmp.dir, 'data'))
    try {
      const c = lib.createChannel({ name: 'Bench' })
      const t0 = Date.now()
      fill(lib, c.id, n)
      process.stdout.write(`  ${n} rows inserted in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`)
      const page = { channelId: c.id, limit: 50 }
      rows.push({
        n,
        list: timePage(() => lib.listShots(page)),
        deepList: timePage(() => lib.listShots({ ...page, offset: Math.floor(n / 2) })),
        // The same depth by keyset: the id half-way down (ids are dense here).
        deepKeyset: timePage(() => lib.listShots({ ...page, beforeId: Math.floor(n / 2) })),
        // The previous shape of a "whale" page: matches joined in the planner's order, every match counted.
        oldWhale: timePage(() => {
          const q = { c: c.id, m: '"whale"*' }
          openLibraryDb(lib.dataDir)
            .prepare(
              'SELECT s.* FROM shots_fts f JOIN shots s ON s.id = f.rowid WHERE shots_fts MATCH @m AND s.channel_id = @c ORDER BY f.rowid DESC LIMIT 50'
            )
            .all(q)
          openLibraryDb(lib.dataDir)
            .prepare(
              'SELECT COUNT(*) AS total FROM shots_fts f JOIN shots s ON s.id = f.rowid WHERE shots_fts MATCH @m AND s.channel_id = @c'
            )
            .get(q)
        }),
        searchCommon: timePage(() => lib.listShots({ ...page, search: 'whale' })),
        searchRare: timePage(() => lib.listShots({ ...page, search: 'jellyfish aurora samurai' })),
        searchTwoWords: timePage(() => lib.listShots({ ...page, search: 'neon city' }))
      })
    } finally {
      await lib.close()
      tmp.cleanup()
    }
  }
  const f = (x: number): string => x.toFixed(2).padStart(8)
  console.log('  ms per page of 50 (median of 30), with the total count (a search counts up to 1,000):')
  console.log('      rows      list  list@mid keyset@mid   "whale" (before) "neon city" 3 rare words')
  for (const r of rows)
    console.log(
      `  ${String(r.n).padStart(8)}${f(r.list)}${f(r.deepList)}${f(r.deepKeyset).padStart(11)}${f(r.searchCommon)}${f(r.oldWhale).padStart(9)}${f(r.searchTwoWords).padStart(12)}${f(r.searchRare).padStart(13)}`
    )
  const first = rows[0]!
  const last = rows.at(-1)!
  const ratio = (k: keyof Row): string => (last[k] / Math.max(first[k], 0.001)).toFixed(1)
  console.log(
    `  growth ${last.n}/${first.n}: list ×${ratio('list')}, list@mid ×${ratio('deepList')}, keyset@mid ×${ratio('deepKeyset')}, "whale" ×${ratio('searchCommon')}, "neon city" ×${ratio('searchTwoWords')}, rare ×${ratio('searchRare')}`
  )
  console.log(
    `  "whale" at ${last.n}: ${last.searchCommon.toFixed(2)} ms now, ${last.oldWhale.toFixed(2)} ms in the previous shape (×${(last.oldWhale / Math.max(last.searchCommon, 0.001)).toFixed(1)})`
  )
  const worstSearch = Math.max(last.searchCommon, last.searchRare, last.searchTwoWords)
  console.log(
    `  goal ≤ 20 ms per search page at ${last.n}: worst ${worstSearch.toFixed(2)} ms → ${worstSearch <= 20 ? 'met' : 'NOT met'}`
  )
}

/** CPU time (user+system, s) of this process's finished children. Linux: /proc; elsewhere not available. */
function childrenCpuSeconds(): number | null {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // fields[0] is field 3 (state); cutime and cstime are fields 16 and 17.
    const ticks = Number(fields[13]) + Number(fields[14])
    const hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
    return ticks / hz
  } catch {
    return null
  }
}

async function conformCost(): Promise<void> {
  const tmp = tempDir('webtv-bench-')
  try {
    const seconds = 6
    const clip = makeClip(tmp.dir, {
      width: 1024,
      height: 576,
      fps: 24,
      seconds,
      audio: { rate: 44100 },
      name: 'src.mp4'
    })
    if (childrenCpuSeconds() === null) {
      console.log('  conform cost: needs /proc to measure child CPU time; skipped on this platform.')
      return
    }
    const measure = async (fn: () => Promise<unknown>): Promise<{ cpu: number; wall: number }> => {
      const c0 = childrenCpuSeconds()!
      const w0 = Date.now()
      await fn()
      return { cpu: childrenCpuSeconds()! - c0, wall: (Date.now() - w0) / 1000 }
    }
    const remux = await measure(() =>
      runFfmpeg([
        '-hide_banner',
        '-nostdin',
        '-y',
        '-loglevel',
        'error',
        '-i',
        clip,
        '-map',
        '0',
        '-c',
        'copy',
        '-f',
        'mp4',
        join(tmp.dir, 'copy.mp4')
      ])
    )
    const out = (n: string): string => join(tmp.dir, n)
    const runs: Array<{ cpu: number; wall: number }> = []
    for (let i = 0; i < 2; i++) {
      runs.push(
        await measure(() =>
          conform(
            clip,
            { mp4: out(`c${i}.mp4`), ts: out(`c${i}.ts`), poster: out(`c${i}.jpg`), strip: out(`c${i}.s.jpg`) },
            DEFAULT_HOUSE_FORMAT
          )
        )
      )
    }
    const best = runs.reduce((a, b) => (a.cpu <= b.cpu ? a : b))
    const perSec = best.cpu / seconds
    const remuxPerSec = Math.max(remux.cpu, 0.01) / seconds
    console.log(`  ${seconds} s 1024x576@24 clip (testsrc2 + tone), CPU-s per clip-second (best of ${runs.length}):`)
    console.log(`    ffmpeg -c copy remux : ${remuxPerSec.toFixed(3)} CPU-s/s (${remux.wall.toFixed(2)} s wall)`)
    console.log(
      `    conform (house x264 tuning, AAC, poster, strip, TS): ${perSec.toFixed(3)} CPU-s/s (${best.wall.toFixed(2)} s wall)`
    )
    console.log(`    ratio conform/remux: ×${(perSec / remuxPerSec).toFixed(1)}`)
    console.log(`  goal ≤ 0.5 CPU-s per clip-second: ${perSec <= 0.5 ? 'met' : 'NOT met'}`)
  } finally {
    tmp.cleanup()
  }
}

export default async function run(): Promise<void> {
  console.log('Shot list and full-text search:')
  await listAndSearch()
  console.log('Conform cost:')
  await conformCost()
}
