/**
 * The quality gate (issue 21) on the corpus the tests generate (burned text in
 * varied fonts, sizes and places over noise, black, frozen, silent-where-narrated,
 * and clean clips carrying the channel's own logo, label, lower third and captions):
 * 1. CPU of the checks per clip-second beside the conform of the same clip, in the
 *    same run (goal: checks ≤ 0.15 CPU-s per clip-second, well under the conform);
 * 2. detection rate (bad clips flagged with the right reason) and false-flag rate
 *    (clean clips flagged for anything).
 * Clips are made and checked one at a time, so each CPU figure is that clip's own:
 * ffmpeg children from /proc, OCR (tesseract.js worker threads) from process.cpuUsage().
 * WEBTV_BENCH_CORPUS=text-,clean- limits the corpus to names starting with those prefixes;
 * WEBTV_CORPUS_THREADS=0 conforms with x264's own thread count, as the product does (default 1).
 */
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { toolPath } from '../src/main/media/ffmpeg-path'
import { closeOcr } from '../src/main/checks/ocr'
import { runChecks } from '../src/main/checks/run'
import {
  CORPUS_THREADS,
  childCpu,
  corpusLooks,
  corpusPlan,
  makeClip,
  type MadeClip
} from '../test/fixtures/check-corpus'
import { tempDir } from '../test/helpers/tmp'

function processCpu(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}

export default async function run(): Promise<void> {
  const prefixes = (process.env.WEBTV_BENCH_CORPUS ?? '').split(',').filter(Boolean)
  const plan = corpusPlan().filter((c) => prefixes.length === 0 || prefixes.some((p) => c.name.startsWith(p)))
  const t = tempDir()
  try {
    const looks = await corpusLooks(t.dir)
    let clipSeconds = 0
    let conformCpu = 0
    let checksCpu = 0
    const missed: string[] = []
    const perReason = new Map<string, { bad: number; caught: number }>()
    let cleanSeconds = 0
    let cleanCpu = 0
    let takes = 0
    const falseFlags: string[] = []
    let bad = 0
    let clean = 0
    for (const clip of plan) {
      const made: MadeClip = await makeClip(t.dir, clip, looks)
      const c0 = childCpu()
      const p0 = processCpu()
      const results = await runChecks(made.take, { tmpRoot: join(t.dir, 'tmp') })
      const used = childCpu() - c0 + (processCpu() - p0)
      checksCpu += used
      takes++
      conformCpu += made.conformCpuSec
      clipSeconds += made.take.durationMs / 1000
      const failed = results.filter((r) => r.verdict === 'fail')
      // One line per clip as it goes: a run cut short on a busy machine still tells something.
      if (process.env.WEBTV_BENCH_VERBOSE)
        console.log(
          `  ${clip.name} (${clip.expect}): [${failed.map((r) => r.check).join(', ')}] ${failed.map((r) => r.reason).join(' | ')}`
        )
      if (clip.expect === 'clean') {
        clean++
        cleanSeconds += made.take.durationMs / 1000
        cleanCpu += used
        if (failed.length) falseFlags.push(`${clip.name}: ${failed.map((r) => r.reason).join(' | ')}`)
      } else {
        bad++
        const tally = perReason.get(clip.expect) ?? { bad: 0, caught: 0 }
        tally.bad++
        if (failed.some((r) => r.check === clip.expect)) tally.caught++
        perReason.set(clip.expect, tally)
        if (!failed.some((r) => r.check === clip.expect))
          missed.push(`${clip.name} (${clip.expect}): got [${failed.map((r) => r.check).join(', ')}]`)
      }
    }
    const perSec = (cpu: number): string => (cpu / clipSeconds).toFixed(3)
    // The floor under any one-pass check: starting this ffmpeg build (it loads ~200 shared libraries).
    const s0 = childCpu()
    for (let i = 0; i < 5; i++) execFileSync(toolPath('ffmpeg'), ['-hide_banner', '-version'], { stdio: 'ignore' })
    const startCpu = (childCpu() - s0) / 5
    console.log(
      `corpus: ${bad} bad + ${clean} clean clips, ${clipSeconds.toFixed(1)} clip-seconds ` +
        `(conformed with threads=${CORPUS_THREADS}${CORPUS_THREADS === 0 ? ', as the product does' : ''})`
    )
    console.log(`conform (baseline, same clips): ${perSec(conformCpu)} CPU-s per clip-second`)
    console.log(
      `checks (one ffmpeg pass + OCR):  ${perSec(checksCpu)} CPU-s per clip-second  ` +
        `(×${(checksCpu / conformCpu).toFixed(2)} the conform; goal ≤ 0.15 CPU-s/clip-s)`
    )
    console.log(
      `  of which starting ffmpeg: ${startCpu.toFixed(3)} CPU-s per take (${perSec(startCpu * takes)} per clip-second ` +
        `for these ${(clipSeconds / Math.max(1, takes)).toFixed(1)} s clips); clean clips alone: ` +
        `${(cleanCpu / Math.max(1e-9, cleanSeconds)).toFixed(3)} CPU-s per clip-second`
    )
    console.log(`detection by reason: ${[...perReason].map(([r, t]) => `${r} ${t.caught}/${t.bad}`).join(', ')}`)
    console.log(
      `detection: ${bad - missed.length}/${bad} (${(((bad - missed.length) / Math.max(1, bad)) * 100).toFixed(1)} %)  ` +
        `false flags: ${falseFlags.length}/${clean} (${((falseFlags.length / Math.max(1, clean)) * 100).toFixed(1)} %)`
    )
    for (const m of missed) console.log(`  missed ${m}`)
    for (const f of falseFlags) console.log(`  false flag ${f}`)
  } finally {
    await closeOcr()
    t.cleanup()
  }
}
