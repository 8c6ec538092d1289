/**
 * Numbers typed by people (CLI arguments, form fields): only plain decimal digits.
 * `Number()` would take " 3", "0x3", "3e0", "0b11" and "" (as 0) — a typo'd or
 * pasted value must be refused, not silently become something else.
 */
export function parseStrictInt(text: string): number | undefined {
  if (!/^-?\d+$/.test(text)) return undefined
  const n = Number(text)
  return Number.isSafeInteger(n) ? n : undefined
}

/** A plain decimal like "2", "0.5" or "-1.25"; no exponent, hex, spaces or empty string. */
export function parseStrictDecimal(text: string): number | undefined {
  if (!/^-?\d+(\.\d+)?$/.test(text)) return undefined
  const n = Number(text)
  return Number.isFinite(n) ? n : undefined
}
