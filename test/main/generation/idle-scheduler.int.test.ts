import { afterEach, describe, expect, it } from 'vitest'
import { callCore } from '../../../src/main/cli/open-core'
import { GENERATION } from '../../../src/main/services'
import { openStudio } from '../../../src/main/studio'
import { tempDir } from '../../helpers/tmp'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

describe('job scheduler with nothing to do', () => {
  it('ticks rarely, yet takes a job another process queued within the library’s change watch, not the slow tick', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    // Two studios on one data folder, each with its own SQLite connection: `webtv serve`
    // working, and a second one (the CLI, another window) that only queues.
    const worker = await openStudio({ dataDir: t.dir, shell: 'headless', version: 'test' })
    cleanups.push(() => worker.close())
    const other = await openStudio({ dataDir: t.dir, shell: 'headless', version: 'test' })
    cleanups.push(() => other.close())
    const gen = worker.services.get(GENERATION)
    const ch = await callCore(other, 'library.channels.create', {
      name: 'idle',
      format: { width: 256, height: 144, fps: 24 }
    })
    await callCore(other, 'generation.backends.set', {
      channelId: ch.id,
      settings: { offline: { seconds: 1, width: 256, height: 144 } }
    })
    gen.start({ autopilot: false })
    // Its first ticks find no unfinished job: from here on it only ticks every 10 s unless woken.
    await sleep(1500)

    const queuedAt = Date.now()
    const r = await callCore(other, 'generation.enqueue', {
      channelId: ch.id,
      shots: [{ prompt: 'a quiet pond, static shot' }],
      music: false
    })
    let state = 'queued'
    while (state === 'queued' && Date.now() - queuedAt < 12_000) {
      await sleep(100)
      state = gen.service.listJobs({ ids: r.jobIds })[0]!.state
    }
    expect(state).not.toBe('queued')
    // The change watch polls once a second; the safety tick would have taken 10 s.
    expect(Date.now() - queuedAt).toBeLessThan(6000)
  })
})
