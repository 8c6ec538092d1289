/**
 * Names people tell apart by looking at them (channel names): the same text must be
 * stored the same way, and nothing invisible may make two names look identical or
 * reorder what is shown. So: Unicode NFC, and no control or format characters —
 * zero-width spaces/joiners, bidi embeddings/overrides/isolates, BOM, soft hyphen.
 * A zero-width joiner inside an emoji sequence (👩‍💻) is the one exception.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\u2028\u2029]/u
const EMOJI_ZWJ = /\p{Extended_Pictographic}\uFE0F?\u200D(?=\p{Extended_Pictographic})/gu

/** The first invisible/control character in text, as "U+202E", or undefined. */
export function invisibleCharacter(text: string): string | undefined {
  const m = INVISIBLE.exec(text.replace(EMOJI_ZWJ, ''))
  return m ? `U+${m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}` : undefined
}

export function normalizeName(text: string): string {
  return text.normalize('NFC')
}
