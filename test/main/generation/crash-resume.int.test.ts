import { afterEach, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { callCore } from '../../../src/main/cli/open-core'
import { startFakeSpace, type FakeSpace } from '../../fixtures/gradio-server'
import { runWebtv } from '../../helpers/cli'
import { runAndKill } from '../../helpers/kill'
import { tempDir } from '../../helpers/tmp'
import { openStudio } from '../../../src/main/studio'
import { GENERATION, LIBRARY } from '../../../src/main/services'
import { openLibraryDb } from '../../fixtures/library-db'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('crash and restart', () => {
  it('a worker killed mid-Space-call and again mid-conform resumes: every shot exactly once', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const fake: FakeSpace = await startFakeSpace({ signature: 'zeroscope', latencyMs: 1200 })
    cleanups.push(() => fake.close())
    {
      const core = await openStudio({ dataDir: t.dir, shell: 'headless', version: 'test' })
      const ch = await callCore(core, 'library.channels.create', {
        name: 'Crash',
        format: { width: 256, height: 144, fps: 24 }
      })
      await callCore(core, 'generation.backends.set', {
        channelId: ch.id,
        settings: {
          video: { enabled: true, backend: 'gradio', preset: 'zeroscope-v2', spaces: [fake.url] },
          retryBaseMs: 100,
          offline: { seconds: 1, width: 256, height: 144 }
        }
      })
      await core.close()
    }
    const base = ['--data-dir', t.dir]
    // 1: killed while the Space renders the second shot (the first one's video is kept).
    const first = await runAndKill(
      ['generate', ...base, '--channel', 'Crash', '--theme', 'paper boats on a river', '--count', '3'],
      () => fake.stats.joins.length >= 2
    )
    expect(first.killed).toBe(true)
    expect(first.stdout).toMatch(/\[job 1\] shot 1\/3/)
    // 2: resumed, killed while converting a shot into the library.
    // Read-only look at the database the child writes (WAL lets readers in): the library marks a shot 'conforming' while converting.
    const db = new Database(join(t.dir, 'library.db'), { readonly: true, fileMustExist: true })
    cleanups.push(() => {
      db.close()
    })
    const converting = db.prepare("SELECT COUNT(*) AS n FROM shots WHERE status = 'conforming'")
    const second = await runAndKill(['jobs', 'resume', ...base], () => (converting.get() as { n: number }).n > 0)
    expect(second.killed).toBe(true)
    // 3: resumed to the end.
    const third = await runWebtv(['jobs', 'resume', ...base], { timeoutMs: 90_000 })
    expect(third.stderr).toBe('')
    expect(third.code).toBe(0)
    expect(third.stdout).toMatch(/3 of 3 shots ready/)

    const core = await openStudio({ dataDir: t.dir, shell: 'headless', version: 'test' })
    cleanups.push(() => core.close())
    const lib = core.services.get(LIBRARY)
    const gen = core.services.get(GENERATION)
    const channel = lib.getChannelByName('Crash')
    const shots = lib.listShots({ channelId: channel.id }).shots
    expect(shots).toHaveLength(3)
    expect(shots.every((s) => s.status === 'ready')).toBe(true)
    const jobs = gen.service.listJobs({ channelId: channel.id })
    expect(jobs.filter((j) => j.kind === 'shot').map((j) => j.state)).toEqual(['ready', 'ready', 'ready'])
    // one job per shot, each shot filled by its own job
    expect(new Set(jobs.filter((j) => j.kind === 'shot').map((j) => j.shotId)).size).toBe(3)
    const playlist = lib.listPlaylist(channel.id)
    expect(playlist.map((p) => p.shotId)).toEqual(
      jobs
        .filter((j) => j.kind === 'shot')
        .sort((a, b) => a.index - b.index)
        .map((j) => j.shotId)
    )
    // the video of shot 1 finished before the first kill and was not asked for again
    const prompts = fake.stats.joins.map((j) => j.data[0])
    expect(prompts.filter((p) => p === shots.find((s) => s.id === playlist[0]!.shotId)!.prompt)).toHaveLength(1)
    // no two ready shots share the same media twice over
    expect(new Set(shots.map((s) => s.mp4Path)).size).toBeLessThanOrEqual(3)
    const count = (
      openLibraryDb(lib.dataDir).prepare('SELECT COUNT(*) AS n FROM shots WHERE channel_id = ?').get(channel.id) as {
        n: number
      }
    ).n
    expect(count).toBe(3)
  }, 240_000)
})
