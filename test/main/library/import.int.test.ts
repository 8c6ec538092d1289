import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readdirSync, existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from '../../helpers/tmp'
import { makeAudioOnly, makeClip, makeEmpty, makeNotMedia, makeStill, makeTruncated } from '../../fixtures/media'
import { Core, type Feature } from '../../../src/main/core/core'
import { libraryFeature } from '../../../src/main/library/feature'
import { ON_AIR_CHANNELS } from '../../../src/main/services'
import type { CallName, CallInput, CallOutput } from '../../../src/shared/contract'

let tmp: ReturnType<typeof tempDir>
let core: Core
const onAir = new Set<number>()
const events: Array<{ name: string; payload: unknown }> = []

async function call<K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>> {
  const r = await core.dispatch(name, input)
  if (!r.ok) throw Object.assign(new Error(r.error.message), r.error)
  return r.value as CallOutput<K>
}

beforeAll(async () => {
  tmp = tempDir()
  // The on-air feature answers isOnAir(); here a minimal one whose answer the test sets.
  const onAirFeature: Feature = (ctx) => {
    ctx.services.provide(ON_AIR_CHANNELS, { isOnAir: (id: number) => onAir.has(id) })
    return {}
  }
  core = await Core.open({ dataDir: join(tmp.dir, 'data'), shell: 'headless', version: 'test' }, [
    onAirFeature,
    libraryFeature
  ])
  core.bus.onAny((name, payload) => events.push({ name, payload }))
})
afterAll(async () => {
  await core.close()
  tmp.cleanup()
})

describe('library.import through the contract', () => {
  it('refuses each class of bad file with its reason, imports the good ones, stores nothing for the bad', async () => {
    const channel = await call('library.channels.create', {
      name: 'Rejects',
      maxClipSeconds: 3,
      format: { width: 320, height: 180, fps: 12 }
    })
    const files = {
      empty: makeEmpty(tmp.dir),
      notMedia: makeNotMedia(tmp.dir),
      truncated: makeTruncated(tmp.dir, { faststart: false }),
      truncatedFaststart: makeTruncated(tmp.dir, { faststart: true }),
      audioOnly: makeAudioOnly(tmp.dir),
      still: makeStill(tmp.dir),
      tooShort: makeClip(tmp.dir, { seconds: 0.3, name: 'short.mp4' }),
      tooLong: makeClip(tmp.dir, { width: 64, height: 64, seconds: 4, name: 'long.mp4' }),
      missing: join(tmp.dir, 'nowhere.mp4'),
      good: makeClip(tmp.dir, { seconds: 1, audio: { rate: 44100 }, name: "good clip “ünïcode” 'q'.mp4" })
    }
    const paths = Object.values(files)
    const { results } = await call('library.import', { channelId: channel.id, paths })
    expect(results.map((r) => r.path)).toEqual(paths)
    const byName = Object.fromEntries(Object.keys(files).map((k, i) => [k, results[i]!]))
    const err = (k: string): string => {
      const r = byName[k]!
      expect(r.ok, `${k} should be refused`).toBe(false)
      return r.ok ? '' : r.error
    }
    expect(err('empty')).toMatch(/empty\.mp4 is empty \(0 bytes\)/)
    expect(err('notMedia')).toMatch(/notes\.mp4 is not a media file/)
    expect(err('truncated')).toMatch(/truncated\.mp4 is truncated or corrupt/)
    expect(err('truncatedFaststart')).toMatch(/truncated-faststart\.mp4 is truncated or corrupt/)
    expect(err('audioOnly')).toMatch(/no video stream \(it is audio only\)/)
    expect(err('still')).toMatch(/still image/)
    expect(err('tooShort')).toMatch(/0\.3\d s long; clips must be at least 0\.5 s/)
    expect(err('tooLong')).toMatch(/4\.0 s long; this channel takes clips up to 3 s/)
    expect(err('missing')).toMatch(/does not exist/)
    const good = byName.good!
    expect(good.ok).toBe(true)
    if (!good.ok) return
    expect(good.shot.status).toBe('ready')
    expect(good.shot.sourceName).toBe("good clip “ünïcode” 'q'.mp4")
    expect(good.shot.mp4Path).toMatch(/^media\//)

    // nothing stored for the bad files: one shot, no stray originals, temp folder empty
    const list = await call('library.shots.list', { channelId: channel.id })
    expect(list.total).toBe(1)
    const dataDir = join(tmp.dir, 'data')
    const originals = readdirSync(join(dataDir, 'originals'), { recursive: true }).filter((f) =>
      String(f).includes('.')
    )
    expect(originals).toHaveLength(1)
    expect(existsSync(join(dataDir, 'tmp')) ? readdirSync(join(dataDir, 'tmp')) : []).toEqual([])

    // progress events per file, and a change event
    const progress = events
      .filter((e) => e.name === 'library.importProgress')
      .map((e) => e.payload as { index: number; step: string })
    expect(new Set(progress.map((p) => p.index)).size).toBe(paths.length)
    expect(progress.some((p) => p.step === 'conform')).toBe(true)
    expect(events.some((e) => e.name === 'library.changed' && (e.payload as { what: string }).what === 'shots')).toBe(
      true
    )
  })

  it('validates inputs with the field named, and unknown channels with a hint', async () => {
    const bad = await core.dispatch('library.import', { channel: 'X', paths: [] })
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_input', field: 'paths' } })
    const unknown = await core.dispatch('library.import', { channel: 'Nope', paths: ['/x.mp4'] })
    expect(unknown).toMatchObject({ ok: false, error: { code: 'not_found' } })
    const badFormat = await core.dispatch('library.channels.create', { name: 'Odd', format: { width: 1001 } })
    expect(badFormat).toMatchObject({ ok: false, error: { code: 'invalid_input', field: 'format.width' } })
    const listed = await call('library.channels.list', {})
    expect(listed.channels.map((c) => c.name)).not.toContain('Odd')
  })

  it('returns relative media paths and dense playlists through the contract', async () => {
    const channel = await call('library.channels.create', {
      name: 'Contract',
      format: { width: 320, height: 180, fps: 12 },
      reviewPolicy: 'manual'
    })
    const clip = makeClip(tmp.dir, { seconds: 1, name: 'contract.mp4' })
    const { results } = await call('library.import', { channel: 'contract', paths: [clip] })
    const r = results[0]!
    if (!r.ok) throw new Error(r.error)
    expect(r.shot.approved).toBe(false)
    const approved = await call('library.shots.update', { id: r.shot.id, approved: true })
    expect(approved.approved).toBe(true)
    const pl = await call('library.playlist.add', { channelId: channel.id, shotIds: [r.shot.id, r.shot.id] })
    expect(pl.items.map((i) => i.position)).toEqual([0, 1])
    expect(pl.items[0]!.tsPath).toMatch(/^media\/[0-9a-f]{2}\/[0-9a-f]{64}\.ts$/)
    const moved = await call('library.playlist.move', { itemId: pl.items[1]!.itemId, toPosition: 0 })
    expect(moved.items.map((i) => i.itemId)).toEqual([pl.items[1]!.itemId, pl.items[0]!.itemId])
    expect(moved.revision).toBeGreaterThan(pl.revision)
    const del = await call('library.shots.delete', { ids: [r.shot.id] })
    expect(del.deleted).toBe(1)
    expect((await call('library.playlist.get', { channelId: channel.id })).items).toEqual([])
  })

  it('discards a browser upload once it is imported (or refused), keeping user files in place', async () => {
    const channel = await call('library.channels.create', {
      name: 'Uploads',
      format: { width: 320, height: 180, fps: 12 }
    })
    const uploadDir = join(core.dataDir, 'uploads', 'abc123')
    mkdirSync(uploadDir, { recursive: true })
    const uploaded = makeClip(uploadDir, { seconds: 1, name: 'up.mp4' })
    const refusedDir = join(core.dataDir, 'uploads', 'def456')
    mkdirSync(refusedDir, { recursive: true })
    const refused = makeEmpty(refusedDir)
    const own = makeClip(tmp.dir, { seconds: 1, name: 'mine.mp4' })
    const { results } = await call('library.import', { channelId: channel.id, paths: [uploaded, refused, own] })
    expect(results.map((r) => r.ok)).toEqual([true, false, true])
    expect(existsSync(uploadDir)).toBe(false)
    expect(existsSync(refusedDir)).toBe(false)
    expect(existsSync(own)).toBe(true)
  })

  it('refuses to delete a channel that is on air, and deletes it once off air', async () => {
    const channel = await call('library.channels.create', { name: 'On Air' })
    onAir.add(channel.id)
    const refused = await core.dispatch('library.channels.delete', { id: channel.id })
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'conflict', message: expect.stringMatching(/"On Air" is on air\. Stop it/) }
    })
    expect((await call('library.channels.get', { id: channel.id })).name).toBe('On Air')
    onAir.delete(channel.id)
    expect(await call('library.channels.delete', { id: channel.id })).toMatchObject({ id: channel.id })
    expect(await core.dispatch('library.channels.get', { id: channel.id })).toMatchObject({
      ok: false,
      error: { code: 'not_found' }
    })
  })
})
