/**
 * The quality checks, one row each: what the row needs from the measuring pass,
 * and how it judges the take ('judge' = the optional vision model's answer, judge.ts). A new check is one more row (and, if it needs a new
 * measurement, a field of `Measurements`).
 */
import type { CheckResult, Measurements, SeenWord, Stretch, TakeUnderCheck } from './types'

export interface CheckRow {
  name: string
  /** Plain words for the owner (CLI listings, the preview). */
  title: string
  /** What it reads: 'pass' = the ffmpeg pass, 'ocr' = the sampled frames read by OCR. */
  needs: Array<'pass' | 'ocr' | 'judge'>
  run(m: Measurements, take: TakeUnderCheck): Omit<CheckResult, 'check'>
}

const total = (s: Stretch[]): number => s.reduce((a, x) => a + Math.max(0, x.end - x.start), 0)
const times = (s: Stretch[]): number[] => s.map((x) => Math.round(x.start * 100) / 100)
const sec = (n: number): string => `${n.toFixed(1)} s`
const clamp01 = (n: number): number => Math.max(0, Math.min(1, n))
const pass = (reason: string, score = 0): Omit<CheckResult, 'check'> => ({ verdict: 'pass', score, frames: [], reason })

/** Longest black stretch allowed anywhere (beyond the look's dips). */
export const BLACK_MAX_SEC = 1.0
/** Longest still stretch allowed, as seconds and as a share of the take. */
export const FROZEN_MAX_SEC = 2.0
export const FROZEN_MAX_SHARE = 0.5
/** Share of a take with expected sound that may be silent. */
export const SILENT_MAX_SHARE = 0.5
/** How far the conformed take may be from the plan's length. */
export const DURATION_TOLERANCE = { seconds: 1, share: 0.25 }
/** How far from the channel's loudness target a take may measure. */
export const LOUDNESS_TOLERANCE_LU = 3
/** A reading this sure is text on its own. */
export const TEXT_MIN_CONFIDENCE = 60
/** Two readings at the same place this alike (1 − edit distance / length) are the same word. */
export const TEXT_MIN_SIMILARITY = 0.6

/** A real word: at least three letters or digits, mostly letters, nothing like a texture's `;|~` noise. */
export function isWordLike(text: string): boolean {
  const t = text.replace(/^[("'“‘[]+|[)"'”’\].,:;!?]+$/g, '')
  if (!/^[\p{L}\p{N}][\p{L}\p{N}&'’.-]*$/u.test(t)) return false
  const letters = (t.match(/\p{L}/gu) ?? []).length
  const alnum = (t.match(/[\p{L}\p{N}]/gu) ?? []).length
  return alnum >= 3 && letters >= 2
}

type Box = SeenWord['box']
/** Intersection over the smaller box. */
function overlap(a: Box, b: Box): number {
  const w = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0)
  const h = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0)
  if (w <= 0 || h <= 0) return 0
  const area = (r: Box): number => (r.x1 - r.x0) * (r.y1 - r.y0)
  return (w * h) / Math.max(1e-9, Math.min(area(a), area(b)))
}
/** A view's map: its source letter and stroke sign (text-read.ts names views `f+52`, `h-44`…), without the cut. */
const mapOf = (view: string | undefined): string => (view ?? '').replace(/\d+$/, '')
const norm = (s: string): string => s.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '')

/** 1 − Levenshtein distance / the longer length, on letters and digits only. */
export function similarity(a: string, b: string): number {
  const x = norm(a)
  const y = norm(b)
  const row = Array.from({ length: y.length + 1 }, (_, j) => j)
  for (let i = 1; i <= x.length; i++) {
    let diag = row[0]!
    row[0] = i
    for (let j = 1; j <= y.length; j++) {
      const up = row[j]!
      row[j] = Math.min(up + 1, row[j - 1]! + 1, diag + (x[i - 1] === y[j - 1] ? 0 : 1))
      diag = up
    }
  }
  return 1 - row[y.length]! / Math.max(1, x.length, y.length)
}

/**
 * The readings that are text the shot did not ask for: word-like, not asked for, and either read
 * with confidence or read alike at the same place in another view (another threshold, size, colour
 * plane or stroke sign of the static picture, or another group of frames; for frames taken before
 * the encoder, not merely another threshold of the same map). Tesseract misreads stylised letters differently
 * each time but keeps most of them; what little texture survives the static map does not read as
 * the same word twice.
 */
export function strayWords(words: SeenWord[], allowedWords: string[], beforeEncode = false): SeenWord[] {
  const allowed = new Set(allowedWords.map(norm))
  const candidates = words.filter((w) => isWordLike(w.text) && !allowed.has(norm(w.text)))
  return candidates.filter(
    (w) =>
      w.confidence >= TEXT_MIN_CONFIDENCE ||
      candidates.some(
        (o) =>
          o !== w &&
          // Another view. Before the encoder, another map: another group of frames, source (size, colour
          // plane) or stroke sign — the same map at another cut is nearly the same picture, and a still
          // texture's fine edge (a slow fractal), sharp until the encoder softens it, reads alike there.
          // In the decoded file, another cut of the same map may confirm (a softened word needs it).
          (o.at !== w.at || (beforeEncode ? mapOf(o.view) !== mapOf(w.view) : o.view !== w.view)) &&
          overlap(o.box, w.box) >= 0.5 &&
          similarity(o.text, w.text) >= TEXT_MIN_SIMILARITY
      )
  )
}

export const checkRows: CheckRow[] = [
  {
    name: 'black',
    title: 'Black or near-black picture',
    needs: ['pass'],
    run: (m) => {
      const bad = m.black.filter((s) => s.end - s.start > BLACK_MAX_SEC)
      if (bad.length === 0) return pass('No black stretch longer than the dips.')
      const t = total(bad)
      return {
        verdict: 'fail',
        score: clamp01(t / Math.max(1, m.durationSec)),
        frames: times(bad),
        reason: `The picture is black for ${sec(t)} (from ${sec(bad[0]!.start)}).`
      }
    }
  },
  {
    name: 'frozen',
    title: 'Frozen picture',
    needs: ['pass'],
    run: (m) => {
      const t = total(m.frozen)
      const longest = Math.max(0, ...m.frozen.map((s) => s.end - s.start))
      if (longest <= FROZEN_MAX_SEC && t <= FROZEN_MAX_SHARE * m.durationSec)
        return pass('The picture moves.', clamp01(t / Math.max(1, m.durationSec)))
      return {
        verdict: 'fail',
        score: clamp01(t / Math.max(1, m.durationSec)),
        frames: times(m.frozen),
        reason: `The picture stands still for ${sec(t)} of ${sec(m.durationSec)}.`
      }
    }
  },
  {
    name: 'silence',
    title: 'Silence where the shot has sound',
    needs: ['pass'],
    run: (m, take) => {
      if (!take.expectsAudio)
        return { verdict: 'skip', score: 0, frames: [], reason: 'The shot plans no speech or sound.' }
      const t = m.hasAudio ? total(m.silence) : m.durationSec
      const silentAll =
        !m.hasAudio || m.integratedLufs === -Infinity || (m.integratedLufs !== null && m.integratedLufs < -60)
      if (!silentAll && t <= SILENT_MAX_SHARE * m.durationSec)
        return pass('The planned sound is there.', clamp01(t / Math.max(1, m.durationSec)))
      return {
        verdict: 'fail',
        score: clamp01(t / Math.max(0.1, m.durationSec)),
        frames: m.hasAudio ? times(m.silence) : [0],
        reason: `The shot should have speech or sound, but ${sec(t)} of ${sec(m.durationSec)} is silent.`
      }
    }
  },
  {
    name: 'duration',
    title: 'Length against the plan',
    needs: [],
    run: (m, take) => {
      if (take.plannedSeconds === undefined)
        return { verdict: 'skip', score: 0, frames: [], reason: 'The plan gives no length.' }
      const off = Math.abs(m.durationSec - take.plannedSeconds)
      const allowed = Math.max(DURATION_TOLERANCE.seconds, DURATION_TOLERANCE.share * take.plannedSeconds)
      const score = clamp01(off / Math.max(1, take.plannedSeconds))
      if (off <= allowed) return pass(`${sec(m.durationSec)} against ${sec(take.plannedSeconds)} planned.`, score)
      return {
        verdict: 'fail',
        score,
        frames: [],
        reason: `The take is ${sec(m.durationSec)} long; the plan asks for ${sec(take.plannedSeconds)}.`
      }
    }
  },
  {
    name: 'loudness',
    title: 'Loudness out of range',
    needs: ['pass'],
    run: (m, take) => {
      const i = m.integratedLufs
      // Silence is the silence check's business (and the conform leaves silence silent).
      if (!m.hasAudio || i === null || !Number.isFinite(i) || i < -60)
        return { verdict: 'skip', score: 0, frames: [], reason: 'No sound to measure.' }
      const off = Math.abs(i - take.loudnessTargetLufs)
      if (off <= LOUDNESS_TOLERANCE_LU)
        return pass(`${i.toFixed(1)} LUFS (target ${take.loudnessTargetLufs}).`, clamp01(off / 20))
      return {
        verdict: 'fail',
        score: clamp01(off / 20),
        frames: [],
        reason: `The take measures ${i.toFixed(1)} LUFS; the channel's target is ${take.loudnessTargetLufs} LUFS (±${LOUDNESS_TOLERANCE_LU}).`
      }
    }
  },
  {
    name: 'text',
    title: 'Text in the picture the shot did not ask for',
    needs: ['ocr'],
    run: (m, take) => {
      const stray = strayWords(m.words, take.allowedWords, m.beforeEncode === true)
      if (stray.length === 0) return pass(`No stray text in ${m.sampled.length} sampled frames.`)
      const at = [...new Set(stray.map((w) => w.at))].sort((a, b) => a - b)
      // Several views read the same word (light, dark and colour maps; two sizes): name it once.
      const byKey = new Map<string, string>()
      for (const w of stray) {
        const shown = w.text.trim().replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '') || w.text.trim()
        const key = shown.toLocaleLowerCase()
        if (!byKey.has(key)) byKey.set(key, shown)
      }
      const words = [...byKey.values()].slice(0, 6)
      return {
        verdict: 'fail',
        score: clamp01(Math.max(...stray.map((w) => w.confidence)) / 100),
        frames: at,
        reason: `Text in the picture the shot did not ask for: ${words.map((w) => `"${w}"`).join(', ')}.`
      }
    }
  },
  {
    name: 'judge',
    title: 'A vision model: does it show the prompt, any artefacts (optional)',
    needs: ['judge'],
    run: (m) => {
      const j = m.judge
      if (j === null)
        return {
          verdict: 'skip',
          score: 0,
          frames: [],
          reason: 'The judge is off for this channel (or no judge is set).'
        }
      // A judge that could not answer vouches for nothing, and blocks nothing: the other checks decide.
      if ('error' in j)
        return { verdict: 'skip', score: 0, frames: [], reason: `The judge gave no verdict: ${j.error}.` }
      if (j.matches && j.artefacts.length === 0) return pass(`The judge saw the prompt in ${m.sampled.length} frames.`)
      const what = [
        ...(j.matches ? [] : ['the frames do not show what the prompt asks']),
        ...(j.artefacts.length ? [`artefacts: ${j.artefacts.map((a) => `"${a}"`).join(', ')}`] : [])
      ]
      return {
        verdict: 'fail',
        score: j.matches ? 0.5 : 1,
        frames: m.sampled,
        reason: `The judge says ${what.join('; ')}.`
      }
    }
  }
]

export const checkNames = checkRows.map((r) => r.name)
