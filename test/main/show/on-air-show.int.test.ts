import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Core } from '../../../src/main/core/core'
import { callCore, openCore } from '../../../src/main/cli/open-core'
import { makeHouseClip } from '../../../src/main/onair/slate'
import { DEFAULT_HOUSE_FORMAT } from '../../../src/shared/house-format'
import { LIBRARY, OUTPUTS } from '../../../src/main/services'
import { parseShotSound } from '../../../src/main/show/sound'
import { tempDir } from '../../helpers/tmp'

async function until<T>(
  what: string,
  fn: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 90_000
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v !== undefined && v !== false) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

/**
 * A produced, narrated show on a real core: the template writer's plan, espeak-ng's
 * lines, the offline generator's shots, conformed and in the playlist with one loose
 * imported clip — what the guide, the takes and the HLS captions read.
 */
describe('a produced show in the guide', () => {
  const tmp = tempDir()
  let core: Core
  let channelId = 0
  const titles: string[] = []
  const synopses: string[] = []

  beforeAll(async () => {
    core = await openCore(join(tmp.dir, 'data'))
    const ch = await callCore(core, 'library.channels.create', {
      name: 'Harbour',
      theme: 'a rainy harbour town',
      reviewPolicy: 'auto'
    })
    channelId = ch.id
    await core.startBackground()
    const plan = await callCore(core, 'show.write', {
      channelId,
      sequences: 2,
      shotsPerSequence: 2,
      writer: 'template'
    })
    for (const s of plan.sequences) {
      titles.push(s.title)
      synopses.push(s.synopsis)
      await callCore(core, 'show.produce', { channelId, id: s.id })
    }
    await until(
      '4 generated shots ready',
      async () => {
        const { shots } = await callCore(core, 'library.shots.list', { channelId, limit: 50 })
        if (shots.some((s) => s.status === 'failed')) throw new Error(`a shot failed: ${JSON.stringify(shots)}`)
        return shots.length === 4 && shots.every((s) => s.status === 'ready') ? shots : undefined
      },
      240_000
    )
    const loose = await makeHouseClip({
      format: DEFAULT_HOUSE_FORMAT,
      frames: 48,
      video: 'testsrc2',
      toneHz: 440,
      output: join(tmp.dir, 'loose.ts')
    })
    const { results } = await callCore(core, 'library.import', { channelId, paths: [loose], approved: true })
    const r = results[0]!
    if (!r.ok) throw new Error(r.error)
    const pl = await callCore(core, 'library.playlist.get', { channelId })
    if (!pl.items.some((i) => i.shotId === r.shot.id))
      await callCore(core, 'library.playlist.add', { channelId, shotIds: [r.shot.id] })
  }, 300_000)

  afterAll(async () => {
    await core?.close()
    tmp.cleanup()
  })

  it('lists each sequence once with its title and synopsis, the loose clip on its own, in XMLTV too', async () => {
    const pl = await callCore(core, 'library.playlist.get', { channelId })
    expect(pl.items).toHaveLength(5)
    const g = await callCore(core, 'outputs.guide', { channelId, hours: 0.5 })
    const loop = g.entries.slice(0, 3)
    expect(loop.map((e) => e.title).slice(0, 2)).toEqual(titles)
    expect(titles).not.toContain(loop[2]!.title)
    expect(loop.map((e) => e.sequenceId ?? null)[2]).toBeNull()
    expect(loop.map((e) => e.synopsis)).toEqual([...synopses, undefined])
    // A sequence's programme lasts as long as its two shots together.
    const byItem = new Map(pl.items.map((i) => [i.itemId, i.durationMs]))
    const ordered = pl.items.slice().sort((a, b) => a.position - b.position)
    expect(loop[0]!.stop - loop[0]!.start).toBe(byItem.get(ordered[0]!.itemId)! + byItem.get(ordered[1]!.itemId)!)
    for (let i = 1; i < g.entries.length; i++) expect(g.entries[i]!.start).toBe(g.entries[i - 1]!.stop)
    const service = core.services.get(OUTPUTS, 'test')
    const xml = service.xmltv([g])
    expect(xml).toContain(
      `<desc>${synopses[0]!.replace(/&/g, '&amp;').replace(/'/g, '&apos;').replace(/"/g, '&quot;')}</desc>`
    )
    expect(xml.match(/<programme /g)!.length).toBe(g.entries.length)
  })

  it('a regenerated take of a narrated shot carries its line: cues stored with the take, the line not cut', async () => {
    const lib = core.services.get(LIBRARY, 'test')
    const { shots } = await callCore(core, 'library.shots.list', { channelId, limit: 50 })
    const narrated = shots.find((s) => parseShotSound(lib.shotSoundJson(s.id))?.narration?.cues.length)
    expect(narrated, 'the template writer gives lines and espeak-ng speaks them').toBeDefined()
    const sound = parseShotSound(lib.shotSoundJson(narrated!.id))!
    // The first take has them (recorded at its conform)…
    const [first] = (await callCore(core, 'library.takes.list', { shotId: narrated!.id })).takes
    expect(lib.takeCues(first!.id)).toEqual(sound.narration!.cues)
    // …and so does a regenerated one.
    const job = await callCore(core, 'generation.regenerate', { shotId: narrated!.id, backend: 'offline' })
    const take = await until(
      'the regenerated take',
      async () => {
        const { jobs } = await callCore(core, 'generation.jobs.list', { channelId })
        const j = jobs.find((x) => x.id === job.id)
        if (j?.state === 'failed') throw new Error(`regeneration failed: ${j.error}`)
        if (j?.state !== 'ready') return undefined
        return (await callCore(core, 'library.takes.list', { shotId: narrated!.id })).takes.find(
          (t) => t.jobId === job.id
        )
      },
      180_000
    )
    expect(take.status).toBe('ready')
    expect(lib.takeCues(take.id)).toEqual(sound.narration!.cues)
    // Mixed like the first: held until the line has ended (line + 0.3 s), so no sentence is cut.
    expect(take.durationMs! / 1000).toBeGreaterThanOrEqual(sound.narration!.endSec + 0.3 - 0.05)
    // A shot that speaks no line gives its takes no cues.
    const silent = shots.find((s) => !parseShotSound(lib.shotSoundJson(s.id))?.narration)
    if (silent) {
      const [t] = (await callCore(core, 'library.takes.list', { shotId: silent.id })).takes
      expect(lib.takeCues(t!.id)).toBeNull()
    }
  }, 200_000)
})
