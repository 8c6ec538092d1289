import { afterEach, describe, expect, it } from 'vitest'
import { openLibrary, type Library } from '../../../src/main/library'
import { AsRunLog } from '../../../src/main/outputs/asrun'
import { tempDir } from '../../helpers/tmp'

const cleanups: Array<() => void | Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function log(): Promise<{ lib: Library; asrun: AsRunLog }> {
  const t = tempDir()
  const lib = openLibrary(t.dir)
  cleanups.push(t.cleanup, () => lib.close())
  return { lib, asrun: new AsRunLog(lib.featureDatabase('asrun'), () => null) }
}

describe('AsRunLog.export', () => {
  it('pages by (start, id): entries that share a start time across a page boundary come once each, in order', async () => {
    const { asrun } = await log()
    // Seven clips starting at three instants (a crash-restart can log several at the same ms), two channels.
    const starts = [100, 100, 100, 100, 200, 200, 300]
    starts.forEach((at, i) =>
      asrun.aired({
        channelId: 1 + (i % 2),
        channelName: 'c',
        itemId: null,
        label: `clip ${i}`,
        slate: false,
        durationMs: 1,
        destinations: [],
        at
      })
    )
    for (const pageSize of [1, 2, 3, 7, 50]) {
      expect([...asrun.export({}, pageSize)].map((e) => e.label)).toEqual(starts.map((_, i) => `clip ${i}`))
      expect([...asrun.export({ channelId: 2 }, pageSize)].map((e) => e.label)).toEqual(['clip 1', 'clip 3', 'clip 5'])
      expect([...asrun.export({ limit: 4 }, pageSize)].map((e) => e.label)).toEqual([
        'clip 3',
        'clip 4',
        'clip 5',
        'clip 6'
      ])
      expect([...asrun.export({ from: 100, to: 300, limit: 100 }, pageSize)]).toHaveLength(6)
    }
    expect([...asrun.export({ from: 400 })]).toEqual([])
  })

  it('keeps the connection free between entries: the log can be written while an export is under way', async () => {
    const { asrun } = await log()
    for (let i = 0; i < 5; i++)
      asrun.aired({
        channelId: 1,
        channelName: 'c',
        itemId: null,
        label: `clip ${i}`,
        slate: false,
        durationMs: 1,
        destinations: [],
        at: i
      })
    const seen: string[] = []
    for (const e of asrun.export({}, 2)) {
      seen.push(e.label)
      // A clip airing mid-export (on the same connection) must not fail with "connection is busy".
      if (seen.length === 1)
        asrun.aired({
          channelId: 1,
          channelName: 'c',
          itemId: null,
          label: 'late',
          slate: false,
          durationMs: 1,
          destinations: [],
          at: 99
        })
    }
    expect(seen).toEqual(['clip 0', 'clip 1', 'clip 2', 'clip 3', 'clip 4', 'late'])
  })
})
