/**
 * The as-run export at a million entries (WEBTV_BENCH_ASRUN_ROWS for another size):
 * `webtv asrun --output FILE` (streamed: keyset pages, written as the file drains)
 * beside, in the same run, the sqlite3 CLI writing the same rows as CSV (what copying
 * the bytes costs) and the previous materialising path (one list, one string).
 * Prints seconds and peak resident memory for each. Goal: memory that does not grow
 * with the log (a 20-entry export is the reference).
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { tempDir } from '../test/helpers/tmp'
import { fillAsrun } from '../test/fixtures/asrun-rows'
import { runWebtvPeakRss } from '../test/helpers/peak-rss'

const MiB = 1024 * 1024

/** Seconds and peak RSS (bytes) of a command, through GNU time. */
function timed(cmd: string, args: string[]): { s: number; peak: number } {
  const t0 = performance.now()
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 20 })
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`)
  const kib = Number(r.stderr.trim().split('\n').pop())
  return { s: (performance.now() - t0) / 1000, peak: kib * 1024 }
}

export default async function run(): Promise<void> {
  const rows = Number(process.env.WEBTV_BENCH_ASRUN_ROWS ?? 1_000_000)
  const t = tempDir('webtv-bench-asrun-')
  try {
    const big = join(t.dir, 'big')
    const small = join(t.dir, 'small')
    const f0 = performance.now()
    await fillAsrun(big, rows)
    await fillAsrun(small, 20)
    console.log(`  filled ${rows} as-run entries in ${((performance.now() - f0) / 1000).toFixed(1)} s`)

    const ref = await runWebtvPeakRss(['asrun', '--data-dir', small, '--output', join(t.dir, 'small.csv')])
    const streamed = await runWebtvPeakRss(['asrun', '--data-dir', big, '--output', join(t.dir, 'streamed.csv')])
    for (const r of [ref, streamed]) if (r.code !== 0) throw new Error(`webtv asrun failed: ${r.stderr}`)

    const sqlite = timed('sqlite3', [
      '-csv',
      '-header',
      join(big, 'library.db'),
      `.output ${join(t.dir, 'sqlite.csv')}`,
      'SELECT channel_name, started_at, ended_at, label, slate, shot_id, take_id, item_id, destinations FROM asrun ORDER BY started_at, id'
    ])

    const tsx = ['--import', 'tsx', join(__dirname, 'asrun-materialise.ts'), big, join(t.dir, 'materialised.csv')]
    const m0 = performance.now()
    const matPeak = Number(execFileSync(process.execPath, tsx, { encoding: 'utf8' }).trim()) * 1024
    const matS = (performance.now() - m0) / 1000

    const line = (name: string, s: number, peak: number): void =>
      console.log(
        `  ${name.padEnd(38)} ${s.toFixed(1).padStart(6)} s  peak RSS ${(peak / MiB).toFixed(0).padStart(5)} MiB`
      )
    console.log(`  export of ${rows} entries:`)
    line('webtv asrun, 20 entries (reference)', ref.ms / 1000, ref.peakRssBytes)
    line('webtv asrun (streamed)', streamed.ms / 1000, streamed.peakRssBytes)
    line('sqlite3 CLI SELECT to CSV (baseline)', sqlite.s, sqlite.peak)
    line('materialising list + string (before)', matS, matPeak)
    const growth = streamed.peakRssBytes - ref.peakRssBytes
    const matGrowth = matPeak - ref.peakRssBytes
    console.log(
      `  memory growth over the 20-entry export: streamed +${(growth / MiB).toFixed(0)} MiB, materialising +${(matGrowth / MiB).toFixed(0)} MiB (×${(matGrowth / Math.max(growth, MiB)).toFixed(1)})`
    )
    console.log(
      `  time beyond opening the studio: streamed ${((streamed.ms - ref.ms) / 1000).toFixed(1)} s vs sqlite3 ${sqlite.s.toFixed(1)} s (×${((streamed.ms - ref.ms) / 1000 / sqlite.s).toFixed(1)})`
    )
  } finally {
    t.cleanup()
  }
}
