/**
 * Issue 12 item 8: however `webtv import` / `webtv generate` die, no ffmpeg or ffprobe
 * they started may keep running. The CLI runs from source in ONE node process (tsx as a
 * loader, not tsx's CLI, which would put a second process between us and it), is
 * SIGKILLed while a tool it started is running, and /proc is searched for tools whose
 * command line names this test's folder.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { openStudio } from '../../../src/main/studio'
import { callCore } from '../../../src/main/cli/open-core'
import { makeClip } from '../../fixtures/media'
import { repoRoot } from '../../helpers/cli'
import { tempDir } from '../../helpers/tmp'
import { toolsMentioning, type ToolProc } from '../../helpers/procs'

const linux = process.platform === 'linux'
let tmp: ReturnType<typeof tempDir>
let dataDir: string
let clips: string[] = []

type Proc = ToolProc

function startCli(args: string[]): ChildProcess {
  const loader = join(repoRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')
  return spawn(
    process.execPath,
    ['--import', loader, join(repoRoot, 'src', 'main', 'cli.ts'), ...args, '--data-dir', dataDir],
    {
      cwd: tmp.dir,
      stdio: ['ignore', 'ignore', 'ignore']
    }
  )
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Start the CLI, SIGKILL it once one of its tools runs; return the tools left 2 s later. */
async function killMidWork(
  args: string[],
  want: 'ffmpeg' | 'ffprobe' | 'any'
): Promise<{ hit: string | null; left: Proc[] }> {
  const cli = startCli(args)
  const exited = new Promise<void>((r) => cli.once('exit', () => r()))
  let hit: string | null = null
  const until = Date.now() + 60_000
  while (Date.now() < until && cli.exitCode === null) {
    const tools = toolsMentioning(tmp.dir)
    const t = tools.find((p) => want === 'any' || p.tool === want)
    if (t) {
      hit = t.tool
      break
    }
    await sleep(5)
  }
  cli.kill('SIGKILL')
  await exited
  // The watchdog needs a moment (its own event loop turn) to act.
  let left: Proc[] = []
  for (let i = 0; i < 40; i++) {
    left = toolsMentioning(tmp.dir)
    if (left.length === 0) break
    await sleep(50)
  }
  for (const p of left) {
    try {
      process.kill(p.pid, 'SIGKILL')
    } catch {
      /* already gone */
    }
  }
  return { hit, left }
}

describe.runIf(linux)('no child outlives a killed CLI', () => {
  beforeAll(async () => {
    tmp = tempDir()
    dataDir = join(tmp.dir, 'data')
    const core = await openStudio({ dataDir, shell: 'headless', version: 'test' })
    await callCore(core, 'library.channels.create', { name: 'Orphans', format: { width: 640, height: 360, fps: 24 } })
    await core.close()
    clips = [1, 2, 3].map((i) =>
      makeClip(tmp.dir, { seconds: 6, width: 640, height: 360, audio: {}, name: `long-${i}.mp4` })
    )
  }, 120_000)
  afterAll(() => tmp.cleanup())

  it('webtv import: SIGKILL while ffprobe or ffmpeg runs leaves neither behind', async () => {
    const results: Array<{ hit: string | null; left: Proc[] }> = []
    for (const want of ['ffmpeg', 'ffprobe', 'ffmpeg', 'any'] as const) {
      results.push(await killMidWork(['import', '--channel', 'Orphans', ...clips], want))
    }
    expect(results.filter((r) => r.hit !== null).length, JSON.stringify(results)).toBeGreaterThanOrEqual(3)
    expect(
      results.flatMap((r) => r.left),
      JSON.stringify(results)
    ).toEqual([])
  }, 240_000)

  it('webtv generate: SIGKILL while an offline render runs leaves no ffmpeg behind', async () => {
    const results: Array<{ hit: string | null; left: Proc[] }> = []
    for (let i = 0; i < 3; i++) {
      results.push(
        await killMidWork(
          ['generate', '--channel', 'Orphans', '--theme', `rain ${i}`, '--count', '2', '--backend', 'offline'],
          'ffmpeg'
        )
      )
    }
    expect(results.filter((r) => r.hit !== null).length, JSON.stringify(results)).toBeGreaterThanOrEqual(2)
    expect(
      results.flatMap((r) => r.left),
      JSON.stringify(results)
    ).toEqual([])
  }, 240_000)
})
