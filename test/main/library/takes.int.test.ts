import { afterEach, describe, expect, it } from 'vitest'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { callCore } from '../../../src/main/cli/open-core'
import type { GenerationHandle } from '../../../src/main/generation/feature'
import type { Library } from '../../../src/main/library'
import { StudioError } from '../../../src/shared/contract'
import { makeClip } from '../../fixtures/media'
import { tempDir } from '../../helpers/tmp'
import type { Core } from '../../../src/main/core/core'
import { openStudio } from '../../../src/main/studio'
import { GENERATION, LIBRARY } from '../../../src/main/services'
import { openLibraryDb } from '../../fixtures/library-db'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function studio(): Promise<{ core: Core; gen: GenerationHandle; lib: Library; dir: string }> {
  const t = tempDir()
  const core = await openStudio({ dataDir: t.dir, shell: 'headless', version: 'test' })
  cleanups.push(t.cleanup, () => core.close())
  return { core, gen: core.services.get(GENERATION), lib: core.services.get(LIBRARY), dir: t.dir }
}

/** A small house format and 1 s offline clips keep conform cheap on 2 cores. */
async function smallChannel(core: Core, name: string): Promise<number> {
  const ch = await callCore(core, 'library.channels.create', { name, format: { width: 256, height: 144, fps: 24 } })
  await callCore(core, 'generation.backends.set', {
    channelId: ch.id,
    settings: { offline: { seconds: 1, width: 256, height: 144 } }
  })
  return ch.id
}

async function refused(p: Promise<unknown>): Promise<StudioError> {
  try {
    await p
  } catch (err) {
    expect(err).toBeInstanceOf(StudioError)
    return err as StudioError
  }
  throw new Error('expected the call to be refused')
}

describe('takes', () => {
  it("an imported clip is its shot's first take, chosen, with relative media paths", async () => {
    const { core, dir } = await studio()
    const channelId = await smallChannel(core, 'Imports')
    const clip = makeClip(dir, { width: 320, height: 180, seconds: 1 })
    const { results } = await callCore(core, 'library.import', { channelId, paths: [clip] })
    const shot = results[0]!.ok ? results[0]!.shot : null
    expect(shot?.status).toBe('ready')
    const { takes } = await callCore(core, 'library.takes.list', { shotId: shot!.id })
    expect(takes).toHaveLength(1)
    expect(takes[0]).toMatchObject({
      shotId: shot!.id,
      chosen: true,
      status: 'ready',
      mp4Path: shot!.mp4Path,
      tsPath: shot!.tsPath,
      posterPath: shot!.posterPath
    })
    expect(takes[0]!.mp4Path).toMatch(/^media\//)
  })

  it('regenerate makes a second take without touching the shot; choosing it switches the media, not the playlist', async () => {
    const { core, gen, lib } = await studio()
    const channelId = await smallChannel(core, 'Regen')
    const changes: string[] = []
    core.bus.on('library.changed', (c) => changes.push(c.what))
    const first = await callCore(core, 'generation.enqueue', {
      channelId,
      shots: [{ prompt: 'a red kite over a beach, slow pan left' }, { prompt: 'waves at dusk, static shot' }],
      music: false
    })
    gen.start({ autopilot: false })
    await gen.service.waitForJobs(first.jobIds, { pollMs: 100 })
    const shotId = first.shotIds[0]!
    const before = lib.getShot(shotId)
    expect(before.status).toBe('ready')
    const firstTakes = (await callCore(core, 'library.takes.list', { shotId })).takes
    expect(firstTakes).toHaveLength(1)
    expect(firstTakes[0]).toMatchObject({ chosen: true, jobId: first.jobIds[0], seed: before.seed, backend: 'offline' })
    const playlistBefore = await callCore(core, 'library.playlist.get', { channelId })

    const job = await callCore(core, 'generation.regenerate', {
      shotId,
      prompt: 'a blue kite over a beach, slow pan right',
      requestId: 'r1'
    })
    expect(job).toMatchObject({ shotId, kind: 'shot', state: 'queued' })
    expect(
      await callCore(core, 'generation.regenerate', { shotId, prompt: 'ignored, same request', requestId: 'r1' })
    ).toMatchObject({ id: job.id })
    const [done] = await gen.service.waitForJobs([job.id], { pollMs: 100 })
    expect(done!.state).toBe('ready')

    const takes = (await callCore(core, 'library.takes.list', { shotId })).takes
    expect(takes).toHaveLength(2)
    const fresh = takes[1]!
    expect(fresh).toMatchObject({
      chosen: false,
      status: 'ready',
      jobId: job.id,
      prompt: 'a blue kite over a beach, slow pan right',
      backend: 'offline'
    })
    expect(fresh.mp4Path).not.toBe(before.mp4Path)
    expect(existsSync(lib.abs(fresh.tsPath!))).toBe(true)
    // the shot and the channel are as they were: no new shot, no playlist change, same media
    expect(lib.getShot(shotId)).toMatchObject({
      mp4Path: before.mp4Path,
      tsPath: before.tsPath,
      prompt: before.prompt,
      seed: before.seed
    })
    expect(lib.listShots({ channelId }).total).toBe(2)
    expect((await callCore(core, 'library.playlist.get', { channelId })).items).toEqual(playlistBefore.items)

    changes.length = 0
    const chosen = await callCore(core, 'library.takes.choose', { takeId: fresh.id })
    expect(chosen).toMatchObject({
      id: shotId,
      status: 'ready',
      mp4Path: fresh.mp4Path,
      tsPath: fresh.tsPath,
      posterPath: fresh.posterPath,
      seed: fresh.seed,
      prompt: fresh.prompt
    })
    expect(changes).toContain('shots')
    const after = await callCore(core, 'library.playlist.get', { channelId })
    expect(after.items.map((i) => [i.itemId, i.shotId])).toEqual(playlistBefore.items.map((i) => [i.itemId, i.shotId]))
    expect(after.items[0]!.tsPath).toBe(fresh.tsPath) // what the on-air engine reads at the next boundary
    expect(after.revision).toBeGreaterThan(playlistBefore.revision)
    expect((await callCore(core, 'library.takes.list', { shotId })).takes.map((t) => t.chosen)).toEqual([false, true])
    // the previous take keeps its media: choosing it back works
    expect(existsSync(lib.abs(before.tsPath!))).toBe(true)
    expect((await callCore(core, 'library.takes.choose', { takeId: firstTakes[0]!.id })).tsPath).toBe(before.tsPath)

    // a restart after the take was made but before the job row said so: the resumed job makes no second take
    lib
      .featureDatabase('generation')
      .prepare("UPDATE jobs SET state = 'conforming', owner_pid = NULL WHERE id = ?")
      .run(job.id)
    gen.service.workers.wake()
    const [resumed] = await gen.service.waitForJobs([job.id], { pollMs: 100 })
    expect(resumed!.state).toBe('ready')
    expect((await callCore(core, 'library.takes.list', { shotId })).takes).toHaveLength(2)
  })

  it('refuses unknown ids, unknown fields and a take that is not ready, with typed errors', async () => {
    const { core, lib, dir } = await studio()
    const channelId = await smallChannel(core, 'Refusals')
    const clip = makeClip(dir, { width: 256, height: 144, seconds: 1 })
    const { results } = await callCore(core, 'library.import', { channelId, paths: [clip] })
    const shot = results[0]!.ok ? results[0]!.shot : null
    expect((await refused(callCore(core, 'library.takes.list', { shotId: 999_999 }))).code).toBe('not_found')
    expect((await refused(callCore(core, 'library.takes.choose', { takeId: 999_999 }))).code).toBe('not_found')
    expect((await refused(callCore(core, 'generation.regenerate', { shotId: 999_999 }))).code).toBe('not_found')
    expect((await refused(callCore(core, 'library.takes.choose', { takeId: 1, extra: true } as never))).code).toBe(
      'invalid_input'
    )
    // an imported clip has no prompt to regenerate from unless one is given
    expect((await refused(callCore(core, 'generation.regenerate', { shotId: shot!.id }))).code).toBe('invalid_input')
    const pending = Number(
      openLibraryDb(lib.dataDir)
        .prepare(
          "INSERT INTO takes (shot_id, job_id, chosen, status, prompt, owner_pid, created_at) VALUES (?, NULL, 0, 'conforming', 'x', ?, ?)"
        )
        .run(shot!.id, process.pid, Date.now()).lastInsertRowid
    )
    const e = await refused(callCore(core, 'library.takes.choose', { takeId: pending }))
    expect(e.code).toBe('conflict')
    expect(lib.getShot(shot!.id).mp4Path).toBe(shot!.mp4Path)
  })

  it('one job makes one take: a rerun returns it, and takes over a row its crashed process left', async () => {
    const { core, lib, dir } = await studio()
    const channelId = await smallChannel(core, 'Once')
    const { results } = await callCore(core, 'library.import', {
      channelId,
      paths: [makeClip(dir, { width: 256, height: 144, seconds: 1 })]
    })
    const shotId = results[0]!.ok ? results[0]!.shot.id : 0
    const clip = makeClip(dir, { width: 256, height: 144, seconds: 1 })
    const jobId = 4242
    // a process that died mid-conform left the job's take 'conforming'
    openLibraryDb(lib.dataDir)
      .prepare(
        "INSERT INTO takes (shot_id, job_id, chosen, status, prompt, owner_pid, created_at) VALUES (?, ?, 0, 'conforming', 'p', 999999999, ?)"
      )
      .run(shotId, jobId, Date.now())
    const a = await lib.ingestTake(shotId, clip, { jobId, prompt: 'p', seed: 1, backend: 'offline' })
    const b = await lib.ingestTake(shotId, clip, { jobId, prompt: 'p', seed: 1, backend: 'offline' })
    expect(a.status).toBe('ready')
    expect(b.id).toBe(a.id)
    expect(lib.listTakes(shotId).filter((t) => t.jobId === jobId)).toHaveLength(1)
    expect(lib.listTakes(shotId)).toHaveLength(2)
  })

  it('a take whose shot is deleted while it is being made leaves no media behind', async () => {
    const { core, lib, dir } = await studio()
    const channelId = await smallChannel(core, 'Vanishing')
    const { results } = await callCore(core, 'library.import', {
      channelId,
      paths: [makeClip(dir, { width: 256, height: 144, seconds: 1 })]
    })
    const shotId = results[0]!.ok ? results[0]!.shot.id : 0
    const mediaFiles = (): string[] =>
      readdirSync(join(lib.dataDir, 'media'), { recursive: true })
        .map(String)
        .filter((f) => /\.(mp4|ts|jpg)$/.test(f))
    const before = mediaFiles()
    let deleted = false
    const attempt = lib.ingestTake(
      shotId,
      makeClip(dir, { width: 320, height: 180, seconds: 2, name: 'other.mp4' }),
      { jobId: 99, prompt: 'p', seed: 3, backend: 'offline' },
      {
        onProgress: (p) => {
          if (!deleted && p.percent > 5) {
            deleted = true
            lib.deleteShots([shotId])
          }
        }
      }
    )
    await expect(attempt).rejects.toMatchObject({ code: 'not_found' })
    expect(deleted).toBe(true)
    // Neither the shot's media nor the new take's stayed in the media folder.
    expect(mediaFiles().filter((f) => !before.includes(f))).toEqual([])
    expect(mediaFiles()).toEqual([])
  })

  it('on a channel that holds new shots for review, a newly chosen take waits for approval', async () => {
    const { core, lib, dir } = await studio()
    const channelId = await smallChannel(core, 'Reviewed')
    await callCore(core, 'library.channels.update', { id: channelId, reviewPolicy: 'manual' })
    const { results } = await callCore(core, 'library.import', {
      channelId,
      paths: [makeClip(dir, { width: 256, height: 144, seconds: 1 })]
    })
    const shotId = results[0]!.ok ? results[0]!.shot.id : 0
    await callCore(core, 'library.shots.update', { id: shotId, approved: true })
    const first = lib.listTakes(shotId)[0]!
    const second = await lib.ingestTake(shotId, makeClip(dir, { width: 256, height: 144, seconds: 1 }), {
      jobId: 77,
      prompt: 'p',
      seed: 2,
      backend: 'offline'
    })
    // Re-choosing the take already on air changes nothing.
    expect((await callCore(core, 'library.takes.choose', { takeId: first.id })).approved).toBe(true)
    const chosen = await callCore(core, 'library.takes.choose', { takeId: second.id })
    expect(chosen.approved).toBe(false)
    expect((await callCore(core, 'library.playlist.get', { channelId })).items.every((i) => !i.approved)).toBe(true)
  })
})
