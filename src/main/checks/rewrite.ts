/**
 * Prompt rewrites after a failed take. Pure. For text in the picture, the seed's
 * own advice: words such as "IMAX", "Canon EOS", "drone footage" or a brand get
 * painted into the picture as text, so drop camera, format and brand words.
 */

/** Camera, lens, format and brand words that models tend to write into the picture. */
export const TEXT_PRONE_TERMS: RegExp[] = [
  /\b(shot|filmed|captured) (on|with) (an? )?[\w-]+( [\w-]+){0,2}/gi,
  /\b(canon|nikon|sony|fujifilm|fuji|leica|panasonic|lumix|olympus|hasselblad|blackmagic|arri|alexa|red komodo|red|panavision|kodak|gopro|dji|iphone|pixel|samsung|insta360)( [a-z]*\d[\w-]*| eos| alpha| hero| mavic| a\d+\w*)?\b/gi,
  /\b(imax|dolby( vision)?|hdr10?\+?|4k|8k|uhd|ultra hd|full hd|1080p|720p|2160p|60 ?fps|24 ?fps)\b/gi,
  /\b(drone footage|stock footage|footage|watermark(ed)?|logo|caption(ed)?|subtitles?|title card|text overlay|signage)\b/gi,
  /\b\d{2,3} ?mm( lens)?\b/gi,
  /\bf\/\d+(\.\d+)?\b/gi
]

function tidy(s: string): string {
  return s
    .replace(/\s+([,.;:!?])/g, '$1')
    .replace(/([,;:])(\s*[,;:])+/g, '$1')
    .replace(/^[\s,;:]+|[\s,;:]+$/g, '')
    .replace(/\s{2,}/g, ' ')
    .replace(/,\s*\./g, '.')
}

/** `prompt` without the words that get painted in as text; quoted words the shot asks to show stay. */
export function dropTextProneWords(prompt: string): string {
  const quoted: string[] = []
  let s = prompt.replace(/(["“][^"”]*["”])/g, (q) => `\u2063${quoted.push(q) - 1}\u2063`)
  for (const re of TEXT_PRONE_TERMS) s = s.replace(re, ' ')
  s = s.replace(/\u2063(\d+)\u2063/g, (_, i: string) => quoted[Number(i)]!)
  return tidy(s)
}

/** A negative clause the next try carries, per failing check (only where it helps a video model). */
const ADVICE: Record<string, string> = {
  text: 'no text, no letters, no captions, no logos',
  frozen: 'continuous motion throughout',
  black: 'well lit',
  judge: 'clean, undistorted shapes'
}

/** The prompt for the next try after `failed` checks: text-prone words dropped, short advice appended once. */
export function rewritePrompt(prompt: string, failed: string[]): string {
  let next = failed.includes('text') ? dropTextProneWords(prompt) : prompt.trim()
  for (const f of failed) {
    const advice = ADVICE[f]
    if (advice && !next.toLowerCase().includes(advice))
      next = `${next.replace(/[.\s]+$/, '')}. ${advice[0]!.toUpperCase()}${advice.slice(1)}.`
  }
  return next
}
