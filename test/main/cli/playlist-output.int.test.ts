/**
 * Issue 23 items 3 and 4: an import says the clip is in the library, not on the
 * timeline (or puts it there with --add); a clip goes by one name everywhere (its
 * file's name unless given a --title); `webtv playlist` prints a header, positions
 * from 1 as in the studio, labelled item and shot ids, and says what an edit did;
 * --json stays the contract's answer.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runWebtv } from '../../helpers/cli'
import { tempDir } from '../../helpers/tmp'
import { makeClip } from '../../fixtures/media'

let tmp: ReturnType<typeof tempDir>
let dataDir: string
const webtv = (...args: string[]) => runWebtv([...args, '--data-dir', dataDir], { timeoutMs: 120_000 })

beforeAll(() => {
  tmp = tempDir()
  dataDir = join(tmp.dir, 'data')
})
afterAll(() => tmp.cleanup())

interface PlaylistJson {
  channelId: number
  revision: number
  items: Array<{ itemId: number; position: number; shotId: number; prompt: string }>
}

describe('webtv import and webtv playlist output', () => {
  it('imports under the file name, says where the clip is, and prints the playlist as the studio shows it', async () => {
    let r = await webtv('channel', 'create', 'Names', '--size', '320x180', '--fps', '12')
    expect(r.code, r.stderr).toBe(0)
    const a = makeClip(tmp.dir, { seconds: 1, name: 'my-clip.mp4' })
    const b = makeClip(tmp.dir, { seconds: 1, name: 'other.mp4', fps: 25 })
    const c = makeClip(tmp.dir, { seconds: 1, name: 'third.mp4', fps: 30 })

    // 1. A plain import: in the library, named after its file, and the way onto the timeline.
    r = await webtv('import', '--channel', 'Names', a)
    expect(r.code, r.stderr).toBe(0)
    const shotA = Number(/→ shot (\d+) "my-clip\.mp4"/.exec(r.stdout)?.[1])
    expect(shotA).toBeGreaterThan(0)
    expect(r.stdout).toContain(
      `In the library, not on the timeline. To air: webtv playlist add --channel "Names" ${shotA}`
    )
    r = await webtv('shots', '--channel', 'Names')
    expect(r.stdout).toMatch(/my-clip\.mp4/)

    // 2. --title names it; --add puts it on the timeline, --at where (from 1).
    r = await webtv('import', '--channel', 'Names', '--title', 'Opening titles', '--add', b)
    expect(r.code, r.stderr).toBe(0)
    const shotB = Number(/→ shot (\d+) "Opening titles"/.exec(r.stdout)?.[1])
    expect(r.stdout).toContain(`Added shot ${shotB} to the timeline of "Names" at position 1.`)
    expect(r.stdout).not.toContain('not on the timeline')
    r = await webtv('import', '--channel', 'Names', '--add', '--at', '1', c)
    expect(r.code, r.stderr).toBe(0)
    const shotC = Number(/→ shot (\d+) "third\.mp4"/.exec(r.stdout)?.[1])
    expect(r.stdout).toContain(`Added shot ${shotC} to the timeline of "Names" at position 1.`)

    // 3. The playlist: header, positions from 1, labelled ids, the same names.
    r = await webtv('playlist', 'add', '--channel', 'Names', String(shotA))
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.split('\n')[0]).toBe(`Added shot ${shotA} at position 3.`)
    r = await webtv('playlist', '--channel', 'Names')
    expect(r.code, r.stderr).toBe(0)
    const lines = r.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^Playlist of "Names": 3 clip\(s\), 3\.0 s$/)
    expect(lines[1]).toMatch(/^\s+POS\s+ITEM ID\s+SHOT ID\s+STATUS\s+REVIEW\s+LENGTH\s+TITLE$/)
    expect(lines.slice(2).map((l) => l.trim().split(/\s+/)[0])).toEqual(['1', '2', '3'])
    expect(lines[2]).toMatch(/third\.mp4$/)
    expect(lines[3]).toMatch(/Opening titles$/)
    expect(lines[4]).toMatch(/my-clip\.mp4$/)

    // 4. --json is the contract's answer (positions from 0), unchanged for scripts.
    r = await webtv('playlist', '--channel', 'Names', '--json')
    const pl = JSON.parse(r.stdout) as PlaylistJson
    expect(pl.items.map((i) => i.position)).toEqual([0, 1, 2])
    expect(pl.items.map((i) => i.shotId)).toEqual([shotC, shotB, shotA])
    expect(Object.keys(pl.items[0]!).sort()).toEqual(
      [
        'approved',
        'durationMs',
        'itemId',
        'mp4Path',
        'position',
        'posterPath',
        'prompt',
        'shotId',
        'status',
        'tsPath'
      ].sort()
    )

    // 5. move and remove say what they did, in the same positions.
    const itemA = pl.items[2]!.itemId
    r = await webtv('playlist', 'move', '--channel', 'Names', String(itemA), '1')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.split('\n')[0]).toBe(`Moved item ${itemA} (my-clip.mp4) from position 3 to 1.`)
    r = await webtv('playlist', 'remove', '--channel', 'Names', String(itemA))
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.split('\n')[0]).toBe(`Removed item ${itemA} (my-clip.mp4, position 1).`)
  }, 300_000)

  it('refuses a position that is not a count from 1, and a title for several files', async () => {
    for (const args of [
      ['playlist', 'move', '--channel', 'Names', '1', '0'],
      ['playlist', 'add', '--channel', 'Names', '--at', '0', '1']
    ]) {
      const r = await webtv(...args)
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr).toMatch(/counts from 1 \(the first clip\), got "0"/)
    }
    let r = await webtv('import', '--channel', 'Names', '--title', 'Both', 'x.mp4', 'y.mp4')
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--title names one clip/)
    r = await webtv('import', '--channel', 'Names', '--at', '2', 'x.mp4')
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--at goes with --add/)
  }, 120_000)
})
