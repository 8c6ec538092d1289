import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { tempDir } from '../../helpers/tmp'
import { makeClip } from '../../fixtures/media'
import { openLibrary, type Library } from '../../../src/main/library'
import { StudioError } from '../../../src/shared/contract'

let tmp: ReturnType<typeof tempDir>
let lib: Library

beforeEach(() => {
  tmp = tempDir()
  lib = openLibrary(tmp.dir + '/data')
})
afterEach(async () => {
  await lib.close()
  tmp.cleanup()
})

describe('channels', () => {
  it('creates, finds, renames and refuses duplicate names', () => {
    const c = lib.createChannel({ name: 'Ocean TV', theme: 'whales', format: { fps: 12 } })
    expect(c.format.fps).toBe(12)
    expect(c.format.width).toBe(1024)
    expect(lib.getChannelByName('ocean tv').id).toBe(c.id)
    expect(() => lib.createChannel({ name: 'OCEAN TV' })).toThrow(/already exists/)
    const { channel } = lib.updateChannel(c.id, { name: 'Deep Sea' })
    expect(channel.name).toBe('Deep Sea')
    expect(lib.listChannels().map((x) => x.name)).toEqual(['Deep Sea'])
  })

  it('rejects an invalid format naming the field, and stores nothing', () => {
    let err: unknown
    try {
      lib.createChannel({ name: 'Bad', format: { width: 1023 } })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(StudioError)
    expect((err as StudioError).field).toBe('format.width')
    expect(lib.listChannels()).toEqual([])
  })

  it('explains an unknown channel name and lists the known ones', () => {
    lib.createChannel({ name: 'Alpha' })
    expect(() => lib.getChannelByName('Beta')).toThrow(/No channel named "Beta".*"Alpha"/)
  })

  it('keeps the prompt search in step with edits and deletes', () => {
    const c = lib.createChannel({ name: 'Words' })
    const s = lib.createShot(c.id, { prompt: 'a lighthouse in fog' })
    lib.createShot(c.id, { prompt: 'Café crème au lait' })
    expect(lib.listShots({ channelId: c.id, search: 'lighthouse' }).total).toBe(1)
    lib.updateShot(s.id, { prompt: 'a windmill in snow' })
    expect(lib.listShots({ channelId: c.id, search: 'lighthouse' }).total).toBe(0)
    expect(lib.listShots({ channelId: c.id, search: 'wind' }).shots.map((x) => x.id)).toEqual([s.id])
    expect(lib.listShots({ channelId: c.id, search: 'cafe creme' }).total).toBe(1) // accents folded
    lib.deleteShots([s.id])
    expect(lib.listShots({ channelId: c.id, search: 'windmill' }).total).toBe(0)
    expect(lib.listShots({ channelId: c.id, search: '"*()' })).toEqual({ shots: [], total: 0, totalCapped: false })
  })

  it('refuses to delete a channel that is on air', () => {
    const c = lib.createChannel({ name: 'Live' })
    expect(() => lib.deleteChannel(c.id, { isOnAir: () => true })).toThrow(/on air/)
    expect(lib.getChannel(c.id).name).toBe('Live')
    lib.deleteChannel(c.id, { isOnAir: () => false })
    expect(lib.listChannels()).toEqual([])
  })
})

describe('ingest and playlist', () => {
  it('ingests a file into ready media by content hash, dedupes a re-import, edits the playlist densely', async () => {
    const c = lib.createChannel({ name: 'Test', format: { width: 320, height: 180, fps: 12 } })
    const clip = makeClip(tmp.dir, { seconds: 1, audio: { rate: 48000 } })
    const steps: string[] = []
    const shot = await lib.ingestFile(
      c.id,
      clip,
      { prompt: 'a red fox jumps', seed: 7, backend: 'test' },
      { onProgress: (p) => steps.push(p.step) }
    )
    expect(shot.status).toBe('ready')
    expect(shot.approved).toBe(true)
    expect(shot.durationMs).toBe(1000)
    expect(shot.mp4Path).toMatch(/^media\/[0-9a-f]{2}\/[0-9a-f]{64}\.mp4$/)
    for (const p of [shot.mp4Path, shot.tsPath, shot.posterPath, shot.stripPath])
      expect(existsSync(lib.abs(p!))).toBe(true)
    expect(steps).toContain('conform')

    const again = await lib.importFile(c.id, clip, {})
    expect(again.duplicate).toBe(true)
    expect(again.shot.id).toBe(shot.id)
    expect(lib.listShots({ channelId: c.id }).total).toBe(1)

    const other = lib.createShot(c.id, { prompt: 'a blue whale sings' })
    const third = lib.createShot(c.id, { prompt: 'red sunset over sea' })
    const rev0 = lib.playlistRevision(c.id)
    lib.addToPlaylist(c.id, [shot.id, other.id])
    lib.addToPlaylist(c.id, [third.id], 0)
    let pl = lib.listPlaylist(c.id)
    expect(pl.map((i) => i.shotId)).toEqual([third.id, shot.id, other.id])
    expect(pl.map((i) => i.position)).toEqual([0, 1, 2])
    expect(pl[1]!.tsPath).toBe(lib.abs(shot.tsPath!))
    expect(pl[1]!.airable).toBe(true)
    expect(pl[0]!.airable).toBe(false)
    expect(lib.playlistRevision(c.id)).toBeGreaterThan(rev0)

    lib.movePlaylistItem(pl[0]!.itemId, 5)
    pl = lib.listPlaylist(c.id)
    expect(pl.map((i) => i.shotId)).toEqual([shot.id, other.id, third.id])
    lib.removePlaylistItems([pl[1]!.itemId])
    pl = lib.listPlaylist(c.id)
    expect(pl.map((i) => [i.position, i.shotId])).toEqual([
      [0, shot.id],
      [1, third.id]
    ])
    expect(() => lib.removePlaylistItems([pl[0]!.itemId, 99999])).toThrow(/does not exist/)
    expect(lib.listPlaylist(c.id)).toHaveLength(2)

    // full-text search over prompts, with FTS syntax in the input treated as text
    expect(
      lib
        .listShots({ channelId: c.id, search: 'red' })
        .shots.map((s) => s.id)
        .sort()
    ).toEqual([shot.id, third.id].sort())
    expect(lib.listShots({ channelId: c.id, search: 'fox "(* -' }).total).toBe(1)
    expect(lib.listShots({ channelId: c.id, status: 'pending' }).total).toBe(2)

    // delete: media to the trash, shot out of the playlist, positions stay dense
    const mp4 = lib.abs(shot.mp4Path!)
    const res = lib.deleteShots([shot.id])
    expect(res.trashedFiles).toBeGreaterThanOrEqual(4)
    expect(existsSync(mp4)).toBe(false)
    pl = lib.listPlaylist(c.id)
    expect(pl.map((i) => [i.position, i.shotId])).toEqual([[0, third.id]])
  })
})

describe('format change', () => {
  it("re-conforms the channel's shots to the new format and trashes the old media", async () => {
    const c = lib.createChannel({ name: 'Shrink', format: { width: 320, height: 180, fps: 12 } })
    const clip = makeClip(tmp.dir, { seconds: 1 })
    const shot = await lib.ingestFile(c.id, clip, { prompt: 'p' })
    lib.addToPlaylist(c.id, [shot.id])
    const oldMp4 = lib.abs(shot.mp4Path!)
    const { reconforming } = lib.updateChannel(c.id, { format: { width: 256, height: 144, fps: 8 } })
    expect(reconforming).toBe(1)
    // not airable until the new media exists
    expect(lib.listPlaylist(c.id)[0]!.airable).toBe(false)
    await lib.idle()
    const after = lib.getShot(shot.id)
    expect(after.status).toBe('ready')
    expect([after.width, after.height]).toEqual([256, 144])
    expect(after.mp4Path).not.toBe(shot.mp4Path)
    expect(existsSync(lib.abs(after.mp4Path!))).toBe(true)
    expect(existsSync(oldMp4)).toBe(false)
    expect(lib.listPlaylist(c.id)[0]!.airable).toBe(true)
    // a non-format edit re-conforms nothing
    expect(lib.updateChannel(c.id, { theme: 'tiny' }).reconforming).toBe(0)
  })
})

describe('shared media, cancel, generation hand-off', () => {
  it('stores one copy for the same source and format, and never trashes a file another row still uses', async () => {
    const format = { width: 320, height: 180, fps: 12 }
    const a = lib.createChannel({ name: 'A', format })
    const b = lib.createChannel({ name: 'B', format })
    const clip = makeClip(tmp.dir, { seconds: 1 })
    const sa = await lib.ingestFile(a.id, clip, {})
    const sb = await lib.ingestFile(b.id, clip, {})
    // same source, same format: the same bytes, stored once
    expect(sb.mp4Path).toBe(sa.mp4Path)
    expect(lib.deleteShots([sa.id]).trashedFiles).toBe(0)
    expect(existsSync(lib.abs(sb.mp4Path!))).toBe(true)
    expect(lib.missingMedia()).toEqual([])
    expect(lib.deleteShots([sb.id]).trashedFiles).toBeGreaterThanOrEqual(5) // four media files + the kept original
    expect(existsSync(lib.abs(sb.mp4Path!))).toBe(false)
  })

  it('an import cancelled mid-way leaves no row and no files', async () => {
    const c = lib.createChannel({ name: 'Cancel' })
    const clip = makeClip(tmp.dir, { width: 640, height: 360, seconds: 4 })
    const ac = new AbortController()
    const p = lib.ingestFile(
      c.id,
      clip,
      {},
      { signal: ac.signal, onProgress: (pr) => pr.step === 'conform' && ac.abort() }
    )
    setTimeout(() => ac.abort(), 400)
    await expect(p).rejects.toThrow()
    expect(lib.listShots({ channelId: c.id }).total).toBe(0)
    const { existsSync, readdirSync } = await import('node:fs')
    // (no tmp folder at all when the abort landed before the conform started: also nothing left)
    expect(existsSync(lib.abs('tmp')) ? readdirSync(lib.abs('tmp')) : []).toEqual([])
  })

  it('fills a pending shot created by the generation engine, and marks a refused one failed', async () => {
    const c = lib.createChannel({ name: 'Gen', format: { width: 320, height: 180, fps: 12 }, reviewPolicy: 'manual' })
    const pending = lib.createShot(c.id, { prompt: 'a heron at dawn', seed: 3, backend: 'zeroscope' })
    expect(pending.status).toBe('pending')
    expect(pending.approved).toBe(false)
    const clip = makeClip(tmp.dir, { seconds: 1 })
    const filled = await lib.ingestFile(c.id, clip, { shotId: pending.id, seed: 4 })
    expect(filled).toMatchObject({
      id: pending.id,
      status: 'ready',
      prompt: 'a heron at dawn',
      seed: 4,
      backend: 'zeroscope',
      approved: false
    })
    // a second generation that happens to produce the same bytes still fills its own shot
    // (generated too: the "AI-generated" label is part of the media, so an imported twin would differ)
    const twin = lib.createShot(c.id, { prompt: 'a heron at dawn, again', backend: 'zeroscope' })
    const twinFilled = await lib.ingestFile(c.id, clip, { shotId: twin.id })
    expect(twinFilled).toMatchObject({ id: twin.id, status: 'ready', mp4Path: filled.mp4Path })
    const other = lib.createShot(c.id, { prompt: 'broken' })
    const { makeNotMedia } = await import('../../fixtures/media')
    await expect(lib.ingestFile(c.id, makeNotMedia(tmp.dir), { shotId: other.id })).rejects.toThrow(/not a media file/)
    expect(lib.getShot(other.id)).toMatchObject({ status: 'failed', error: expect.stringMatching(/not a media file/) })
  })
})
