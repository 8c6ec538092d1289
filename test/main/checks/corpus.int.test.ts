import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeOcr } from '../../../src/main/checks/ocr'
import { runChecks } from '../../../src/main/checks/run'
import type { CheckResult } from '../../../src/main/checks/types'
import { CORPUS_PASS, makeCorpus, type MadeClip } from '../../fixtures/check-corpus'

/**
 * The gate against its corpus: every bad clip flagged for the right reason, no
 * clean clip flagged. Clips are made by the test (ffmpeg lavfi) and conformed
 * with the channel's look first, as takes are.
 *
 * `npm test` runs one clip per reason (a burned word over a texture included) plus clean
 * clips carrying the look's logo, label and lower third, and burned captions; the whole
 * corpus (44 bad, 20 clean) costs minutes of CPU to render and runs with WEBTV_CORPUS_FULL=1
 * (its rates are printed by `npm run bench -- checks`). WEBTV_CORPUS_THREADS=0 conforms with the
 * encoder's own thread count, as the product does (the pixels, and so the OCR, differ by machine).
 * The checks measure inside each clip's conform (checks/tap.ts), as for a new take;
 * WEBTV_CORPUS_PASS=standalone runs the separate pass over the conformed file instead (a reused media's path).
 */
const FULL = process.env.WEBTV_CORPUS_FULL === '1'
const SMOKE = new Set(['text-1', 'black-0', 'frozen-0', 'silent-1', 'clean-0', 'clean-1', 'clean-3'])
describe('quality checks on the generated corpus', () => {
  let dir: string
  let made: MadeClip[]
  const results = new Map<string, CheckResult[]>()

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'webtv-checks-corpus-'))
    made = await makeCorpus(
      dir,
      process.env.WEBTV_CORPUS_ONLY
        ? (c) => c.name.startsWith(process.env.WEBTV_CORPUS_ONLY!)
        : FULL
          ? undefined
          : (c) => SMOKE.has(c.name)
    )
    // Tapped (the default): the pass made inside each clip's conform, as for a new take.
    for (const m of made) results.set(m.clip.name, await runChecks(m.take, { tmpRoot: join(dir, 'tmp'), pass: m.pass }))
    if (process.env.WEBTV_CORPUS_REPORT)
      for (const m of made)
        console.log(
          m.clip.name,
          JSON.stringify(
            results
              .get(m.clip.name)!
              .filter((r) => r.verdict === 'fail')
              .map((r) => r.reason)
          )
        )
  }, 900_000)

  afterAll(async () => {
    await closeOcr()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('flags every bad clip with its reason and no clean clip', () => {
    const wrong: string[] = []
    for (const m of made) {
      const failed = results.get(m.clip.name)!.filter((r) => r.verdict === 'fail')
      const names = failed.map((r) => r.check)
      if (m.clip.expect === 'clean') {
        if (failed.length) wrong.push(`${m.clip.name} (clean) flagged: ${failed.map((r) => r.reason).join(' | ')}`)
      } else if (!names.includes(m.clip.expect)) {
        wrong.push(`${m.clip.name} not flagged as ${m.clip.expect}; got [${names.join(', ')}]`)
      }
    }
    expect(wrong).toEqual([])
    // Tapped, every pass came out of the conform itself, and every pass's folder is gone after its checks.
    if (CORPUS_PASS === 'tap') expect(made.filter((m) => !m.pass).map((m) => m.clip.name)).toEqual([])
    expect(existsSync(join(dir, 'tmp')) ? readdirSync(join(dir, 'tmp')) : []).toEqual([])
    expect(made.filter((m) => m.clip.expect !== 'clean').length).toBeGreaterThanOrEqual(FULL ? 40 : 0)
    expect(made.filter((m) => m.clip.expect === 'clean').length).toBeGreaterThanOrEqual(FULL ? 20 : 0)
    if (!FULL && !process.env.WEBTV_CORPUS_ONLY) expect(made.map((m) => m.clip.name).sort()).toEqual([...SMOKE].sort())
  })

  it('names the failing frames of a text clip', () => {
    const text = [...results.entries()].find(([n]) => n.startsWith('text-'))
    if (!text) return
    const r = text[1].find((x) => x.check === 'text')!
    expect(r.frames.length).toBeGreaterThan(0)
    expect(r.frames.every((t) => t >= 0 && t <= 3)).toBe(true)
  })
})
