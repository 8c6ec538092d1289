import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runWebtv, type RunResult } from '../../helpers/cli'
import { tempDir } from '../../helpers/tmp'

let dir: string
let cleanup: () => void
const run = (args: string[]): Promise<RunResult> => runWebtv([...args, '--data-dir', dir], { timeoutMs: 120_000 })

beforeAll(async () => {
  const t = tempDir()
  dir = t.dir
  cleanup = t.cleanup
  expect((await run(['channel', 'create', 'takes', '--size', '320x180', '--fps', '12'])).code).toBe(0)
  // The offline generator makes short, small clips: cheap for a CLI test.
  expect((await run(['backends', 'set', '--channel', 'takes', '--offline-seconds', '1', '--music', 'off'])).code).toBe(
    0
  )
}, 120_000)
afterAll(() => cleanup())

describe('webtv regenerate and webtv takes', () => {
  it('makes a new take of a shot, lists it, and chooses it', async () => {
    const gen = await run([
      'generate',
      '--channel',
      'takes',
      '--theme',
      'a quiet harbour at dawn',
      '--count',
      '1',
      '--json'
    ])
    expect(gen.code, gen.stderr).toBe(0)
    const shots = JSON.parse((await run(['shots', '--channel', 'takes', '--json'])).stdout) as {
      shots: Array<{ id: number; mp4Path: string }>
    }
    const shot = shots.shots[0]!
    const before = JSON.parse((await run(['takes', String(shot.id), '--json'])).stdout) as {
      takes: Array<{ id: number; chosen: boolean }>
    }
    expect(before.takes).toHaveLength(1)
    expect(before.takes[0]!.chosen).toBe(true)

    const regen = await run([
      'regenerate',
      String(shot.id),
      '--seed',
      '42',
      '--prompt',
      'a quiet harbour at dawn, slow pan left'
    ])
    expect(regen.code, regen.stderr).toBe(0)
    const takeId = Number(/New take (\d+)/.exec(regen.stdout)?.[1])
    expect(takeId).toBeGreaterThan(before.takes[0]!.id)

    const listed = await run(['takes', String(shot.id)])
    expect(listed.stdout).toMatch(new RegExp(`^\\* take ${before.takes[0]!.id}`, 'm')) // still airing the first
    expect(listed.stdout).toMatch(new RegExp(`^  take ${takeId} +ready +seed 42`, 'm'))

    expect((await run(['takes', 'choose', String(takeId)])).code).toBe(0)
    const after = JSON.parse((await run(['shots', '--channel', 'takes', '--json'])).stdout) as {
      shots: Array<{ id: number; mp4Path: string; seed: number }>
    }
    expect(after.shots[0]!.seed).toBe(42)
    expect(after.shots[0]!.mp4Path).not.toBe(shot.mp4Path)
  }, 180_000)

  it('refuses bad ids with a clear message', async () => {
    const noId = await run(['regenerate'])
    expect(noId.code).toBe(2)
    expect(noId.stderr).toMatch(/shot or take id/)
    const missing = await run(['takes', 'choose', '999999'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/999999/)
  })
})
