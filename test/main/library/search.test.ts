import { describe, expect, it } from 'vitest'
import { ftsQuery, PREFIX_MAX, PREFIX_MIN } from '../../../src/main/library/search'

describe('ftsQuery: what a person types → an FTS5 query', () => {
  it('quotes every word; only the last, while typed and 3+ characters long, is a prefix', () => {
    expect(ftsQuery('whale')).toBe('"whale"*')
    expect(ftsQuery('whale ')).toBe('"whale"')
    expect(ftsQuery('neon city')).toBe('"neon" AND "city"*')
    expect(ftsQuery('neon city.')).toBe('"neon" AND "city"')
    expect(ftsQuery('neon ci')).toBe('"neon" AND "ci"')
    expect([PREFIX_MIN, PREFIX_MAX]).toEqual([3, 6])
  })

  it('cuts a longer typed word to the longest indexed prefix, beside the whole word', () => {
    expect(ftsQuery('jellyfish aurora samurai')).toBe('"jellyfish" AND "aurora" AND ("samurai" OR "samura"*)')
    // characters, not UTF-16 units: the index counts characters
    expect(ftsQuery('𝒜𝒜𝒜𝒜𝒜𝒜𝒜')).toBe('("AAAAAAA" OR "AAAAAA"*)')
  })

  it('leaves no FTS5 operator in the query, and nothing when only syntax is left', () => {
    expect(ftsQuery('a AND b OR c NOT d')).toBe('"a" AND "AND" AND "b" AND "OR" AND "c" AND "NOT" AND "d"')
    expect(ftsQuery('NEAR(x y)')).toBe('"NEAR" AND "x" AND "y"')
    expect(ftsQuery('prompt:x^ -y "z*')).toBe('"prompt" AND "x" AND "y" AND "z"')
    for (const only of ['(', '"', '*', '-', '()', '""', ' ', '🐋']) expect(ftsQuery(only)).toBeNull()
  })

  it('counts a repeated word once and keeps the typed word past 16 words', () => {
    expect(ftsQuery('whale whale whale')).toBe('"whale"*')
    const many = Array.from({ length: 20 }, (_, i) => `w${i}`).join(' ') + ' lighthouse'
    const terms = ftsQuery(many)!.split(' AND ')
    expect(terms).toHaveLength(16)
    expect(terms.at(-1)).toBe('("lighthouse" OR "lighth"*)')
  })
})
