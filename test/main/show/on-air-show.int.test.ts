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
import type { EventPayload } from '../../../src/shared/contract'
import { HLS_PTS_OFFSET } from '../../../src/main/outputs/copy-tap'
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
  const airings: Array<EventPayload<'onair.clip'>> = []
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
    core.bus.on('onair.clip', (e) => {
      if (e.phase === 'airing' && e.channelId === channelId) airings.push(e)
    })
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

    const sec = (h: string, m: string, x: string, ms: string) =>
      Number(h) * 3600 + Number(m) * 60 + Number(x) + Number(ms) / 1000
    /** A WebVTT segment's X-TIMESTAMP-MAP: the video PTS (90 kHz) it pairs with its local time (s). */
    const mapOf = (vtt: string | undefined): { pts: number; local0: number } | undefined => {
      const m = vtt && /X-TIMESTAMP-MAP=MPEGTS:(\d+),LOCAL:(\d\d):(\d\d):(\d\d)\.(\d\d\d)/.exec(vtt)
      return m ? { pts: Number(m[1]), local0: sec(m[2]!, m[3]!, m[4]!, m[5]!) } : undefined
    }
    /**
     * Where (s of HLS PTS) an as-run entry's clip began by the playout's own account: its
     * airing event's airStartUs on the output timeline, plus the tap's fixed PTS offset.
     * Used only to choose which segments to fetch and scan; what is checked is the picture.
     */
    const airedAt = (entry: AsrunEntry): number | undefined => {
      const a = airings.find((x) => x.clip.itemId === entry.itemId && x.at === entry.startedAt)
      return a?.airStartUs === undefined ? undefined : a.airStartUs / 1e6 + HLS_PTS_OFFSET / 90_000
    }
    /** Picture fetched either side of a clip's start: room for the cut and the 0.5 s kept clear of the ends. */
    const AROUND_S = 2.5

    /**
     * The newest entry `pick` accepts whose start, with AROUND_S either side (and its first
     * cue), the HLS window holds now. Cheap enough to poll: the video playlist and the
     * WebVTT of its first and last segments (their maps give the segments' PTS); nothing decoded.
     */
    let looked = ''
    const inWindow = async (
      pick: (e: AsrunEntry) => boolean
    ): Promise<{ entry: AsrunEntry; at: number } | undefined> => {
      const v = pdts((await text('index.m3u8')) ?? '')
      if (v.length < 2) return undefined
      const head = mapOf(await text(`sub-${v[0]!.n}.vtt`))
      const tail = mapOf(await text(`sub-${v.at(-1)!.n}.vtt`))
      if (!head || !tail) return undefined
      const from = head.pts / 90_000
      const to = tail.pts / 90_000 + v.at(-1)!.dur
      const picked = asrun.filter(pick)
      looked = `window ${from.toFixed(2)}–${to.toFixed(2)} s; airings that qualify: ${JSON.stringify(picked.map((e) => [e.id, e.itemId, airedAt(e)?.toFixed(2)]))}`
      for (const entry of picked.reverse()) {
        const at = airedAt(entry)
        const firstCue = lib.takeCues(entry.takeId!)?.[0]?.start ?? 0
        if (at !== undefined && at - AROUND_S >= from && Math.max(at + AROUND_S, at + firstCue + 0.5) <= to)
          return { entry, at }
      }
      return undefined
    }

    /**
     * Every cue of a narrated as-run entry, checked against the picture itself: in the
     * video around where the clip aired (its .ts segments, end to end, scanned once), the
     * clip's cue must begin `cue.start` after a cut from the clip before, within 0.3 s.
     * Neither wall clocks nor the playlists' dates are used, so captions that lead or trail
     * the picture (the cached GOP a new HLS tap gets first, late progress reports) fail here.
     * 0 when the segments left the window before they were fetched, or no cue put the clip
     * inside them (`why` says which).
     */
    let why = ''
    const checkCues = async (entry: AsrunEntry, at: number): Promise<number> => {
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
      const vtts = new Map<number, string>()
      for (const s of sSegs) {
        const vtt = await text(`sub-${s.n}.vtt`)
        if (vtt) vtts.set(s.n, vtt)
      }
      // The segments that overlap [at − AROUND_S, at + AROUND_S], by their maps (each checked against the .ts below).
      const near = vSegs.filter((v) => {
        const m = mapOf(vtts.get(v.n))
        return m !== undefined && m.pts / 90_000 < at + AROUND_S && m.pts / 90_000 + v.dur > at - AROUND_S
      })
      const ptsOf = new Map<number, number>()
      const parts: Buffer[] = []
      for (const v of near) {
        const r = await get(`${base}/seg-${v.n}.ts`)
        if (r.status !== 200) {
          why = `seg-${v.n}.ts left the window before it was fetched`
          return 0
        }
        const bytes = Buffer.from(await r.arrayBuffer())
        const f = join(tmp.dir, `v-${v.n}.ts`)
        writeFileSync(f, bytes)
        ptsOf.set(v.n, firstVideoPts(f))
        parts.push(bytes)
      }
      if (parts.length < 2) {
        why = `only ${parts.length} segment(s) around ${at.toFixed(2)} s`
        return 0
      }
      const window = join(tmp.dir, 'window.ts')
      writeFileSync(window, Buffer.concat(parts))
      const scenes = scenesIn(window)
      const cuts = scenes.filter((x) => x.score >= CUT_SCORE).map((x) => x.at)
      const from = ptsOf.get(near[0]!.n)! / 90_000
      const to = from + near.reduce((a, v) => a + v.dur, 0)
      const cues = lib.takeCues(entry.takeId!)!
      const placed: number[] = []
      let checked = 0
      for (const s of sSegs) {
        const vtt = vtts.get(s.n)
        if (!vtt) continue
        const map = mapOf(vtt)
        expect(map, vtt).toBeTruthy()
        // The map pairs this segment's first video PTS with its local zero.
        if (ptsOf.has(s.n)) expect(Math.abs(map!.pts - ptsOf.get(s.n)!)).toBeLessThanOrEqual(1)
        for (const m of vtt.matchAll(/(\d\d):(\d\d):(\d\d)\.(\d\d\d) --> [\d:.]+\n(.+)\n/g)) {
          const cue = cues.find((c) => c.text.replace(/&/g, '&amp;').replace(/</g, '&lt;') === m[5])
          if (!cue) continue
          // Where the captions put the clip's start on the video timeline, and where the picture cuts.
          const clipStart = map!.pts / 90_000 + sec(m[1]!, m[2]!, m[3]!, m[4]!) - map!.local0 - cue.start
          placed.push(clipStart)
          // Only a start inside the scanned video, clear of its first frame, has a cut to compare with.
          if (clipStart < from + 0.5 || clipStart > to - 0.5) continue
          const nearest = Math.min(...cuts.map((c) => Math.abs(c - clipStart)))
          expect(
            nearest,
            `cue "${cue.text}" of item ${entry.itemId} puts its clip at ${clipStart.toFixed(2)} s; scenes ${JSON.stringify(scenes)}`
          ).toBeLessThanOrEqual(0.3)
          checked++
        }
      }
      why = `item ${entry.itemId} aired at ${at.toFixed(2)} s; video scanned ${from.toFixed(2)}–${to.toFixed(2)} s; its cues put it at ${JSON.stringify(placed.map((x) => +x.toFixed(2)))}`
      return checked
    }

    // Offline shots of one show look alike (the scene score between two of them can stay low), but the
    // cut from the test card to a shot is plain: the clips checked are the narrated ones right after it.
    // An entry is reported when it begins and again when it ends: the clip before is the entry numbered just before.
    const afterLoose = (e: AsrunEntry): boolean => asrun.find((a) => a.id === e.id - 1)?.shotId === looseShotId
    /** Each airing is checked once: the wait is on the as-run and the playlists, the decoding done once per airing. */
    const tried = new Set<number>()
    const captioned = async (what: string, pick: (e: AsrunEntry) => boolean): Promise<AsrunEntry> => {
      try {
        return await until(
          what,
          async () => {
            const found = await inWindow((e) => !tried.has(e.id) && pick(e))
            if (!found) return undefined
            tried.add(found.entry.id)
            return (await checkCues(found.entry, found.at)) > 0 ? found.entry : undefined
          },
          120_000,
          500
        )
      } catch (err) {
        throw new Error(
          `${err instanceof Error ? err.message : String(err)} (last look: ${looked || 'none'}; last airing checked: ${why || 'none'})`
        )
      }
    }

    // A narrated clip airs after the test card; once the window holds it, its cues are where the picture is.
    const first = await captioned(
      'a narrated clip to air after the test card and reach the HLS',
      (a) => a.shotId !== null && narratedShots.has(a.shotId) && afterLoose(a)
    )
    const s1 = seq((await text('subs.m3u8'))!)

    // An edit on air: the narrated item moves to just after the clip on air; its next airing is captioned where it airs.
    const pl = await callCore(core, 'library.playlist.get', { channelId })
    const onAirNow = (await callCore(core, 'outputs.guide', { channelId, hours: 0.1 })).entries[0]!.itemId!
    // Another narrated item than the one just checked, unless that one is on air now (two narrated items in the loop).
    const off = pl.items.filter((i) => narratedShots.has(i.shotId) && i.itemId !== onAirNow)
    const moved = off.find((i) => i.itemId !== first.itemId) ?? off[0]!
    const card = pl.items.find((i) => i.shotId === looseShotId)!
    /** Moves an item to just after another, in the order as it is now (an item taken from before it shifts it back one). */
    const placeAfter = async (itemId: number, afterId: number): Promise<void> => {
      const now = (await callCore(core, 'library.playlist.get', { channelId })).items
      const after = now.find((i) => i.itemId === afterId)!.position
      const own = now.find((i) => i.itemId === itemId)!.position
      await callCore(core, 'library.playlist.move', { itemId, toPosition: own < after ? after : after + 1 })
    }
    await placeAfter(moved.itemId, onAirNow)
    // …and the test card just before it (unless the card is what is on air).
    if (card.itemId !== onAirNow) await placeAfter(card.itemId, onAirNow)
    const since = Date.now()
    const order = (await callCore(core, 'library.playlist.get', { channelId })).items.map((i) => i.itemId)
    const edited = order.indexOf(onAirNow)
    // The edit as meant: on air, the card, the moved item (or on air — the card — then the moved item).
    if (card.itemId === onAirNow) expect(order[edited + 1]).toBe(moved.itemId)
    else expect([order[edited + 1], order[edited + 2]]).toEqual([card.itemId, moved.itemId])
    await captioned(
      'the moved clip to air, captioned',
      (a) => a.itemId === moved.itemId && a.startedAt > since && afterLoose(a)
    ).catch((err: unknown) => {
      const aired = asrun.filter((a) => a.startedAt > since && a.endedAt === null).map((a) => [a.id, a.itemId])
      throw new Error(
        `${err instanceof Error ? err.message : String(err)}; on air at the edit ${onAirNow}, moved ${moved.itemId}, card ${card.itemId}, first ${first.itemId}; order after ${JSON.stringify(order)}; aired since ${JSON.stringify(aired)}`
      )
    })
    // The subtitle playlist advanced with the video's.
    expect(seq((await text('subs.m3u8'))!)).toBeGreaterThan(s1)
    await callCore(core, 'onair.stop', { channelId })
  }, 300_000)
})
