import { createReadStream, existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runWebtv } from '../../helpers/cli'
import { runWebtvPeakRss } from '../../helpers/peak-rss'
import { tempDir } from '../../helpers/tmp'
import { ASRUN_T0, fillAsrun } from '../../fixtures/asrun-rows'

const MiB = 1024 * 1024

/** Lines, first and last line of a file, read as a stream (the file is larger than we want in memory). */
async function scanLines(file: string): Promise<{ lines: number; first: string; last: string }> {
  let lines = 0
  let first = ''
  let tail = ''
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const s = chunk as string
    if (lines === 0 && !first) first = s.slice(0, s.indexOf('\r\n'))
    for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) lines++
    tail = (tail + s).slice(-400)
  }
  const last = tail.replace(/\r\n$/, '').split('\r\n').pop() ?? ''
  return { lines, first, last }
}

describe('webtv asrun export at a million entries', () => {
  const t = tempDir()
  const big = join(t.dir, 'big')
  const small = join(t.dir, 'small')
  beforeAll(async () => {
    await fillAsrun(small, 20)
    await fillAsrun(big, 1_000_000)
  }, 300_000)
  afterAll(() => t.cleanup())

  it('streams every row to the file in bounded memory: peak RSS within 96 MiB of exporting 20 rows (building the list costs 1.5 GiB)', async () => {
    // The same command on a 20-row log: what the studio costs to open, whatever the export.
    const base = await runWebtvPeakRss(['asrun', '--data-dir', small, '--output', join(t.dir, 'small.csv')])
    expect(base.code, base.stderr).toBe(0)

    const out = join(t.dir, 'big.csv')
    const r = await runWebtvPeakRss(['asrun', '--data-dir', big, '--output', out])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain('Wrote 1000000 entries')
    const { lines, first, last } = await scanLines(out)
    expect(lines).toBe(1_000_001)
    expect(first).toBe('channel,started_utc,ended_utc,duration_s,title,slate,shot_id,take_id,item_id,destinations')
    const lastAt = new Date(ASRUN_T0 + 999_999 * 3000).toISOString()
    expect(last).toBe(
      `"Night Owl, ""B""",${lastAt},${new Date(ASRUN_T0 + 1_000_000 * 3000).toISOString()},3.000,"A slow drone shot over a neon city at night, rain, clip 999999",no,999999,999999,999999,YouTube; Twitch`
    )
    expect(readdirSync(t.dir).filter((f) => f.endsWith('.part'))).toEqual([])

    // Building the list (a million entry objects, then one 150 MB string) costs hundreds of MiB.
    const growth = r.peakRssBytes - base.peakRssBytes
    console.log(
      `asrun export 1M rows: peak RSS ${(r.peakRssBytes / MiB).toFixed(0)} MiB vs ${(base.peakRssBytes / MiB).toFixed(0)} MiB for 20 rows (+${(growth / MiB).toFixed(1)} MiB), ${(r.ms / 1000).toFixed(1)} s`
    )
    expect(growth).toBeLessThan(96 * MiB)
  }, 600_000)

  it('--limit keeps the newest N, oldest first, to stdout; --json writes one entry per line', async () => {
    const r = await runWebtv(['asrun', '--data-dir', big, '--limit', '3', '--channel', 'Morning Sea'])
    expect(r.code, r.stderr).toBe(0)
    const rows = r.stdout.trimEnd().split('\r\n')
    expect(rows).toHaveLength(4)
    expect(rows.slice(1).map((l) => l.split(',')[1])).toEqual(
      [999_994, 999_996, 999_998].map((i) => new Date(ASRUN_T0 + i * 3000).toISOString())
    )

    const j = await runWebtv([
      'asrun',
      '--json',
      '--data-dir',
      big,
      '--since',
      new Date(ASRUN_T0 + 10 * 3000).toISOString(),
      '--until',
      new Date(ASRUN_T0 + 13 * 3000).toISOString()
    ])
    expect(j.code, j.stderr).toBe(0)
    const entries = j.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: number; itemId: number; destinations: string[] })
    expect(entries.map((e) => e.itemId)).toEqual([10, 11, 12])
    expect(entries[0]!.destinations).toEqual(['YouTube', 'Twitch'])
  }, 120_000)

  it('refuses a bad --limit and leaves no file when the output cannot be written', async () => {
    const bad = await runWebtv(['asrun', '--data-dir', small, '--limit', '0'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--limit must be 1 or more')

    const out = join(t.dir, 'no-such-folder', 'x.csv')
    const r = await runWebtv(['asrun', '--data-dir', small, '--output', out])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/ENOENT|no such file/i)
    expect(existsSync(out) || existsSync(`${out}.part`)).toBe(false)
  }, 120_000)
})
