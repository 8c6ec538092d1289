/**
 * The quality gate (issue 21) on the corpus the tests generate (burned text in
 * varied fonts, sizes and places over noise, black, frozen, silent-where-narrated,
 * and clean clips carrying the channel's own logo, label, lower third and captions):
 * 1. CPU of the checks per clip-second beside the conform of the same clip, in the
 *    same run (goal: checks ≤ 0.15 CPU-s per clip-second, well under the conform), two ways:
 *    - standalone (the old way, still used for a take whose media was reused): a plain conform,
 *      then the measuring pass as its own ffmpeg over the conformed file, then OCR;
 *    - tapped (a new take): the pass inside the conform's ffmpeg (checks/tap.ts), then OCR; its
 *      ffmpeg cost is the tapped conform's CPU minus the plain conform's, clip by clip;
 * 2. detection rate (bad clips flagged with the right reason) and false-flag rate
 *    (clean clips flagged for anything), for both.
 * Clips are made and checked one at a time, so each CPU figure is that clip's own:
 * ffmpeg children from /proc, OCR (tesseract.js worker threads) from process.cpuUsage().
 * WEBTV_BENCH_CORPUS=text-,clean- limits the corpus to names starting with those prefixes;
 * WEBTV_CORPUS_THREADS=0 conforms with x264's own thread count, as the product does (default 1).
 */
import { execFileSync } from 'node:child_process'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { toolPath } from '../src/main/media/ffmpeg-path'
import { closeOcr, readWords } from '../src/main/checks/ocr'
import { runChecks } from '../src/main/checks/run'
import { toPgm } from '../src/main/checks/static-text'
import type { CheckResult } from '../src/main/checks/types'
import {
  CORPUS_THREADS,
  childCpu,
  conformClip,
  corpusLooks,
  corpusPlan,
  makeClip,
  type CorpusClip,
  type MadeClip
} from '../test/fixtures/check-corpus'
import { tempDir } from '../test/helpers/tmp'

function processCpu(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}

interface Tally {
  name: string
  cpu: number
  cleanCpu: number
  missed: string[]
  falseFlags: string[]
  perReason: Map<string, { bad: number; caught: number }>
}

function tally(name: string): Tally {
  return { name, cpu: 0, cleanCpu: 0, missed: [], falseFlags: [], perReason: new Map() }
}

function count(t: Tally, clip: CorpusClip, results: CheckResult[], cpu: number): void {
  const failed = results.filter((r) => r.verdict === 'fail')
  t.cpu += cpu
  // One line per clip as it goes: a run cut short on a busy machine still tells something.
  if (process.env.WEBTV_BENCH_VERBOSE)
    console.log(
      `  ${t.name} ${clip.name} (${clip.expect}): ${cpu.toFixed(2)} CPU-s [${failed.map((r) => r.check).join(', ')}] ${failed.map((r) => r.reason).join(' | ')}`
    )
  if (clip.expect === 'clean') {
    t.cleanCpu += cpu
    if (failed.length) t.falseFlags.push(`${clip.name}: ${failed.map((r) => r.reason).join(' | ')}`)
    return
  }
  const r = t.perReason.get(clip.expect) ?? { bad: 0, caught: 0 }
  r.bad++
  if (failed.some((x) => x.check === clip.expect)) r.caught++
  else t.missed.push(`${clip.name} (${clip.expect}): got [${failed.map((x) => x.check).join(', ')}]`)
  t.perReason.set(clip.expect, r)
}

export default async function run(): Promise<void> {
  const prefixes = (process.env.WEBTV_BENCH_CORPUS ?? '').split(',').filter(Boolean)
  const plan = corpusPlan().filter((c) => prefixes.length === 0 || prefixes.some((p) => c.name.startsWith(p)))
  const t = tempDir()
  try {
    const looks = await corpusLooks(t.dir)
    // The OCR worker's start, once, outside the per-clip figures (ocr.ts keeps it between takes).
    const w0 = processCpu()
    await readWords([
      { image: toPgm({ width: 8, height: 8, pixels: new Uint8Array(64).fill(255) }), at: 0, view: 'warm' }
    ])
    const ocrStart = processCpu() - w0
    let clipSeconds = 0
    let cleanSeconds = 0
    let conformCpu = 0
    let takes = 0
    let bad = 0
    let clean = 0
    const old = tally('standalone')
    const tapped = tally('tapped')
    for (const clip of plan) {
      const made: MadeClip = await makeClip(t.dir, clip, looks, { tap: false })
      const seconds = made.take.durationMs / 1000
      clipSeconds += seconds
      if (clip.expect === 'clean') {
        clean++
        cleanSeconds += seconds
      } else bad++
      takes++
      conformCpu += made.conformCpuSec
      const c0 = childCpu()
      const p0 = processCpu()
      const results = await runChecks(made.take, { tmpRoot: join(t.dir, 'tmp') })
      count(old, clip, results, childCpu() - c0 + (processCpu() - p0))
      const tap = await conformClip(t.dir, clip, looks, made.src, { tap: true })
      const c1 = childCpu()
      const p1 = processCpu()
      const tapResults = await runChecks(tap.take, { tmpRoot: join(t.dir, 'tmp'), pass: tap.pass })
      const extra = Math.max(0, tap.conformCpuSec - made.conformCpuSec)
      count(tapped, clip, tapResults, extra + childCpu() - c1 + (processCpu() - p1))
    }
    const perSec = (cpu: number): string => (cpu / clipSeconds).toFixed(3)
    // The floor under any one-pass check: starting this ffmpeg build (it loads ~200 shared libraries).
    const s0 = childCpu()
    for (let i = 0; i < 5; i++) execFileSync(toolPath('ffmpeg'), ['-hide_banner', '-version'], { stdio: 'ignore' })
    const startCpu = (childCpu() - s0) / 5
    console.log(
      `corpus: ${bad} bad + ${clean} clean clips, ${clipSeconds.toFixed(1)} clip-seconds ` +
        `(conformed with threads=${CORPUS_THREADS}${CORPUS_THREADS === 0 ? ', as the product does' : ''}); load ${loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')}`
    )
    console.log(`conform (baseline, same clips): ${perSec(conformCpu)} CPU-s per clip-second`)
    for (const x of [old, tapped])
      console.log(
        `checks, ${x.name.padEnd(10)}: ${perSec(x.cpu)} CPU-s per clip-second (×${(x.cpu / conformCpu).toFixed(2)} the conform; ` +
          `clean clips alone ${(x.cleanCpu / Math.max(1e-9, cleanSeconds)).toFixed(3)}; goal ≤ 0.15)`
      )
    console.log(
      `  tapped / standalone: ×${(tapped.cpu / Math.max(1e-9, old.cpu)).toFixed(2)}; starting ffmpeg: ${startCpu.toFixed(3)} CPU-s ` +
        `per take (${perSec(startCpu * takes)} per clip-second for these ${(clipSeconds / Math.max(1, takes)).toFixed(1)} s clips); ` +
        `the OCR worker's start (once, not in the figures): ${ocrStart.toFixed(2)} CPU-s`
    )
    for (const x of [old, tapped]) {
      console.log(
        `${x.name} detection: ${bad - x.missed.length}/${bad} (${[...x.perReason].map(([r, n]) => `${r} ${n.caught}/${n.bad}`).join(', ')})  ` +
          `false flags: ${x.falseFlags.length}/${clean}`
      )
      for (const m of x.missed) console.log(`  missed ${m}`)
      for (const f of x.falseFlags) console.log(`  false flag ${f}`)
    }
  } finally {
    await closeOcr()
    t.cleanup()
  }
}
