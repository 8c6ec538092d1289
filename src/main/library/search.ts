/**
 * How a search box's text becomes an FTS5 query over the prompts (schema 14).
 *
 * Whole words, stemmed: the index runs the `porter` stemmer over `unicode61 remove_diacritics 2`,
 * and FTS5 stems the query's words the same way, so "whales" finds "whale", "running" finds "run",
 * "cafe" finds "Café". A word never matches inside another word ("cat" does not find "concatenate").
 *
 * Only the LAST word, and only while it is being typed, is a prefix: the text does not end with a
 * space or punctuation, and the word has at least {@link PREFIX_MIN} characters ("whal" finds "whale";
 * "whal " does not). Why: FTS5 answers a prefix by merging the whole doclist of every word that starts
 * with it before it returns a first row — 45 ms for "whale"* at a million shots against 0.1 ms for
 * "whale" — unless a prefix index of exactly that length exists. The table keeps one for lengths
 * {@link PREFIX_MIN}..{@link PREFIX_MAX} (~3× the index's size); a longer word being typed matches
 * words that are that word or begin with its first {@link PREFIX_MAX} characters.
 *
 * Stemming and prefixes meet oddly mid-word: "happine" finds nothing (the index holds "happi" for
 * "happiness") until the word is complete. Results can thin out while a long word is typed and come
 * back when it is finished.
 */

/** Shorter last words are whole words: a one- or two-letter prefix merges most of the index (150 ms at 1M). */
export const PREFIX_MIN = 3
/** Longest prefix the index keeps (schema 14's `prefix='3 4 5 6'`). */
export const PREFIX_MAX = 6
/** More words than this are ignored: each is one more doclist to intersect. */
const MAX_WORDS = 16

/** Letters, digits, combining marks (Devanagari vowel signs, …) and `_`: everything else separates words. */
const SEPARATORS = /[^\p{L}\p{M}\p{N}_]+/u

/** One word as an FTS5 string: quoted, so `AND`, `NEAR`, `*`, `-`, `(`, `:` are plain text, never operators. */
function quoted(word: string): string {
  return `"${word.replace(/"/g, '""')}"`
}

/** The word being typed: a prefix from PREFIX_MIN characters on (see the top of this file). */
function typedTerm(word: string): string {
  const chars = [...word]
  if (chars.length < PREFIX_MIN) return quoted(word)
  if (chars.length <= PREFIX_MAX) return `${quoted(word)}*`
  // Longer than the prefix index: the whole word (its stem), or a word beginning with its first PREFIX_MAX
  // characters (indexed). Both: a cut word need not stem like the whole one ("runnin" vs "running" → "run").
  return `(${quoted(word)} OR ${quoted(chars.slice(0, PREFIX_MAX).join(''))}*)`
}

/**
 * Turn what a person types into a safe FTS5 query: every word must match, as a whole (stemmed) word,
 * and the last one as a prefix while it is being typed ("red car" → `"red" AND "car"*`; see above).
 * A repeated word counts once; past MAX_WORDS words, the first ones and the typed one are kept.
 * Returns null when nothing searchable is left.
 */
export function ftsQuery(text: string): string | null {
  const normal = text.normalize('NFKC')
  const all = normal.split(SEPARATORS).filter(Boolean)
  const last = all.at(-1)
  if (last === undefined) return null
  // Being typed: nothing (a space, a full stop) has ended the last word yet.
  const typing = !SEPARATORS.test([...normal].at(-1)!)
  const whole = [...new Set(all)].filter((w) => !typing || w !== last).slice(0, typing ? MAX_WORDS - 1 : MAX_WORDS)
  const terms = whole.map(quoted)
  if (typing) terms.push(typedTerm(last))
  return terms.join(' AND ')
}
