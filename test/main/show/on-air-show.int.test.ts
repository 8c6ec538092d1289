import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Core } from '../../../src/main/core/core'
import { callCore, openCore } from '../../../src/main/cli/open-core'
import { makeHouseClip } from '../../../src/main/onair/slate'
import { DEFAULT_HOUSE_FORMAT } from '../../../src/shared/house-format'
import { LIBRARY, OUTPUTS } from '../../../src/main/services'
import { parseShotSound } from '../../../src/main/show/sound'
import { tempDir } from '../../helpers/tmp'
import { freePort } from '../../fixtures/rtmp'
import { toolPath } from '../../../src/main/media/ffmpeg-path'
import { startStudioServer, type StudioServer } from '../../../src/main/server/studio-server'
import type { AsrunEntry } from '../../../src/shared/contract/outputs'
import { until } from '../../helpers/until'

/**
 * A produced, narrated show on a real core: the template writer's plan, espeak-ng's
 * lines, the offline generator's shots, conformed and in the playlist with one loose
 * imported clip — what the guide, the takes and the HLS captions read.
 */
describe('a produced, narrated show: the guide, takes and HLS captions', () => {
  const tmp = tempDir()
  let core: Core
  let server: StudioServer | undefined
  const asrun: AsrunEntry[] = []
  let channelId = 0
  /** The imported test-card clip: the cut from it to a narrated shot is one the picture shows plainly. */
  let looseShotId = 0
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
    // Captions in the look: burned at conform, and a WebVTT rendition in the HLS.
    await callCore(core, 'library.channels.update', { id: channelId, look: { captions: 'burned' } })
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
    looseShotId = r.shot.id
    const pl = await callCore(core, 'library.playlist.get', { channelId })
    if (!pl.items.some((i) => i.shotId === r.shot.id))
      await callCore(core, 'library.playlist.add', { channelId, shotIds: [r.shot.id] })
  }, 300_000)

  afterAll(async () => {
    await server?.close()
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

  it('names the sequence of the items asked about (what now/next shows), leaving the loose clip out', async () => {
    const pl = await callCore(core, 'library.playlist.get', { channelId })
    const ordered = pl.items.slice().sort((a, b) => a.position - b.position)
    const ids = ordered.map((i) => i.itemId)
    const { items } = await callCore(core, 'library.playlist.sequences', { channelId, itemIds: ids })
    expect(items.map((i) => [i.itemId, i.title, i.synopsis]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual(
      ids.slice(0, 4).map((id, k) => [id, titles[k >> 1], synopses[k >> 1]])
    )
    // Only what was asked; an item of another channel (or a gone one) is simply not there.
    const one = await callCore(core, 'library.playlist.sequences', { channelId, itemIds: [ids[2]!, 999_999] })
    expect(one.items.map((i) => i.title)).toEqual([titles[1]])
    const other = await callCore(core, 'library.channels.create', { name: 'Elsewhere' })
    expect((await callCore(core, 'library.playlist.sequences', { channelId: other.id, itemIds: ids })).items).toEqual(
      []
    )
    await expect(callCore(core, 'library.playlist.sequences', { channelId, itemIds: [] })).rejects.toThrow(/itemIds/)
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

  it('airs a WebVTT rendition beside the HLS: master playlist, advancing subtitle playlist, cues on the as-run times across an edit', async () => {
    const lib = core.services.get(LIBRARY, 'test')
    core.bus.on('outputs.asrun', (e) => asrun.push(e))
    await callCore(core, 'onair.settings.update', { rtmpPort: await freePort(), httpPort: await freePort() })
    await callCore(core, 'outputs.settings.update', { channelId, hls: true, record: false })
    const rendererDir = join(tmp.dir, 'renderer')
    mkdirSync(rendererDir, { recursive: true })
    writeFileSync(join(rendererDir, 'watch.html'), '<!doctype html><title>watch</title>')
    server = await startStudioServer({ core, rendererDir, port: 0 })
    // The test card just before a narrated shot (see afterLoose below).
    {
      const items = (await callCore(core, 'library.playlist.get', { channelId })).items.sort(
        (a, b) => a.position - b.position
      )
      const card = items.find((i) => i.shotId === looseShotId)!
      const spoken = items.find((i) => parseShotSound(lib.shotSoundJson(i.shotId))?.narration?.cues.length)!
      const to = card.position < spoken.position ? spoken.position - 1 : spoken.position
      await callCore(core, 'library.playlist.move', { itemId: card.itemId, toPosition: to })
    }
    await callCore(core, 'onair.start', { channelId })
    const status = await callCore(core, 'onair.status', { channelId })
    const stream = status.channels[0]!.stream
    const base = `${server.baseUrl}/hls/${stream}`
    // Once more after a reset: the server may close an idle kept-alive connection just as it is reused
    // (ffmpeg's scene pass below keeps the connection idle for seconds).
    const get = (url: string): Promise<Response> => fetch(url).catch(() => fetch(url))
    const text = async (name: string): Promise<string | undefined> => {
      const r = await get(`${base}/${name}`)
      return r.status === 200 ? r.text() : undefined
    }

    // The master playlist: one SUBTITLES rendition, the variant naming its group; the public list points at it.
    const master = await until('the master playlist', () => text('master.m3u8'), 60_000)
    const lines = master.trim().split('\n')
    expect(lines[0]).toBe('#EXTM3U')
    const media = lines.filter((l) => l.startsWith('#EXT-X-MEDIA:'))
    expect(media).toHaveLength(1)
    const attrs = (l: string) =>
      Object.fromEntries([...l.matchAll(/([A-Z0-9-]+)=("[^"]*"|[^,]*)/g)].map((m) => [m[1], m[2]!.replace(/"/g, '')]))
    expect(attrs(media[0]!)).toMatchObject({ TYPE: 'SUBTITLES', 'GROUP-ID': 'subs', URI: 'subs.m3u8' })
    const inf = lines.findIndex((l) => l.startsWith('#EXT-X-STREAM-INF:'))
    expect(Number(attrs(lines[inf]!).BANDWIDTH)).toBeGreaterThan(100_000)
    expect(attrs(lines[inf]!).SUBTITLES).toBe('subs')
    expect(lines[inf + 1]).toBe('video.m3u8')
    const pub = (await (await fetch(`${server.baseUrl}/api/public/channels`)).json()) as Array<{
      hlsPath: string
      captions: boolean
    }>
    expect(pub[0]).toMatchObject({ hlsPath: `/hls/${stream}/master.m3u8`, captions: true })

    const { shots } = await callCore(core, 'library.shots.list', { channelId, limit: 50 })
    const narratedShots = new Set(
      shots.filter((s) => parseShotSound(lib.shotSoundJson(s.id))?.narration?.cues.length).map((s) => s.id)
    )
    const seq = (t: string) => Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(t)![1])
    // Segments with their date and length, whichever order the tags come in (ffmpeg writes EXTINF first).
    const pdts = (t: string) => {
      const out: Array<{ pdt: number; dur: number; n: number }> = []
      let pdt = NaN
      let dur = NaN
      for (const l of t.split('\n')) {
        if (l.startsWith('#EXTINF:')) dur = parseFloat(l.slice(8))
        else if (l.startsWith('#EXT-X-PROGRAM-DATE-TIME:'))
          pdt = Date.parse(l.slice(25).replace(/([+-]\d\d)(\d\d)$/, '$1:$2'))
        const m = /^(?:seg|sub)-(\d+)\.(?:ts|vtt)$/.exec(l)
        if (m) out.push({ pdt, dur, n: Number(m[1]) })
      }
      return out
    }
    // ffprobe's first video packet (its csv line may end in a comma).
    const firstVideoPts = (file: string): number =>
      parseInt(
        execFileSync(
          toolPath('ffprobe'),
          [
            '-v',
            'error',
            '-select_streams',
            'v:0',
            '-show_entries',
            'packet=pts',
            '-read_intervals',
            '%+#1',
            '-of',
            'csv=p=0',
            file
          ],
          { encoding: 'utf8' }
        )
          .trim()
          .split('\n')[0]!,
        10
      )

    /**
     * The picture's scene changes, in seconds of PTS (timestamps kept), with ffmpeg's scene score: the cut
     * from the test card to a conformed shot scores well above what moves inside one clip.
     */
    const scenesIn = (file: string): Array<{ at: number; score: number }> =>
      [
        ...spawnSync(
          toolPath('ffmpeg'),
          [
            '-hide_banner',
            '-copyts',
            '-i',
            file,
            '-an',
            '-vf',
            "select='gt(scene,0.05)',metadata=print:key=lavfi.scene_score",
            '-f',
            'null',
            '-'
          ],
          { encoding: 'utf8' }
        ).stderr.matchAll(/pts_time:([\d.]+)[^\n]*\n[^\n]*lavfi\.scene_score=([\d.]+)/g)
      ].map((m) => ({ at: Number(m[1]), score: Number(m[2]) }))
    const CUT_SCORE = 0.12

    /**
     * Every cue of a narrated as-run entry, checked against the picture itself: in the
     * window's video (the .ts segments, end to end), the clip's cue must begin `cue.start`
     * after a cut from the clip before, within 0.3 s. Neither wall clocks nor the
     * playlists' dates are used, so captions that lead or trail the picture (the cached
     * GOP a new HLS tap gets first, late progress reports) fail here.
     */
    const checkCues = async (entry: AsrunEntry): Promise<number> => {
      // The subtitle playlist follows the video's within a tick (0.5 s): read both until they list the same segments.
      const [vSegs, sSegs] = await until(
        'the subtitle playlist to list the video segments',
        async () => {
          const v = pdts((await text('index.m3u8'))!)
          const s = pdts((await text('subs.m3u8'))!)
          return s.map((x) => x.n).join() === v.map((x) => x.n).join() ? [v, s] : undefined
        },
        10_000
      )
      const ptsOf = new Map<number, number>()
      const parts: Buffer[] = []
      for (const v of vSegs) {
        const r = await get(`${base}/seg-${v.n}.ts`)
        if (r.status !== 200) break
        const bytes = Buffer.from(await r.arrayBuffer())
        const f = join(tmp.dir, `v-${v.n}.ts`)
        writeFileSync(f, bytes)
        ptsOf.set(v.n, firstVideoPts(f))
        parts.push(bytes)
      }
      if (parts.length < 2) return 0
      const window = join(tmp.dir, 'window.ts')
      writeFileSync(window, Buffer.concat(parts))
      const scenes = scenesIn(window)
      const cuts = scenes.filter((x) => x.score >= CUT_SCORE).map((x) => x.at)
      const from = ptsOf.get(vSegs[0]!.n)! / 90_000
      const to = from + vSegs.slice(0, parts.length).reduce((a, v) => a + v.dur, 0)
      const cues = lib.takeCues(entry.takeId!)!
      let checked = 0
      for (const s of sSegs) {
        const vtt = await text(`sub-${s.n}.vtt`)
        if (!vtt) continue
        const map = /X-TIMESTAMP-MAP=MPEGTS:(\d+),LOCAL:(\d\d):(\d\d):(\d\d)\.(\d\d\d)/.exec(vtt)!
        expect(map, vtt).toBeTruthy()
        // The map pairs this segment's first video PTS with its local zero.
        if (ptsOf.has(s.n)) expect(Math.abs(Number(map[1]) - ptsOf.get(s.n)!)).toBeLessThanOrEqual(1)
        const sec = (h: string, m: string, x: string, ms: string) =>
          Number(h) * 3600 + Number(m) * 60 + Number(x) + Number(ms) / 1000
        const local0 = sec(map[2]!, map[3]!, map[4]!, map[5]!)
        for (const m of vtt.matchAll(/(\d\d):(\d\d):(\d\d)\.(\d\d\d) --> [\d:.]+\n(.+)\n/g)) {
          const cue = cues.find((c) => c.text.replace(/&/g, '&amp;').replace(/</g, '&lt;') === m[5])
          if (!cue) continue
          // Where the captions put the clip's start on the video timeline, and where the picture cuts.
          const clipStart = Number(map[1]) / 90_000 + sec(m[1]!, m[2]!, m[3]!, m[4]!) - local0 - cue.start
          // Only a start inside the window, clear of its first frame, has a cut to compare with.
          if (clipStart < from + 0.5 || clipStart > to - 0.5) continue
          const nearest = Math.min(...cuts.map((c) => Math.abs(c - clipStart)))
          expect(
            nearest,
            `cue "${cue.text}" of item ${entry.itemId} puts its clip at ${clipStart.toFixed(2)} s; scenes ${JSON.stringify(scenes)}`
          ).toBeLessThanOrEqual(0.3)
          checked++
        }
      }
      return checked
    }

    // Offline shots of one show look alike (the scene score between two of them can stay low), but the
    // cut from the test card to a shot is plain: the clips checked are the narrated ones right after it.
    // An entry is reported when it begins and again when it ends: the clip before is the entry numbered just before.
    const afterLoose = (e: AsrunEntry): boolean => asrun.find((a) => a.id === e.id - 1)?.shotId === looseShotId

    // A narrated clip airs; once its first cue is in the window, its cues are where the picture is.
    const first = await until(
      'a narrated clip to air after the test card and reach the HLS',
      async () => {
        // The newest such clip that has finished (an older one may have aired before the HLS began).
        const e = asrun
          .filter((a) => a.shotId !== null && narratedShots.has(a.shotId) && a.endedAt !== null && afterLoose(a))
          .at(-1)
        if (!e) return undefined
        const n = await checkCues(e)
        return n > 0 ? e : undefined
      },
      120_000
    )
    const s1 = seq((await text('subs.m3u8'))!)

    // An edit on air: the narrated item moves to just after the clip on air; its next airing is captioned where it airs.
    const pl = await callCore(core, 'library.playlist.get', { channelId })
    const onAirNow = (await callCore(core, 'outputs.guide', { channelId, hours: 0.1 })).entries[0]!.itemId!
    const at = pl.items.find((i) => i.itemId === onAirNow)!.position
    // Another narrated item than the one just checked, unless that one is on air now (two narrated items in the loop).
    const off = pl.items.filter((i) => narratedShots.has(i.shotId) && i.itemId !== onAirNow)
    const moved = off.find((i) => i.itemId !== first.itemId) ?? off[0]!
    // A move takes the item out first: from before the clip on air, "just after it" is the clip's own position.
    await callCore(core, 'library.playlist.move', {
      itemId: moved.itemId,
      toPosition: moved.position < at ? at : at + 1
    })
    // …and the test card just before it (unless the card is what is on air).
    const card = pl.items.find((i) => i.shotId === looseShotId)!
    if (card.itemId !== onAirNow) {
      const now = (await callCore(core, 'library.playlist.get', { channelId })).items
      const at2 = now.find((i) => i.itemId === onAirNow)!.position
      await callCore(core, 'library.playlist.move', {
        itemId: card.itemId,
        toPosition: card.position < at2 ? at2 : at2 + 1
      })
    }
    const since = Date.now()
    await until(
      'the moved clip to air, captioned',
      async () => {
        const e = asrun
          .filter((a) => a.itemId === moved.itemId && a.startedAt > since && a.endedAt !== null && afterLoose(a))
          .at(-1)
        if (!e) return undefined
        return (await checkCues(e)) > 0 ? e : undefined
      },
      120_000
    )
    // The subtitle playlist advanced with the video's.
    expect(seq((await text('subs.m3u8'))!)).toBeGreaterThan(s1)
    await callCore(core, 'onair.stop', { channelId })
  }, 300_000)
})
