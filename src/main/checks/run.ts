/**
 * Run every check of the registry over one conformed take: one ffmpeg pass for
 * the filter checks (made inside the take's conform when the gate's tap ran there), OCR of what stays put in the few frames it wrote (text-read.ts),
 * then each row judges.
 */
import { rmSync } from 'node:fs'
import type { ServiceEndpoint } from './endpoints'
import { askJudge } from './judge'
import { measureTake, type PassResult } from './measure'
import { checkRows } from './registry'
import { readStaticText } from './text-read'
import type { CheckResult, Measurements, TakeUnderCheck } from './types'

export interface RunOptions {
  /** A folder for the frames (inside the data folder); they are removed when done. */
  tmpRoot: string
  signal?: AbortSignal | undefined
  /** Only these checks (default: every row). */
  only?: string[] | undefined
  /** The judge to ask (the channel has it on and the studio has one set); absent: the judge row skips. */
  judge?: ServiceEndpoint | null | undefined
  /**
   * The pass already made beside the take's conform (checks/tap.ts): no second ffmpeg start or decode.
   * Absent: the standalone pass runs over the conformed file. Either way its folder is removed when done.
   */
  pass?: PassResult | undefined
}

export async function runChecks(take: TakeUnderCheck, opts: RunOptions): Promise<CheckResult[]> {
  const rows = opts.only ? checkRows.filter((r) => opts.only!.includes(r.name)) : checkRows
  const ocr = rows.some((r) => r.needs.includes('ocr'))
  const judge = opts.judge && take.prompt && rows.some((r) => r.needs.includes('judge')) ? opts.judge : null
  const pass = opts.pass ?? (await measureTake(take, opts.tmpRoot, { ocr, judge: judge !== null, signal: opts.signal }))
  try {
    const words = ocr ? await readStaticText(pass.frames, take.allowedWords, pass.beforeEncode === true) : []
    const verdict = judge ? await askJudge(judge, take.prompt!, pass.colour, opts.signal) : null
    const m: Measurements = {
      durationSec: pass.durationSec,
      black: pass.black,
      frozen: pass.frozen,
      silence: pass.silence,
      hasAudio: pass.hasAudio,
      integratedLufs: pass.integratedLufs,
      sampled: [...new Set([...pass.frames, ...pass.colour].map((f) => f.at))],
      words,
      beforeEncode: pass.beforeEncode === true,
      judge: verdict
    }
    return rows.map((r) => ({ check: r.name, ...r.run(m, take) }))
  } finally {
    rmSync(pass.dir, { recursive: true, force: true })
  }
}

/** The failing results, for a one-line reason. */
export function failures(results: CheckResult[]): CheckResult[] {
  return results.filter((r) => r.verdict === 'fail')
}
