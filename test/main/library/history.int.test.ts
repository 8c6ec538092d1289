import { afterEach, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { callCore } from '../../../src/main/cli/open-core'
import type { Core } from '../../../src/main/core/core'
import { openLibrary, type Library } from '../../../src/main/library'
import { libraryFeature } from '../../../src/main/library/feature'
import { HISTORY_LIMIT } from '../../../src/main/library/history'
import { LIBRARY } from '../../../src/main/services'
import { LibraryTimelineSource } from '../../../src/main/onair/timeline'
import { openStudio } from '../../../src/main/studio'
import { StudioError } from '../../../src/shared/contract'
import { makeClip } from '../../fixtures/media'
import { runWebtv } from '../../helpers/cli'
import { tempDir } from '../../helpers/tmp'
import { openLibraryDb } from '../../fixtures/library-db'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

interface Studio {
  core: Core
  lib: Library
  dir: string
  events: Array<{ name: string; payload: unknown }>
}

/** A studio as `webtv serve` runs it (background started, so it records), on a fresh or given data folder. */
async function studio(dir?: string): Promise<Studio> {
  if (!dir) {
    const t = tempDir()
    cleanups.push(t.cleanup)
    dir = t.dir
  }
  const core = await openStudio({ dataDir: dir, shell: 'headless', version: 'test' }, [libraryFeature])
  cleanups.push(() => core.close())
  await core.startBackground()
  const events: Studio['events'] = []
  core.bus.onAny((name, payload) => events.push({ name, payload }))
  return { core, lib: core.services.get(LIBRARY), dir, events }
}

/** A second connection to the same database, as another process (the CLI, a second studio) has. */
function elsewhere(dir: string): Library {
  const other = openLibrary(dir)
  cleanups.push(() => other.close())
  return other
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

/** A channel with `n` media-less shots on its timeline. */
async function channelWithTimeline(
  s: Studio,
  name: string,
  n: number
): Promise<{ channelId: number; shotIds: number[]; itemIds: number[] }> {
  const channel = await callCore(s.core, 'library.channels.create', { name })
  const shotIds = Array.from({ length: n }, (_, i) => s.lib.createShot(channel.id, { prompt: `shot ${i}` }).id)
  const p = await callCore(s.core, 'library.playlist.add', { channelId: channel.id, shotIds })
  return { channelId: channel.id, shotIds, itemIds: p.items.map((i) => i.itemId) }
}

async function order(s: Studio, channelId: number): Promise<number[]> {
  return (await callCore(s.core, 'library.playlist.get', { channelId })).items.map((i) => i.shotId)
}

describe('undo/redo of timeline edits', () => {
  it('undoes and redoes add, move and remove, naming each step; each undo is a playlist edit the air picks up', async () => {
    const s = await studio()
    const { channelId, shotIds, itemIds } = await channelWithTimeline(s, 'Timeline', 3)
    const [a, b, c] = shotIds as [number, number, number]
    expect((await callCore(s.core, 'history.get', { channelId })).undo?.label).toBe('adding 3 shots to the timeline')

    await callCore(s.core, 'library.playlist.reorder', { channelId, itemIds: [itemIds[1]!, itemIds[2]!, itemIds[0]!] })
    expect(await order(s, channelId)).toEqual([b, c, a])
    expect((await callCore(s.core, 'history.get', { channelId })).undo?.label).toBe(`move of Shot ${a}`)
    await callCore(s.core, 'library.playlist.remove', { itemIds: [itemIds[2]!] })
    expect(await order(s, channelId)).toEqual([b, a])
    const h = await callCore(s.core, 'history.get', { channelId })
    expect(h.undo?.label).toBe(`removal of Shot ${c} from the timeline`)
    expect(h.undoCount).toBe(3)
    expect(h.redo).toBeNull()

    const rev = s.lib.playlistRevision(channelId)
    const before = s.events.length
    const undone = await callCore(s.core, 'history.undo', { channelId, entryId: h.undo!.id })
    expect(undone.label).toBe(`removal of Shot ${c} from the timeline`)
    expect(await order(s, channelId)).toEqual([b, c, a])
    // The same item came back (same id), so anything that refers to it (as-run, selections) still matches.
    expect((await callCore(s.core, 'library.playlist.get', { channelId })).items.map((i) => i.itemId)).toEqual([
      itemIds[1],
      itemIds[2],
      itemIds[0]
    ])
    expect(s.lib.playlistRevision(channelId)).toBeGreaterThan(rev)
    const emitted = s.events.slice(before).map((e) => e.name)
    expect(emitted).toContain('library.changed')
    expect(emitted).toContain('history.changed')
    expect(undone.history.redo?.label).toBe(`removal of Shot ${c} from the timeline`)

    await callCore(s.core, 'history.undo', { channelId })
    expect(await order(s, channelId)).toEqual([a, b, c])
    await callCore(s.core, 'history.undo', { channelId })
    expect(await order(s, channelId)).toEqual([])
    const empty = await refused(callCore(s.core, 'history.undo', { channelId }))
    expect(empty.message).toBe('Nothing to undo on "Timeline".')

    await callCore(s.core, 'history.redo', { channelId })
    await callCore(s.core, 'history.redo', { channelId })
    expect(await order(s, channelId)).toEqual([b, c, a])
    const redoState = await callCore(s.core, 'history.get', { channelId })
    expect(redoState.undo?.label).toBe(`move of Shot ${a}`)
    expect(redoState.redo?.label).toBe(`removal of Shot ${c} from the timeline`)

    // A new edit drops the redo step, as in every editor.
    await callCore(s.core, 'library.playlist.move', { itemId: itemIds[1]!, toPosition: 2 })
    expect(await order(s, channelId)).toEqual([c, a, b])
    const after = await callCore(s.core, 'history.get', { channelId })
    expect(after.redo).toBeNull()
    expect(after.redoCount).toBe(0)
    expect(after.undo?.label).toBe(`move of Shot ${b}`)
    expect((await refused(callCore(s.core, 'history.redo', { channelId }))).message).toBe(
      'Nothing to redo on "Timeline".'
    )
  })

  it(`keeps the last ${HISTORY_LIMIT} steps per channel, and each channel its own`, async () => {
    const s = await studio()
    const { channelId, itemIds } = await channelWithTimeline(s, 'Busy', 2)
    const other = await channelWithTimeline(s, 'Quiet', 1)
    for (let i = 0; i < HISTORY_LIMIT + 5; i++)
      await callCore(s.core, 'library.playlist.move', { itemId: itemIds[0]!, toPosition: i % 2 === 0 ? 1 : 0 })
    const h = await callCore(s.core, 'history.get', { channelId })
    expect(h.undoCount).toBe(HISTORY_LIMIT)
    expect((await callCore(s.core, 'history.get', { channelId: other.channelId })).undoCount).toBe(1)
  })

  it('stores a single move across a long timeline as a few hundred bytes, and undoes and redoes it both ways', async () => {
    const s = await studio()
    const { channelId, shotIds, itemIds } = await channelWithTimeline(s, 'Long', 300)
    const stepBytes = (): number =>
      (
        openLibraryDb(s.lib.dataDir)
          .prepare('SELECT length(data_json) AS n FROM edit_history WHERE channel_id = ? ORDER BY id DESC LIMIT 1')
          .get(channelId) as { n: number }
      ).n
    // Last to the front, then (another step) the new first to the end.
    await callCore(s.core, 'library.playlist.move', { itemId: itemIds[299]!, toPosition: 0 })
    const once = [shotIds[299]!, ...shotIds.slice(0, 299)]
    expect(await order(s, channelId)).toEqual(once)
    expect((await callCore(s.core, 'history.get', { channelId })).undo?.label).toBe(`move of Shot ${shotIds[299]}`)
    expect(stepBytes()).toBeLessThan(1000)
    await callCore(s.core, 'library.playlist.move', { itemId: itemIds[0]!, toPosition: 299 })
    const twice = [shotIds[299]!, ...shotIds.slice(1, 299), shotIds[0]!]
    expect(await order(s, channelId)).toEqual(twice)
    expect(stepBytes()).toBeLessThan(1000)

    await callCore(s.core, 'history.undo', { channelId })
    expect(await order(s, channelId)).toEqual(once)
    await callCore(s.core, 'history.undo', { channelId })
    expect(await order(s, channelId)).toEqual(shotIds)
    await callCore(s.core, 'history.redo', { channelId })
    expect(await order(s, channelId)).toEqual(once)
    await callCore(s.core, 'history.redo', { channelId })
    expect(await order(s, channelId)).toEqual(twice)
    // A stranger's edit inside the window is still caught by the digest.
    await callCore(s.core, 'history.undo', { channelId })
    elsewhere(s.dir).movePlaylistItem(itemIds[10]!, 20)
    expect((await refused(callCore(s.core, 'history.undo', { channelId }))).message).toContain('(its order changed)')
  })

  it('keeps the history across a restart of the studio (it lives in the library database)', async () => {
    const first = await studio()
    const { channelId, shotIds, itemIds } = await channelWithTimeline(first, 'Kept', 2)
    await callCore(first.core, 'library.playlist.move', { itemId: itemIds[0]!, toPosition: 1 })
    await first.core.close()

    const again = await studio(first.dir)
    const h = await callCore(again.core, 'history.get', { channelId })
    expect(h.undo?.label).toBe(`move of Shot ${shotIds[0]}`)
    expect(h.undoCount).toBe(2)
    await callCore(again.core, 'history.undo', { channelId })
    expect(await order(again, channelId)).toEqual(shotIds)
  })

  it('records an edit typed at the real `webtv` CLI as a step of the same history: `webtv undo` reverses it', async () => {
    const s = await studio()
    const { channelId, shotIds, itemIds } = await channelWithTimeline(s, 'Shared', 3)
    await callCore(s.core, 'library.playlist.move', { itemId: itemIds[0]!, toPosition: 2 })
    const afterStudioMove = await order(s, channelId)
    const h = await callCore(s.core, 'history.get', { channelId })

    const cli = await runWebtv([
      'playlist',
      'move',
      '--channel',
      'Shared',
      String(itemIds[1]!),
      '2',
      '--data-dir',
      s.dir
    ])
    expect(cli.code, cli.stderr).toBe(0)
    expect(await order(s, channelId)).not.toEqual(afterStudioMove)
    // The CLI's edit is the newest step, seen by the studio too…
    const withCli = await callCore(s.core, 'history.get', { channelId })
    expect(withCli.undoCount).toBe(h.undoCount + 1)
    expect(withCli.undo!.label).toBe(`move of Shot ${shotIds[1]}`)
    // …and `webtv undo` (another one-off process) moves it back.
    const undo = await runWebtv(['undo', '--channel', 'Shared', '--data-dir', s.dir])
    expect(undo.code, undo.stderr).toBe(0)
    expect(undo.stdout).toContain(`Undid ${withCli.undo!.label}.`)
    expect(await order(s, channelId)).toEqual(afterStudioMove)
    // The studio's own step is next, as before the CLI edit.
    expect((await callCore(s.core, 'history.get', { channelId })).undo?.id).toBe(h.undo!.id)
    const redo = await runWebtv(['redo', '--channel', 'Shared', '--data-dir', s.dir])
    expect(redo.code, redo.stderr).toBe(0)
    expect(await order(s, channelId)).not.toEqual(afterStudioMove)
  })

  it("`webtv history`, `undo` and `redo` take the studio's steps from the command line, refused alike", async () => {
    const s = await studio()
    const { channelId, shotIds, itemIds } = await channelWithTimeline(s, 'From CLI', 2)
    await callCore(s.core, 'library.playlist.move', { itemId: itemIds[0]!, toPosition: 1 })
    const shown = await runWebtv(['history', '--channel', 'From CLI', '--data-dir', s.dir])
    expect(shown.code, shown.stderr).toBe(0)
    expect(shown.stdout).toBe(`Undo: move of Shot ${shotIds[0]}  (2 step(s))\nRedo: (nothing)  (0 step(s))\n`)
    const undone = await runWebtv(['undo', '--channel', 'From CLI', '--data-dir', s.dir])
    expect(undone.code, undone.stderr).toBe(0)
    expect(undone.stdout).toBe(`Undid move of Shot ${shotIds[0]}.\n`)
    expect(await order(s, channelId)).toEqual(shotIds)
    // The studio sees the step as undone (the same history, in the same database).
    expect((await callCore(s.core, 'history.get', { channelId })).redo?.label).toBe(`move of Shot ${shotIds[0]}`)
    s.lib.removePlaylistItems([itemIds[1]!])
    const redo = await runWebtv(['redo', '--channel', 'From CLI', '--data-dir', s.dir])
    expect(redo.code).toBe(1)
    expect(redo.stderr).toContain(
      `Can't redo move of Shot ${shotIds[0]}: the timeline of "From CLI" was changed elsewhere since (Shot ${shotIds[1]} is no longer on it). Nothing was changed.`
    )
  })

  it('names what another process added to or removed from the timeline', async () => {
    const s = await studio()
    const { channelId, shotIds, itemIds } = await channelWithTimeline(s, 'Named', 3)
    await callCore(s.core, 'library.playlist.move', { itemId: itemIds[0]!, toPosition: 2 })
    const other = elsewhere(s.dir)
    other.removePlaylistItems([itemIds[0]!])
    expect((await refused(callCore(s.core, 'history.undo', { channelId }))).message).toContain(
      `(Shot ${shotIds[0]} is no longer on it)`
    )
    // Put back (as a new item, so not the same timeline) and one more added at the front.
    other.addToPlaylist(channelId, [shotIds[0]!], 2)
    other.addToPlaylist(channelId, [shotIds[1]!], 0)
    expect((await refused(callCore(s.core, 'history.undo', { channelId }))).message).toContain(
      '(items were added to it, not only at its end)'
    )
  })

  it('lets items appended at the end since (the generator, autopilot) stay, and undoes around them', async () => {
    const s = await studio()
    const { channelId, shotIds, itemIds } = await channelWithTimeline(s, 'Growing', 3)
    const [a, b, c] = shotIds as [number, number, number]
    await callCore(s.core, 'library.playlist.move', { itemId: itemIds[2]!, toPosition: 0 })
    expect(await order(s, channelId)).toEqual([c, a, b])
    const fresh = s.lib.createShot(channelId, { prompt: 'new from the generator' }).id
    elsewhere(s.dir).addToPlaylist(channelId, [fresh])
    await callCore(s.core, 'history.undo', { channelId })
    expect(await order(s, channelId)).toEqual([a, b, c, fresh])
    await callCore(s.core, 'history.redo', { channelId })
    expect(await order(s, channelId)).toEqual([c, a, b, fresh])
  })

  it('refuses a step the person did not see (another window moved the history on)', async () => {
    const s = await studio()
    const { channelId, itemIds } = await channelWithTimeline(s, 'Two windows', 2)
    const seen = (await callCore(s.core, 'history.get', { channelId })).undo!
    await callCore(s.core, 'library.playlist.move', { itemId: itemIds[0]!, toPosition: 1 })
    const err = await refused(callCore(s.core, 'history.undo', { channelId, entryId: seen.id }))
    expect(err.message).toContain('moved on in another window')
    expect(err.message).toContain('"move of Shot')
    expect((await callCore(s.core, 'history.get', { channelId })).undoCount).toBe(2)
  })

  it('refuses bad input with the reason: an unknown channel, a step id that is not a positive whole number', async () => {
    const s = await studio()
    const unknown = await s.core.dispatch('history.undo', { channelId: 999 })
    expect(unknown).toEqual({ ok: false, error: { code: 'not_found', message: 'Channel 999 does not exist.' } })
    const bad = await s.core.dispatch('history.redo', { channelId: 1, entryId: -3 })
    expect(bad.ok).toBe(false)
    expect(!bad.ok && bad.error).toMatchObject({ code: 'invalid_input', field: 'entryId' })
    const extra = await s.core.dispatch('history.get', { channelId: 1, all: true })
    expect(!extra.ok && extra.error.code).toBe('invalid_input')
  })

  it('records nothing in a one-off process (no background work started): that is the CLI', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const core = await openStudio({ dataDir: t.dir, shell: 'headless', version: 'test' }, [libraryFeature])
    cleanups.push(() => core.close())
    const channel = await callCore(core, 'library.channels.create', { name: 'Quick' })
    const shot = core.services.get(LIBRARY).createShot(channel.id, {})
    await callCore(core, 'library.playlist.add', { channelId: channel.id, shotIds: [shot.id] })
    expect((await callCore(core, 'history.get', { channelId: channel.id })).undoCount).toBe(0)
  })
})

describe('undo/redo of shot edits', () => {
  it('undoes approve and reject; refuses when the shot was changed elsewhere, naming the change', async () => {
    const s = await studio()
    const channel = await callCore(s.core, 'library.channels.create', { name: 'Review', reviewPolicy: 'manual' })
    const shot = s.lib.createShot(channel.id, { prompt: 'a fox' })
    const channelId = channel.id
    await callCore(s.core, 'library.shots.update', { id: shot.id, approved: true })
    expect((await callCore(s.core, 'history.get', { channelId })).undo?.label).toBe(`approval of Shot ${shot.id}`)
    await callCore(s.core, 'library.shots.update', { id: shot.id, approved: false })
    expect((await callCore(s.core, 'history.get', { channelId })).undo?.label).toBe(`rejection of Shot ${shot.id}`)
    await callCore(s.core, 'history.undo', { channelId })
    expect(s.lib.getShot(shot.id).approved).toBe(true)

    // Rejected from another process: undoing the approval now would hide that.
    elsewhere(s.dir).updateShot(shot.id, { approved: false, prompt: 'a red fox' })
    const err = await refused(callCore(s.core, 'history.undo', { channelId }))
    expect(err.message).toBe(
      `Can't undo approval of Shot ${shot.id}: Shot ${shot.id} was changed elsewhere since (it was rejected, its prompt was edited). Nothing was changed.`
    )
    expect(s.lib.getShot(shot.id).prompt).toBe('a red fox')
    // The redo step is refused alike: it was recorded over the approved state with the old prompt.
    expect((await refused(callCore(s.core, 'history.redo', { channelId }))).message).toBe(
      `Can't redo rejection of Shot ${shot.id}: Shot ${shot.id} was changed elsewhere since (it was rejected, its prompt was edited). Nothing was changed.`
    )
  })

  it('refuses to undo an edit of a shot deleted since (by the CLI or another window)', async () => {
    const s = await studio()
    const channel = await callCore(s.core, 'library.channels.create', { name: 'Gone' })
    const shot = s.lib.createShot(channel.id, { prompt: 'x' })
    await callCore(s.core, 'library.shots.update', { id: shot.id, prompt: 'y' })
    expect((await callCore(s.core, 'history.get', { channelId: channel.id })).undo?.label).toBe(
      `prompt edit of Shot ${shot.id}`
    )
    elsewhere(s.dir).deleteShots([shot.id])
    expect((await refused(callCore(s.core, 'history.undo', { channelId: channel.id }))).message).toBe(
      `Can't undo prompt edit of Shot ${shot.id}: Shot ${shot.id} was deleted since. Nothing was changed.`
    )
  })
})

describe('undo/redo with real media', () => {
  /** A channel with a small house format (cheap conform) and one imported shot on its timeline. */
  async function importedShot(s: Studio, name: string): Promise<{ channelId: number; shotId: number }> {
    const ch = await callCore(s.core, 'library.channels.create', {
      name,
      format: { width: 256, height: 144, fps: 24 }
    })
    const { results } = await callCore(s.core, 'library.import', {
      channelId: ch.id,
      paths: [makeClip(s.dir, { width: 256, height: 144, seconds: 1 })]
    })
    const shotId = results[0]!.ok ? results[0]!.shot.id : 0
    await callCore(s.core, 'library.playlist.add', { channelId: ch.id, shotIds: [shotId] })
    return { channelId: ch.id, shotId }
  }

  function trashFiles(dir: string): string[] {
    const trash = join(dir, 'trash')
    return existsSync(trash)
      ? readdirSync(trash, { recursive: true, withFileTypes: true })
          .filter((e) => e.isFile())
          .map((e) => e.name)
      : []
  }

  it('brings a deleted shot back from the trash (row, takes, timeline place, files), and redoes the delete', async () => {
    const s = await studio()
    const { channelId, shotId } = await importedShot(s, 'Trash')
    const shot = s.lib.getShot(shotId)
    const takes = s.lib.listTakes(shotId)
    const item = (await callCore(s.core, 'library.playlist.get', { channelId })).items[0]!

    await callCore(s.core, 'library.shots.delete', { ids: [shotId] })
    expect(existsSync(s.lib.abs(shot.mp4Path!))).toBe(false)
    expect(trashFiles(s.dir).length).toBeGreaterThan(0)
    expect((await callCore(s.core, 'history.get', { channelId })).undo?.label).toBe(`deletion of Shot ${shotId}`)

    const air = new LibraryTimelineSource(s.lib, s.dir)
    expect(air.airable(channelId)).toEqual([])
    await callCore(s.core, 'history.undo', { channelId })
    expect(s.lib.getShot(shotId)).toEqual(shot)
    // Back on air from the next clip boundary.
    expect(air.airable(channelId).map((i) => i.itemId)).toEqual([item.itemId])
    expect(s.lib.listTakes(shotId)).toEqual(takes)
    for (const p of [shot.mp4Path!, shot.tsPath!, shot.posterPath!]) expect(existsSync(s.lib.abs(p))).toBe(true)
    expect(trashFiles(s.dir)).toEqual([])
    const back = (await callCore(s.core, 'library.playlist.get', { channelId })).items
    expect(back.map((i) => [i.itemId, i.shotId])).toEqual([[item.itemId, shotId]])
    // Searchable again (the full-text index follows the row).
    expect((await callCore(s.core, 'library.shots.list', { channelId, search: shot.prompt || 'clip' })).total).toBe(
      shot.prompt ? 1 : 0
    )

    await callCore(s.core, 'history.redo', { channelId })
    expect(existsSync(s.lib.abs(shot.mp4Path!))).toBe(false)
    expect((await callCore(s.core, 'library.playlist.get', { channelId })).items).toEqual([])
    // Undo again after the redo: the files are found where the redo put them.
    await callCore(s.core, 'history.undo', { channelId })
    expect(existsSync(s.lib.abs(shot.mp4Path!))).toBe(true)
    expect(s.lib.getShot(shotId).status).toBe('ready')
  })

  it('refuses to restore a deleted shot whose files left the trash, and keeps nothing half-restored', async () => {
    const s = await studio()
    const { channelId, shotId } = await importedShot(s, 'Emptied')
    await callCore(s.core, 'library.shots.delete', { ids: [shotId] })
    rmSync(join(s.dir, 'trash'), { recursive: true, force: true })
    const err = await refused(callCore(s.core, 'history.undo', { channelId }))
    expect(err.message).toMatch(
      new RegExp(
        `^Can't undo deletion of Shot ${shotId}: \\d of its media file\\(s\\) are no longer in the trash \\(e\\.g\\. trash/`
      )
    )
    expect(() => s.lib.getShot(shotId)).toThrow(/does not exist/)
    expect((await callCore(s.core, 'library.playlist.get', { channelId })).items).toEqual([])
  })

  it("undoes a take choice: the shot airs its previous take's media again", async () => {
    const s = await studio()
    const { channelId, shotId } = await importedShot(s, 'Takes')
    const first = s.lib.getShot(shotId)
    const firstTake = s.lib.listTakes(shotId)[0]!
    const second = await s.lib.ingestTake(shotId, makeClip(s.dir, { width: 256, height: 144, seconds: 2 }), {
      jobId: null,
      prompt: 'second',
      seed: 2,
      backend: 'offline'
    })
    await callCore(s.core, 'library.takes.choose', { takeId: second.id })
    expect(s.lib.getShot(shotId).mp4Path).toBe(second.mp4Path)
    expect((await callCore(s.core, 'history.get', { channelId })).undo?.label).toBe(
      `choice of take ${second.id} for Shot ${shotId}`
    )
    const rev = s.lib.playlistRevision(channelId)
    await callCore(s.core, 'history.undo', { channelId })
    const shot = s.lib.getShot(shotId)
    expect(shot.mp4Path).toBe(first.mp4Path)
    expect(shot.prompt).toBe(first.prompt)
    expect(s.lib.listTakes(shotId).find((t) => t.chosen)?.id).toBe(firstTake.id)
    expect(s.lib.playlistRevision(channelId)).toBeGreaterThan(rev)
    // What the playout reads at its next clip boundary is the first take's clip again.
    const air = new LibraryTimelineSource(s.lib, s.dir)
    expect(air.airable(channelId).map((i) => i.tsPath)).toEqual([s.lib.abs(first.tsPath!)])
    await callCore(s.core, 'history.redo', { channelId })
    expect(s.lib.getShot(shotId).mp4Path).toBe(second.mp4Path)
    expect(air.airable(channelId).map((i) => i.tsPath)).toEqual([s.lib.abs(second.tsPath!)])
  })
})

describe('undo/redo of channel settings', () => {
  it('undoes a settings change; refuses when a setting was changed elsewhere, naming it', async () => {
    const s = await studio()
    const channel = await callCore(s.core, 'library.channels.create', { name: 'Settings', theme: 'sea' })
    const channelId = channel.id
    await callCore(s.core, 'library.channels.update', { id: channelId, theme: 'mountains', reviewPolicy: 'manual' })
    expect((await callCore(s.core, 'history.get', { channelId })).undo?.label).toBe(
      "change of the channel's theme, review policy"
    )
    await callCore(s.core, 'library.channels.update', { id: channelId, name: 'Peaks' })
    expect((await callCore(s.core, 'history.get', { channelId })).undo?.label).toBe('rename of the channel to "Peaks"')
    await callCore(s.core, 'history.undo', { channelId })
    await callCore(s.core, 'history.undo', { channelId })
    const back = s.lib.getChannel(channelId)
    expect([back.name, back.theme, back.reviewPolicy]).toEqual(['Settings', 'sea', 'auto'])

    await callCore(s.core, 'history.redo', { channelId })
    elsewhere(s.dir).updateChannel(channelId, { theme: 'desert' })
    expect((await refused(callCore(s.core, 'history.undo', { channelId }))).message).toBe(
      `Can't undo change of the channel's theme, review policy: the settings of "Settings" were changed elsewhere since (theme). Nothing was changed.`
    )
  })

  it('refuses to undo a format change while the channel is on air in another process', async () => {
    const s = await studio()
    const channel = await callCore(s.core, 'library.channels.create', { name: 'Live' })
    await callCore(s.core, 'library.channels.update', { id: channel.id, format: { fps: 25 } })
    // Another live process airs the channel (the mark `webtv air` leaves).
    const airing = spawn('sleep', ['30'])
    cleanups.push(() => void airing.kill())
    elsewhere(s.dir).markOnAir(channel.id, airing.pid!)
    const err = await refused(callCore(s.core, 'history.undo', { channelId: channel.id }))
    expect(err.message).toContain('"Live" is on air. End the stream before changing its format')
    expect(s.lib.getChannel(channel.id).format.fps).toBe(25)
  })
})
