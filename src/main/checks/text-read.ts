/**
 * Reading the text that stays put in a take, cheaply: the sampled frames (high-passed
 * by the measuring pass: brightness at full and at half size, and the two colour
 * planes) become static maps per group of about three frames (static-text.ts), one
 * of light strokes and one of dark, and tesseract reads those — a blank map is not
 * read at all. First one threshold per map; only when that leaves a word-like reading undecided are the maps at a lower
 * and a higher threshold read too, so a doubtful word can be confirmed (or not) by
 * a second reading at the same place.
 */
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { readWords, type OcrImage } from './ocr'
import { isWordLike, strayWords } from './registry'
import { groupsOf, parsePgm, staticMap, toPgm, type Gray, type StrokeSign } from './static-text'
import type { SeenWord } from './types'

/** How far from the blurred picture a stroke stands (grey levels): read first, and only when in doubt. */
const FIRST = [52]
const DOUBT = [59, 44]
const SIGNS: StrokeSign[] = ['light', 'dark']
/** A map with fewer stroke pixels than this holds no word. */
const MIN_STROKES = 20

interface Group {
  at: number
  /** Frames by view source: 'f' full size, 'h' half size, 'u'/'v' colour planes (measure.ts names them f001…). */
  sources: Map<string, Gray[]>
}

function groupFrames(frames: Array<{ file: string; at: number }>): Group[] {
  const times = [...new Set(frames.map((f) => f.at))].sort((a, b) => a - b)
  return groupsOf(times).map((ts) => {
    const sources = new Map<string, Gray[]>()
    for (const f of frames)
      if (ts.includes(f.at)) {
        const src = basename(f.file).slice(0, 1)
        sources.set(src, [...(sources.get(src) ?? []), parsePgm(readFileSync(f.file))])
      }
    return { at: ts[0]!, sources }
  })
}

/** A map's view name: its source letter, + (light strokes) or − (dark), and its cut. */
const viewOf = (src: string, sign: StrokeSign, cut: number): string => `${src}${sign === 'light' ? '+' : '-'}${cut}`

/** The maps at these cuts, each for a group, source and sign that `wanted` lets through (by its view at the first cut). */
function mapsAt(groups: Group[], thresholds: number[], wanted: (at: number, view: string) => boolean): OcrImage[] {
  const out: OcrImage[] = []
  for (const g of groups)
    for (const [src, frames] of g.sources)
      for (const sign of SIGNS) {
        if (!wanted(g.at, viewOf(src, sign, FIRST[0]!))) continue
        for (const t of thresholds) {
          const map = staticMap(frames, sign, t)
          if (map.strokes >= MIN_STROKES) out.push({ image: toPgm(map), at: g.at, view: viewOf(src, sign, t) })
        }
      }
  return out
}

/**
 * Words read in what stays put across the sampled frames (PGM files from the measuring pass).
 * In doubt, only the maps that gave a word-like reading are read again at the other cuts: a
 * still picture (a slow fractal, a landscape) leaves strokes in every view, and reading them all
 * three times was most of the checks' CPU on such takes.
 */
export async function readStaticText(
  frames: Array<{ file: string; at: number }>,
  allowedWords: string[],
  /** The frames were taken before the encoder (registry.ts strayWords). */
  beforeEncode = false
): Promise<SeenWord[]> {
  if (frames.length === 0) return []
  const groups = groupFrames(frames)
  const words = await readWords(mapsAt(groups, FIRST, () => true))
  if (strayWords(words, allowedWords, beforeEncode).length > 0) return words
  const doubtful = new Set(words.filter((w) => isWordLike(w.text)).map((w) => `${w.at} ${w.view}`))
  if (doubtful.size === 0) return words
  return [...words, ...(await readWords(mapsAt(groups, DOUBT, (at, view) => doubtful.has(`${at} ${view}`))))]
}
