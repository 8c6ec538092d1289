import { afterEach, describe, expect, it } from 'vitest'
import { openLibrary, type Library } from '../../../src/main/library'
import { tempDir } from '../../helpers/tmp'

/** The named reads and writes other features use instead of SQL on the library's tables. */
describe('library facade for other features', () => {
  const cleanups: Array<() => Promise<void> | void> = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })
  const library = (): Library => {
    const t = tempDir()
    const lib = openLibrary(t.dir)
    cleanups.push(t.cleanup, () => lib.close())
    return lib
  }

  it('lists settings by a literal prefix and deletes one', () => {
    const lib = library()
    lib.setSetting('generation.autopilot.2', '{"a":1}')
    lib.setSetting('generation.autopilot.10', '{"a":2}')
    lib.setSetting('generationXautopilotX3', 'not under the prefix')
    lib.setSetting('generation.backends.2', '{}')
    expect(lib.settingsWithPrefix('generation.autopilot.')).toEqual([
      { key: 'generation.autopilot.10', value: '{"a":2}' },
      { key: 'generation.autopilot.2', value: '{"a":1}' }
    ])
    // LIKE wildcards in a prefix are plain characters.
    expect(lib.settingsWithPrefix('generation_autopilot%')).toEqual([])
    lib.deleteSetting('generation.autopilot.2')
    lib.deleteSetting('no.such.key')
    expect(lib.getSetting('generation.autopilot.2')).toBeUndefined()
    expect(lib.settingsWithPrefix('generation.autopilot.')).toHaveLength(1)
  })

  it('answers channel names, playlist shots, shot existence, the conform backlog and an item’s shot', () => {
    const lib = library()
    const a = lib.createChannel({ name: 'Alpha' })
    const b = lib.createChannel({ name: 'Beta' })
    expect(lib.channelNames()).toEqual([
      { id: a.id, name: 'Alpha' },
      { id: b.id, name: 'Beta' }
    ])
    const s1 = lib.createShot(a.id, { prompt: 'one' })
    const s2 = lib.createShot(a.id, { prompt: 'two' })
    const [i1, i2] = lib.addToPlaylist(a.id, [s1.id, s2.id])
    expect([...lib.playlistShotIds(a.id).entries()].sort()).toEqual([
      [i1, s1.id],
      [i2, s2.id]
    ])
    expect(lib.playlistShotIds(b.id).size).toBe(0)
    expect(lib.itemShotAndTake(i1!)).toEqual({ shotId: s1.id, takeId: null })
    expect(lib.itemShotAndTake(999_999)).toBeNull()
    expect(lib.shotExists(s1.id)).toBe(true)
    lib.deleteShots([s1.id])
    expect(lib.shotExists(s1.id)).toBe(false)
    // Pending shots (no media yet) are not in the conform backlog.
    expect(lib.pendingConformCount()).toBe(0)
  })

  it('runs a unit of work as one transaction: a throw keeps nothing of it', () => {
    const lib = library()
    expect(() =>
      lib.transaction(() => {
        lib.createChannel({ name: 'Half' })
        lib.setSetting('half.done', '1')
        throw new Error('stop here')
      })
    ).toThrow('stop here')
    expect(lib.channelNames()).toEqual([])
    expect(lib.getSetting('half.done')).toBeUndefined()
    const made = lib.transaction(() => lib.createChannel({ name: 'Whole' }))
    expect(lib.channelNames()).toEqual([{ id: made.id, name: 'Whole' }])
  })
})
