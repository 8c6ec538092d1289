/**
 * Text from outside (file names, prompts, error messages that quote them) printed to
 * a terminal: a newline in a file name would forge an output line, an escape
 * sequence would recolour, retitle or clear the user's terminal, and bidi controls
 * reorder what is shown. Control characters (C0, DEL, C1) and invisible
 * format/bidi controls are shown escaped instead, like `ls` does.
 */
const UNPRINTABLE =
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this finds
  /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\x1b': '\\e' }

export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (ch) => {
    const named = NAMED[ch]
    if (named) return named
    const code = ch.charCodeAt(0)
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`
  })
}
