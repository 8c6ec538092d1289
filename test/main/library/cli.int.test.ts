import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from '../../helpers/tmp'
import { runWebtv } from '../../helpers/cli'
import { makeClip, makeNotMedia } from '../../fixtures/media'

let tmp: ReturnType<typeof tempDir>
let dataDir: string
const webtv = (...args: string[]) => runWebtv([...args, '--data-dir', dataDir], { timeoutMs: 90_000 })

beforeAll(() => {
  tmp = tempDir()
  dataDir = join(tmp.dir, 'data dir')
})
afterAll(() => tmp.cleanup())

describe('webtv channel / import / shots / playlist', () => {
  it('runs the whole flow with awkward names, JSON lines and exit codes', async () => {
    const name = 'Ché "Nuit" TV'
    let r = await webtv('channel', 'create', name, '--theme', 'night owls', '--size', '320x180', '--fps', '12')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/320x180 @ 12 fps/)

    r = await webtv('channel', 'create', name)
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/already exists/)

    r = await webtv('channel', 'create', 'Bad', '--size', '1024by576')
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--size must look like 1024x576/)

    const good = makeClip(tmp.dir, { seconds: 1, name: "clip with spaces 'and' “quotes” ñ.mp4" })
    const bad = makeNotMedia(tmp.dir)
    r = await webtv('import', '--json', '--channel', name, good, bad)
    expect(r.code).toBe(1)
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { file: string; shotId?: number; error?: string })
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatchObject({ file: good })
    expect(lines[0]!.shotId).toBeGreaterThan(0)
    expect(lines[1]).toMatchObject({ file: bad })
    expect(lines[1]!.error).toMatch(/not a media file/)

    r = await webtv('shots', '--json', '--channel', name)
    expect(r.code, r.stderr).toBe(0)
    const page = JSON.parse(r.stdout) as {
      total: number
      shots: Array<{
        id: number
        status: string
        durationMs: number
        mp4File: string
        posterFile: string
        mp4Path: string
      }>
    }
    expect(page.total).toBe(1)
    expect(page.shots[0]).toMatchObject({ id: lines[0]!.shotId, status: 'ready', durationMs: 1000 })
    expect(existsSync(page.shots[0]!.mp4File)).toBe(true)
    expect(existsSync(page.shots[0]!.posterFile)).toBe(true)

    r = await webtv('shots', '--channel', name, '--status', 'bogus')
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--status must be one of/)

    const id = String(lines[0]!.shotId)
    r = await webtv('playlist', 'add', '--channel', name, id, id)
    expect(r.code, r.stderr).toBe(0)
    r = await webtv('playlist', '--json', '--channel', name)
    const pl = JSON.parse(r.stdout) as { items: Array<{ itemId: number; position: number; tsPath: string }> }
    expect(pl.items.map((i) => i.position)).toEqual([0, 1])
    r = await webtv('playlist', 'move', '--channel', name, String(pl.items[1]!.itemId), '1')
    expect(r.code, r.stderr).toBe(0)
    r = await webtv('playlist', 'remove', '--channel', name, '99999')
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/not in the playlist/)
    r = await webtv('playlist', 'remove', '--channel', name, String(pl.items[0]!.itemId))
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/item/)

    r = await webtv('channel', 'list', '--json')
    expect((JSON.parse(r.stdout) as { channels: Array<{ name: string }> }).channels.map((c) => c.name)).toEqual([name])
    r = await webtv('channel', 'delete', 'Nope')
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/No channel named "Nope".*Ché/)
    r = await webtv('channel', 'delete', name)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/Deleted channel/)
    expect(existsSync(page.shots[0]!.mp4File)).toBe(false)
  }, 300_000)
})
