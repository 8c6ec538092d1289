import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { PictureRect } from '../media/graphics'
import type { Cue } from '../voice/narrate'

/**
 * Captions burned in at conform: one drawtext per cue, shown exactly between its
 * start and end, centred low in the title-safe area (the picture's inner 90 %), white
 * with a dark outline. Lines are wrapped to at most 60 % of the picture's
 * width, so they stay clear of the logo and the label in the corners; while the lower
 * third is up, captions move above it.
 */
export interface CaptionSpec {
  cues: Cue[]
  /** The lower third's display time, when the channel shows one (captions go above it meanwhile). */
  lowerThirdSeconds?: number | undefined
}

export function captionFontSize(p: PictureRect): number {
  return Math.max(12, Math.round(p.h * 0.05))
}

/** Wrap a sentence into lines of at most `maxChars` characters (words are never split). */
export function wrapCaption(text: string, maxChars: number): string {
  const lines: string[] = []
  let cur = ''
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (cur && cur.length + 1 + word.length > maxChars) {
      lines.push(cur)
      cur = word
    } else cur = cur ? `${cur} ${word}` : word
  }
  if (cur) lines.push(cur)
  return lines.join('\n')
}

/** Write each cue's wrapped text to a file (drawtext reads it: the text is never parsed as filter syntax). */
export function writeCaptionFiles(spec: CaptionSpec, p: PictureRect, dir: string): string[] {
  const size = captionFontSize(p)
  // DejaVu Sans averages about 0.55 em a character.
  const maxChars = Math.max(12, Math.floor((p.w * 0.6) / (size * 0.55)))
  return spec.cues.map((cue, i) => {
    const file = join(dir, `caption-${i}.txt`)
    writeFileSync(file, wrapCaption(cue.text.replace(/[\r\n\t]+/g, ' '), maxChars), 'utf8')
    return file
  })
}

/** drawtext filters for the cues (files from writeCaptionFiles); `font` is graphics.ts's font option. */
export function captionFilters(
  spec: CaptionSpec,
  files: string[],
  p: PictureRect,
  font: string,
  escape: (v: string) => string
): string[] {
  const size = captionFontSize(p)
  // Bottom edge at 80 % of the picture: inside the title-safe area and above the lower
  // third's band (90 % less its box); while the lower third is up, higher still.
  const bottom = p.y + Math.round(p.h * 0.8)
  const aboveLowerThird = p.y + Math.round(p.h * 0.72)
  return spec.cues.map((cue, i) => {
    const lt = spec.lowerThirdSeconds ?? 0
    const y = cue.start < lt ? aboveLowerThird : bottom
    return (
      `drawtext=${font}:textfile=${escape(files[i]!)}:expansion=none:fontsize=${size}:fontcolor=white:` +
      `borderw=${Math.max(1, Math.round(size / 12))}:bordercolor=black@0.9:line_spacing=${Math.round(size * 0.2)}:` +
      `x=${p.x}+(${p.w}-tw)/2:y=${y}-th:enable='between(t\\,${cue.start.toFixed(3)}\\,${cue.end.toFixed(3)})'`
    )
  })
}
