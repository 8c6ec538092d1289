import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { tempDir } from '../../helpers/tmp'
import { openDatabase } from '../../../src/main/db/database'
import { migrations, openLibrary, type Library } from '../../../src/main/library'
import { openLibraryDb } from '../../fixtures/library-db'

let tmp: ReturnType<typeof tempDir>
let lib: Library
let channelId: number

const PROMPTS = [
  'a whale breaching at dawn',
  'Running through the neon city at night',
  'cities of the future',
  'concatenate the catalog',
  'a lighthouse in fog',
  'rock and roll, NEAR the stage',
  'Café crème au lait',
  '日本語 の 字幕',
  'मराठी गाणे',
  'emoji 🐋 rain'
]

beforeEach(() => {
  tmp = tempDir()
  lib = openLibrary(join(tmp.dir, 'data'))
  channelId = lib.createChannel({ name: 'Words' }).id
  for (const prompt of PROMPTS) lib.createShot(channelId, { prompt })
})
afterEach(async () => {
  await lib.close()
  tmp.cleanup()
})

/** The prompts a search finds, in insertion order. */
function found(search: string): string[] {
  return lib
    .listShots({ channelId, search, limit: 500 })
    .shots.map((s) => s.prompt)
    .sort((a, b) => PROMPTS.indexOf(a) - PROMPTS.indexOf(b))
}

describe('library search: whole stemmed words, the last one a prefix while typed', () => {
  it('finds other forms of a word (porter stemmer) and folds accents', () => {
    expect(found('whales ')).toEqual(['a whale breaching at dawn'])
    expect(found('run ')).toEqual(['Running through the neon city at night'])
    expect(found('city ')).toEqual(['Running through the neon city at night', 'cities of the future'])
    expect(found('cafe creme')).toEqual(['Café crème au lait'])
  })

  it('matches whole words: never inside a word, and a finished word never as a prefix', () => {
    // "cat" typed: a prefix of "catalog", but never the middle of "concatenate" (one prompt holds both)
    expect(found('cat')).toEqual(['concatenate the catalog'])
    expect(found('cat ')).toEqual([])
    expect(found('ten')).toEqual([])
    expect(found('light ')).toEqual([])
    expect(found('whal ')).toEqual([])
  })

  it('takes the last word as a prefix only while it is typed: 3+ characters, nothing after it', () => {
    expect(found('whal')).toEqual(['a whale breaching at dawn'])
    expect(found('neon cit')).toEqual(['Running through the neon city at night'])
    expect(found('neon cit.')).toEqual([])
    // only the last word: an earlier one is whole
    expect(found('whal dawn')).toEqual([])
    expect(found('dawn whal')).toEqual(['a whale breaching at dawn'])
    // one or two letters are a whole word, not a prefix of most of the index
    expect(found('wh')).toEqual([])
    expect(found('a')).toEqual(['a whale breaching at dawn', 'a lighthouse in fog'])
    // longer than the prefix index (6): the whole word, or words that begin with its first six characters
    expect(found('lighthou')).toEqual(['a lighthouse in fog'])
    expect(found('lighthouse')).toEqual(['a lighthouse in fog'])
    expect(found('running')).toEqual(['Running through the neon city at night'])
    expect(found('breaching')).toEqual(['a whale breaching at dawn'])
  })

  it('treats FTS5 syntax as text: nothing a person types throws', () => {
    expect(found('and')).toEqual(['rock and roll, NEAR the stage'])
    expect(found('AND')).toEqual(['rock and roll, NEAR the stage'])
    expect(found('NEAR')).toEqual(['rock and roll, NEAR the stage'])
    expect(found('near(rock roll)')).toEqual(['rock and roll, NEAR the stage'])
    expect(found('rock:roll')).toEqual(['rock and roll, NEAR the stage'])
    expect(found('prompt:rock')).toEqual([])
    expect(found('rock OR whale')).toEqual([])
    expect(found('-rock')).toEqual(['rock and roll, NEAR the stage'])
    expect(found('^rock*')).toEqual(['rock and roll, NEAR the stage'])
    expect(found('"rock')).toEqual(['rock and roll, NEAR the stage'])
    expect(found('rock"" "')).toEqual(['rock and roll, NEAR the stage'])
    for (const nothing of ['(', ')', '"', '*', '-', '+', '^', ':', '""', '\u200b', '🐋', '\u0301'])
      expect(lib.listShots({ channelId, search: nothing })).toEqual({ shots: [], total: 0, totalCapped: false })
    expect(lib.listShots({ channelId, search: '   ' }).total).toBe(PROMPTS.length) // blank: the whole list
    expect(found('emoji🐋rain')).toEqual(['emoji 🐋 rain'])
    expect(found('日本語 ')).toEqual(['日本語 の 字幕'])
    expect(found('मराठी')).toEqual(['मराठी गाणे'])
    // more words than are searched, the longest text the contract allows, control characters
    expect(found('a '.repeat(20) + 'whale')).toEqual(['a whale breaching at dawn'])
    expect(found(Array.from({ length: 20 }, (_, i) => `w${i}`).join(' ') + ' whale')).toEqual([])
    expect(found('x'.repeat(500))).toEqual([])
    expect(found('whale\u0000\n\t')).toEqual(['a whale breaching at dawn'])
  })

  it('keeps the index in step with edits and deletes', () => {
    const shot = lib.createShot(channelId, { prompt: 'dragons flying' })
    expect(found('dragon ')).toEqual(['dragons flying'])
    lib.updateShot(shot.id, { prompt: 'a volcano erupting' })
    expect(found('dragon ')).toEqual([])
    expect(found('erupt ')).toEqual(['a volcano erupting'])
    lib.deleteShots([shot.id])
    expect(found('volcano')).toEqual([])
  })
})

describe('upgrade to schema 14', () => {
  it('rebuilds the search index of a schema-13 library: its shots are found by stem, and edits keep it in step', async () => {
    const t = tempDir()
    try {
      const file = join(t.dir, 'library.db')
      const old = openDatabase(
        file,
        migrations.filter((m) => m.version <= 13)
      )
      const now = Date.now()
      const ch = Number(
        old
          .prepare(`INSERT INTO channels (name, format_json, created_at, updated_at) VALUES ('Old', '{}', ?, ?)`)
          .run(now, now).lastInsertRowid
      )
      const insert = old.prepare(
        `INSERT INTO shots (channel_id, status, prompt, created_at, updated_at) VALUES (?, 'pending', ?, ?, ?)`
      )
      for (const prompt of ['whales singing', 'running foxes', 'a lighthouse']) insert.run(ch, prompt, now, now)
      // schema 13 had no stemmer: a finished "whale" did not find "whales"
      expect(old.prepare(`SELECT rowid FROM shots_fts WHERE shots_fts MATCH '"whale"'`).all()).toEqual([])
      old.close()

      const said: string[] = []
      const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
        said.push(String(chunk))
        return true
      })
      const upgraded = (() => {
        try {
          return openLibrary(t.dir)
        } finally {
          stderr.mockRestore()
        }
      })()
      try {
        // a rebuild that takes seconds at a million shots says what it does, and how long it took
        expect(said.join('')).toMatch(
          /Upgrading .*library\.db to schema 14: rebuilding the search index.*\n.*Upgraded .* in \d+\.\d s/s
        )
        const search = (text: string): string[] =>
          upgraded.listShots({ channelId: ch, search: text }).shots.map((s) => s.prompt)
        expect(search('whale ')).toEqual(['whales singing'])
        expect(search('run fox')).toEqual(['running foxes'])
        expect(search('lighth')).toEqual(['a lighthouse'])
        const db = openLibraryDb(t.dir)
        expect(db.pragma('user_version', { simple: true })).toBe(migrations.at(-1)!.version)
        expect(
          (db.prepare(`SELECT sql FROM sqlite_master WHERE name = 'shots_fts'`).get() as { sql: string }).sql
        ).toMatch(/porter unicode61 remove_diacritics 2.*prefix='3 4 5 6'/s)
        // the triggers of schema 1 feed the new table
        const [first] = upgraded.listShots({ channelId: ch, search: 'whale ' }).shots
        upgraded.updateShot(first!.id, { prompt: 'dolphins jumping' })
        upgraded.createShot(ch, { prompt: 'whale songs' })
        expect(search('whale ')).toEqual(['whale songs'])
        expect(search('dolphin ')).toEqual(['dolphins jumping'])
        db.exec(`INSERT INTO shots_fts(shots_fts, rank) VALUES ('integrity-check', 1)`)
      } finally {
        await upgraded.close()
      }
    } finally {
      t.cleanup()
    }
  })
})
