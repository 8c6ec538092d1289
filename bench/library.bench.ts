/**
 * Library benchmarks.
 * 1. Listing and full-text search of a channel's shots at 1k, 10k and 100k
 *    synthetic rows (WEBTV_BENCH_LIBRARY_SIZES=1000,1000000 for other sizes):
 *    ms per page (median), and the growth ratio largest/smallest; each search
 *    beside schema 13's index and query shape (every word a prefix, no stemmer)
 *    built on the same rows in the same run, with both indexes' rebuild time
 *    (schema 14's upgrade) and size. Goal: ≤ 20 ms per search page at 1,000,000.
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
  /** Rebuilding the search index (what schema 14's upgrade does), ms; and its size, MB (schema 13's beside it). */
  rebuild: number
  rebuildBefore: number
  ftsMb: number
  ftsBeforeMb: number
  now: Record<SearchName, number>
  /** The same searches in schema 13's shape, in the same run: every word a prefix, no stemmer, no prefix index. */
  before: Record<SearchName, number>
}

/** What a person types; no trailing space, so the last word is a prefix while it is typed. */
const SEARCHES = {
  whale: 'whale',
  twoWords: 'neon city',
  rare: 'jellyfish aurora samurai',
  // the same three words finished (a trailing space): whole words only
  rareDone: 'jellyfish aurora samurai '
} as const
type SearchName = keyof typeof SEARCHES

/** Schema 13's search index and query shape, built beside the current one as the baseline. */
const FTS_BEFORE = `CREATE VIRTUAL TABLE bench_fts_before USING fts5(prompt, content='shots', content_rowid='id', tokenize='unicode61 remove_diacritics 2')`
function queryBefore(text: string): string {
  return text
    .normalize('NFKC')
    .split(/[^\p{L}\p{N}_]+/u)
    .filter(Boolean)
    .map((w) => `"${w}"*`)
    .join(' ')
}

function ftsMegabytes(db: ReturnType<typeof openLibraryDb>, table: string): number {
  const { size } = db.prepare(`SELECT SUM(pgsize) AS size FROM dbstat WHERE name LIKE ?`).get(`${table}_%`) as {
    size: number
  }
  return size / 1e6
}

function timed(fn: () => void): number {
  const t = Date.now()
  fn()
  return Date.now() - t
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
      const db = openLibraryDb(lib.dataDir)
      const rebuild = timed(() => db.exec(`INSERT INTO shots_fts(shots_fts) VALUES ('rebuild')`))
      db.exec(FTS_BEFORE)
      const rebuildBefore = timed(() => db.exec(`INSERT INTO bench_fts_before(bench_fts_before) VALUES ('rebuild')`))
      // Schema 13's listShots, SQL for SQL: the FTS index drives, a count up to the cap.
      const pageBefore = db.prepare(
        'SELECT s.* FROM bench_fts_before f CROSS JOIN shots s ON s.id = f.rowid WHERE bench_fts_before MATCH @m AND s.channel_id = @c ORDER BY f.rowid DESC LIMIT 50 OFFSET 0'
      )
      const countBefore = db.prepare(
        'SELECT COUNT(*) AS total FROM (SELECT 1 FROM bench_fts_before f CROSS JOIN shots s ON s.id = f.rowid WHERE bench_fts_before MATCH @m AND s.channel_id = @c LIMIT 1001)'
      )
      const page = { channelId: c.id, limit: 50 }
      const names = Object.keys(SEARCHES) as SearchName[]
      const now = {} as Record<SearchName, number>
      const before = {} as Record<SearchName, number>
      for (const name of names) {
        now[name] = timePage(() => lib.listShots({ ...page, search: SEARCHES[name] }))
        const q = { c: c.id, m: queryBefore(SEARCHES[name]) }
        before[name] = timePage(() => {
          pageBefore.all(q)
          countBefore.get(q)
        })
      }
      rows.push({
        n,
        list: timePage(() => lib.listShots(page)),
        deepList: timePage(() => lib.listShots({ ...page, offset: Math.floor(n / 2) })),
        // The same depth by keyset: the id half-way down (ids are dense here).
        deepKeyset: timePage(() => lib.listShots({ ...page, beforeId: Math.floor(n / 2) })),
        rebuild,
        rebuildBefore,
        ftsMb: ftsMegabytes(db, 'shots_fts'),
        ftsBeforeMb: ftsMegabytes(db, 'bench_fts_before'),
        now,
        before
      })
    } finally {
      await lib.close()
      tmp.cleanup()
    }
  }
  const f = (x: number): string => x.toFixed(2).padStart(8)
  const both = (r: Row, k: SearchName): string => `${f(r.now[k])} (${r.before[k].toFixed(2)})`.padStart(20)
  console.log('  ms per page of 50 (median of 30), with the total count (a search counts up to 1,000);')
  console.log("  in brackets: schema 13's shape in the same run (every word a prefix, no stemmer, no prefix index)")
  console.log(
    '      rows      list  list@mid keyset@mid             "whale"         "neon city"   "jellyfish aurora samurai"  the same, finished'
  )
  for (const r of rows)
    console.log(
      `  ${String(r.n).padStart(8)}${f(r.list)}${f(r.deepList)}${f(r.deepKeyset).padStart(11)}${both(r, 'whale')}${both(r, 'twoWords')}${both(r, 'rare').padStart(29)}${both(r, 'rareDone')}`
    )
  console.log('  search index rebuild (schema 14 upgrade) and size, schema 13 in brackets:')
  for (const r of rows)
    console.log(
      `  ${String(r.n).padStart(8)}  ${(r.rebuild / 1000).toFixed(1)} s (${(r.rebuildBefore / 1000).toFixed(1)} s), ${r.ftsMb.toFixed(1)} MB (${r.ftsBeforeMb.toFixed(1)} MB)`
    )
  const first = rows[0]!
  const last = rows.at(-1)!
  const growth = (x: number, y: number): string => (x / Math.max(y, 0.001)).toFixed(1)
  console.log(
    `  growth ${last.n}/${first.n}: list ×${growth(last.list, first.list)}, list@mid ×${growth(last.deepList, first.deepList)}, keyset@mid ×${growth(last.deepKeyset, first.deepKeyset)}, "whale" ×${growth(last.now.whale, first.now.whale)}, "neon city" ×${growth(last.now.twoWords, first.now.twoWords)}, rare ×${growth(last.now.rare, first.now.rare)}`
  )
  const names = Object.keys(SEARCHES) as SearchName[]
  console.log(
    `  at ${last.n}, schema 13 / now: ${names.map((k) => `${JSON.stringify(SEARCHES[k])} ×${growth(last.before[k], last.now[k])}`).join(', ')}`
  )
  const worstSearch = Math.max(...names.map((k) => last.now[k]))
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
