/**
 * Turn what a person types into a safe FTS5 query: every word becomes a quoted
 * prefix term and all must match ("red car" → "red"* "car"*). FTS syntax
 * characters in the input are treated as plain text, never as operators.
 * Returns null when nothing searchable is left.
 */
export function ftsQuery(text: string): string | null {
  const words = text
    .normalize('NFKC')
    .split(/[^\p{L}\p{N}_]+/u)
    .filter(Boolean)
    .slice(0, 16)
  if (words.length === 0) return null
  return words.map((w) => `"${w.replace(/"/g, '""')}"*`).join(' ')
}
