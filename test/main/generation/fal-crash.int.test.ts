import { afterEach, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { openStudio } from '../../../src/main/studio'
import { GENERATION } from '../../../src/main/services'
import { callCore } from '../../../src/main/cli/open-core'
import { startFakeFal } from '../../fixtures/fal-server'
import { runWebtv } from '../../helpers/cli'
import { runAndKill } from '../../helpers/kill'
import { tempDir } from '../../helpers/tmp'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const KEY = 'fal-key-id:fal-key-secret-crash-0001'
const ENDPOINT = 'fal-ai/wan/v2.2-5b/text-to-video'

describe('fal: the process killed mid-job and restarted', () => {
  it('resumes every request by its id: each shot submitted (and paid for) once', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    // Slow enough that the kill lands while fal is still working on the first request.
    const fake = await startFakeFal({ key: KEY, runMs: 1500, endpoints: [ENDPOINT] })
    cleanups.push(() => fake.close())
    {
      const core = await openStudio({ dataDir: t.dir, shell: 'headless', version: 'test' })
      const ch = await callCore(core, 'library.channels.create', {
        name: 'FalCrash',
        format: { width: 256, height: 144, fps: 24 }
      })
      await callCore(core, 'generation.backends.set', {
        channelId: ch.id,
        falKey: KEY,
        settings: {
          music: { enabled: false, backend: 'offline', preset: 'musicgen', spaces: [] },
          video: {
            enabled: true,
            backend: 'fal',
            preset: 'zeroscope-v2',
            spaces: [],
            configs: [
              {
                kind: 'fal',
                endpoint: ENDPOINT,
                preset: 'wan22-ti2v-5b',
                params: { frames: 81 },
                concurrency: 2,
                gateway: fake.url,
                keyToGateway: true,
                pollMs: 100
              }
            ]
          }
        }
      })
      await core.close()
    }
    const base = ['--data-dir', t.dir]
    const db = new Database(join(t.dir, 'library.db'), { readonly: true, fileMustExist: true })
    cleanups.push(() => {
      db.close()
    })
    // Killed once both shots are at fal and their request ids are on the job rows.
    const followed = db.prepare(
      "SELECT COUNT(*) AS n FROM jobs WHERE remote_id IS NOT NULL AND remote_id NOT LIKE 'submitting:%'"
    )
    const first = await runAndKill(
      ['generate', ...base, '--channel', 'FalCrash', '--theme', 'kites over a beach', '--count', '2'],
      () => (followed.get() as { n: number }).n >= 2
    )
    expect(first.killed).toBe(true)
    expect(fake.stats.submits).toHaveLength(2)
    expect(fake.pending()).toBeGreaterThan(0) // fal is still working for us

    const second = await runWebtv(['jobs', 'resume', ...base], { timeoutMs: 90_000 })
    expect(second.stderr).toBe('')
    expect(second.code).toBe(0)
    expect(second.stdout).toMatch(/2 of 2 shots ready/)
    // Resumed by request id: no second submit, both results fetched.
    expect(fake.stats.submits).toHaveLength(2)
    expect(fake.stats.cancels).toEqual([])
    expect(fake.stats.results).toBeGreaterThanOrEqual(2)

    const core = await openStudio({ dataDir: t.dir, shell: 'headless', version: 'test' })
    cleanups.push(() => core.close())
    const gen = core.services.get(GENERATION)
    const jobs = gen.service.listJobs({})
    expect(jobs.map((j) => j.state)).toEqual(['ready', 'ready'])
    expect(jobs.every((j) => j.runsOn?.startsWith(`fal · ${ENDPOINT}`))).toBe(true)
  }, 150_000)
})
