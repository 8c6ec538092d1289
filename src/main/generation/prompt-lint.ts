/**
 * Words that text-to-video models tend to paint into the picture as letters
 * (brand names, camera models, "footage" labels, quoted text). From the seed's
 * observations; the user can still keep them — this only warns.
 */
const TEXT_MAGNETS: Array<{ pattern: RegExp; why: string }> = [
  { pattern: /\bIMAX\b/i, why: 'a logo' },
  {
    pattern: /\b(canon|nikon|sony|arri|red|leica|fujifilm|panasonic|hasselblad)\s+[a-z]*\s*\d*/i,
    why: 'a camera brand'
  },
  { pattern: /\bEOS\b/i, why: 'a camera model' },
  { pattern: /\bdrone footage\b/i, why: 'a "footage" label' },
  { pattern: /\b(stock|archival|news|cctv|security|bodycam|dashcam)\s+footage\b/i, why: 'a "footage" label' },
  { pattern: /\b(shutterstock|getty|istock|pond5|adobe stock)\b/i, why: 'a stock-site watermark' },
  { pattern: /\bwatermark\b/i, why: 'a watermark' },
  { pattern: /\b(logo|caption|subtitles?|title card|headline|sign that says|text that reads)\b/i, why: 'lettering' },
  { pattern: /\b\d{3,4}p\b|\b[48]k\b|\bUHD\b|\bHDR\b/i, why: 'a resolution badge' },
  { pattern: /\bGoPro\b/i, why: 'a brand name' },
  { pattern: /"[^"]{2,}"/, why: 'quoted text' }
]

export interface LintWarning {
  word: string
  message: string
}

export function lintPrompt(prompt: string): LintWarning[] {
  const out: LintWarning[] = []
  for (const { pattern, why } of TEXT_MAGNETS) {
    const m = pattern.exec(prompt)
    if (m) {
      const word = m[0].trim()
      out.push({ word, message: `"${word}" may be painted into the picture as ${why}; describe the look instead.` })
    }
  }
  if (
    !/\b(camera|pan|pans|panning|tilt|dolly|zoom|tracking|static shot|orbit|crane|push(es)? in|pull(s)? back)\b/i.test(
      prompt
    )
  ) {
    out.push({
      word: '',
      message: 'No camera motion named: say how the camera moves (e.g. "slow pan left", "static shot").'
    })
  }
  return out
}

/** One line per warning, naming the shot, for plans shown to the user. */
export function lintShots(prompts: string[]): string[] {
  const lines: string[] = []
  prompts.forEach((p, i) => {
    for (const w of lintPrompt(p)) lines.push(`shot ${i + 1}: ${w.message}`)
  })
  return lines
}
