import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { readdirSync, writeFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import type { Core } from '../../../src/main/core/core'
import { callCore, openCore } from '../../../src/main/cli/open-core'
import { DEFAULT_HOUSE_FORMAT } from '../../../src/shared/house-format'
import { makeHouseClip } from '../../../src/main/onair/slate'
import type { OnAirEngine } from '../../../src/main/onair/engine'
import { ChannelPlayout } from '../../../src/main/onair/playout'
import { LocalRtmpServer } from '../../../src/main/onair/rtmp-server'
import type { EventPayload } from '../../../src/shared/contract'
import { tempDir } from '../../helpers/tmp'
import { runWebtv } from '../../helpers/cli'
import { dtsReport, freePort, keyframeIntervals, startViewer, isRunning, type Viewer } from '../../fixtures/rtmp'
import { LIBRARY, ONAIR } from '../../../src/main/services'

const FPS = DEFAULT_HOUSE_FORMAT.fps
const FRAME_S = 1 / FPS
// Distinct lengths (in frames) so a viewer can tell clips apart by keyframe spacing.
const FRAMES = [24, 27, 30, 33, 36, 39]

type ClipEvent = EventPayload<'onair.clip'>

describe('on air: continuous playout through timeline edits (real ffmpeg, NMS, library)', () => {
  const tmp = tempDir()
  let core: Core
  let engine: OnAirEngine
  let channelId = 0
  const shotByFrames = new Map<number, number>()
  const framesByItem = new Map<number, number>()
  const clipEvents: Array<ClipEvent> = []
  const states: Array<EventPayload<'onair.state'>> = []
  let viewer: Viewer
  let rtmpUrl = ''

  beforeAll(async () => {
    core = await openCore(tmp.dir)
    engine = core.services.get(ONAIR)
    await callCore(core, 'onair.settings.update', { rtmpPort: await freePort(), httpPort: await freePort() })
    const ch = await callCore(core, 'library.channels.create', { name: 'Edits Test' })
    channelId = ch.id
    const files = await Promise.all(
      FRAMES.map((n, i) =>
        makeHouseClip({
          format: DEFAULT_HOUSE_FORMAT,
          frames: n,
          video: 'testsrc2',
          toneHz: 300 + i * 100,
          output: join(tmp.dir, `src-${n}.ts`)
        })
      )
    )
    const { results } = await callCore(core, 'library.import', { channelId, paths: files, approved: true })
    for (const [i, r] of results.entries()) {
      if (!r.ok) throw new Error(`import failed: ${r.error}`)
      shotByFrames.set(FRAMES[i]!, r.shot.id)
    }
    // Timeline: the first four clips; 36 and 39 wait in the library for the edits.
    await callCore(core, 'library.playlist.add', {
      channelId,
      shotIds: FRAMES.slice(0, 4).map((f) => shotByFrames.get(f)!)
    })
    core.bus.on('onair.clip', (e) => clipEvents.push(e))
    core.bus.on('onair.state', (e) => states.push(e))
  }, 180_000)

  afterAll(async () => {
    await viewer?.stop()
    await core?.close()
    tmp.cleanup()
  })

  async function playlist() {
    const p = await callCore(core, 'library.playlist.get', { channelId })
    for (const it of p.items) framesByItem.set(it.itemId, Math.round(((it.durationMs ?? 0) * FPS) / 1000))
    return p
  }

  /** Resolves at the next time the feeder reads the timeline (a clip is queued into the encoder). */
  function nextPick(after = Date.now()): Promise<ClipEvent> {
    return new Promise((resolve) => {
      const t = setInterval(() => {
        const e = clipEvents.find((x) => x.phase === 'queued' && x.at > after)
        if (e) {
          clearInterval(t)
          resolve(e)
        }
      }, 10)
    })
  }

  /** The item that airs after `itemId` in the current timeline (approved + ready, looping). */
  async function followerOf(itemId: number): Promise<number> {
    const items = (await playlist()).items.filter((i) => i.approved && i.status === 'ready')
    const at = items.findIndex((i) => i.itemId === itemId)
    return items[(at + 1) % items.length]!.itemId
  }

  it('airs ≥ 20 clip boundaries and ≥ 5 edits with no disconnect, monotonic DTS, no gap over two frames; each edit at the next boundary', async () => {
    const started = await callCore(core, 'onair.start', { channelId })
    expect(started.state).toBe('live')
    expect(started.rtmpUrl).toMatch(/^rtmp:\/\/127\.0\.0\.1:\d+\/live\/edits-test$/)
    expect(started.flvUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/live\/edits-test\.flv$/)
    rtmpUrl = started.rtmpUrl!
    viewer = startViewer(rtmpUrl)

    const expectations: Array<{ doneAt: number; expectItem: number | null; neverItem?: number; what: string }> = []
    const pickAfter = async (): Promise<ClipEvent> => nextPick()

    // 1. add a library shot right after the clip just queued → it airs next.
    let q = await pickAfter()
    let pl = await playlist()
    const qPos = pl.items.find((i) => i.itemId === q.clip.itemId)!.position
    pl = await callCore(core, 'library.playlist.add', {
      channelId,
      shotIds: [shotByFrames.get(36)!],
      atPosition: qPos + 1
    })
    const added36 = pl.items.find((i) => i.shotId === shotByFrames.get(36))!.itemId
    expectations.push({ doneAt: Date.now(), expectItem: added36, what: 'add' })
    await nextPick()
    await nextPick()

    // 2. move the item that would be played last to right after the clip just queued.
    q = await pickAfter()
    pl = await playlist()
    const order = pl.items.map((i) => i.itemId)
    const qIdx = order.indexOf(q.clip.itemId!)
    const last = order[(qIdx + order.length - 1) % order.length]!
    await callCore(core, 'library.playlist.move', {
      itemId: last,
      toPosition: qIdx + 1 > order.length - 1 ? 0 : qIdx + (qIdx < order.indexOf(last) ? 1 : 0)
    })
    expectations.push({ doneAt: Date.now(), expectItem: await followerOf(q.clip.itemId!), what: 'move' })
    await nextPick()
    await nextPick()

    // 3. unapprove the clip that would come next → skipped at the next boundary.
    q = await pickAfter()
    const wouldBe = await followerOf(q.clip.itemId!)
    const wouldBeShot =
      pl.items.find((i) => i.itemId === wouldBe)?.shotId ??
      (await playlist()).items.find((i) => i.itemId === wouldBe)!.shotId
    await callCore(core, 'library.shots.update', { id: wouldBeShot, approved: false })
    expectations.push({ doneAt: Date.now(), expectItem: await followerOf(q.clip.itemId!), what: 'unapprove' })
    await nextPick()
    await nextPick()

    // 4. remove the clip that would come next.
    q = await pickAfter()
    const toRemove = await followerOf(q.clip.itemId!)
    await callCore(core, 'library.playlist.remove', { itemIds: [toRemove] })
    expectations.push({
      doneAt: Date.now(),
      expectItem: await followerOf(q.clip.itemId!),
      neverItem: toRemove,
      what: 'remove'
    })
    await nextPick()
    await nextPick()

    // 5. from ANOTHER process: `webtv playlist add` puts the 39-frame shot first in line.
    //    The CLI takes a few seconds to start, so the check is: every pick after it
    //    finished follows the new timeline, and the new clip airs within one loop.
    const cli = await runWebtv(
      ['playlist', 'add', '--channel', 'Edits Test', '--at', '1', String(shotByFrames.get(39)!), '--data-dir', tmp.dir],
      {
        timeoutMs: 60_000
      }
    )
    expect(cli.code, cli.stderr).toBe(0)
    const cliDoneAt = Date.now()
    // 6. re-approve the unapproved shot right after the clip just queued.
    q = await pickAfter()
    await callCore(core, 'library.shots.update', { id: wouldBeShot, approved: true })
    expectations.push({ doneAt: Date.now(), expectItem: await followerOf(q.clip.itemId!), what: 're-approve' })

    // Keep airing until the viewer has seen at least 20 boundaries, a clip was picked after the last edit and
    // the loop came round to the other process's clip (on a busy machine the 20 boundaries can be behind us
    // already when the last edit is made).
    const lastEditAt = expectations.at(-1)!.doneAt
    const deadline = Date.now() + 60_000
    const is39 = (e: ClipEvent): boolean => e.clip.durationMs === Math.round((39 / FPS) * 1000)
    while (
      (keyframeIntervals(viewer.packets, FPS).length < 22 ||
        !clipEvents.some((e) => e.phase === 'queued' && e.at > lastEditAt) ||
        !clipEvents.some((e) => e.phase === 'queued' && e.at > cliDoneAt && is39(e))) &&
      Date.now() < deadline
    )
      await new Promise((r) => setTimeout(r, 250))

    const picks = clipEvents.filter((e) => e.phase === 'queued' || (e.phase === 'airing' && e === clipEvents[0]))
    // Each edit aired at the next boundary: the first pick after the edit is the expected clip.
    for (const ex of expectations) {
      const first = picks.find((p) => p.at > ex.doneAt)
      expect(first, ex.what).toBeDefined()
      if (ex.expectItem !== null) expect(first!.clip.itemId, `edit "${ex.what}"`).toBe(ex.expectItem)
      if (ex.neverItem !== undefined)
        expect(picks.filter((p) => p.at > ex.doneAt && p.clip.itemId === ex.neverItem)).toHaveLength(0)
    }
    // The other process's edit aired: the 39-frame clip was picked after the CLI finished.
    const p39 = picks.find((p) => p.at > cliDoneAt && p.clip.durationMs === Math.round((39 / FPS) * 1000))
    expect(p39, 'clip added by `webtv playlist add` from another process').toBeDefined()
    expect(picks.every((p) => !p.clip.slate)).toBe(true)

    // What the viewer saw: no disconnect, monotonic DTS, no gap over two frames.
    expect(viewer.alive).toBe(true)
    const v = dtsReport(viewer.packets, 'video')
    const a = dtsReport(viewer.packets, 'audio')
    expect(v.backwards).toBe(0)
    expect(a.backwards).toBe(0)
    expect(v.maxGap).toBeLessThanOrEqual(2 * FRAME_S + 0.002)
    expect(a.maxGap).toBeLessThanOrEqual(2 * FRAME_S + 0.002)
    // The viewer's clip sequence (keyframe spacing) is exactly the engine's picks, in order.
    const seen = keyframeIntervals(viewer.packets, FPS)
    expect(seen.length).toBeGreaterThanOrEqual(20)
    const picked = picks.map((p) => Math.round((p.clip.durationMs * FPS) / 1000))
    const body = seen.slice(1, -1) // the first GOP may be the server's cache, the last is still open
    const joined = picked.join(',')
    expect(joined.includes(body.join(',')), `viewer ${body.join(',')} vs picks ${joined}`).toBe(true)
    expect(expectations.length).toBeGreaterThanOrEqual(5)
  }, 150_000)

  it('reports the runway after the clip on air (what the autopilot tops up)', async () => {
    const engine = core.services.get(ONAIR)
    for (let tries = 0; tries < 20; tries++) {
      const before = (await callCore(core, 'onair.status', { channelId })).channels[0]!.now
      const items = (await playlist()).items.filter((i) => i.approved && i.status === 'ready')
      const runway = engine.runwaySeconds(channelId)
      const after = (await callCore(core, 'onair.status', { channelId })).channels[0]!.now
      if (!before || before.itemId !== after?.itemId || before.slate) continue // a boundary passed meanwhile: measure again
      const at = items.findIndex((i) => i.itemId === before.itemId)
      const expected = items.slice(at + 1).reduce((sum, i) => sum + (i.durationMs ?? 0) / 1000, 0)
      expect(runway).toBeCloseTo(expected, 3)
      return
    }
    throw new Error('could not observe a stable clip on air')
  })

  it('learns "next" from edits and clip boundaries: asking for the status does not re-read the timeline', async () => {
    const lib = core.services.get(LIBRARY)
    const real = lib.listPlaylist
    let reads = 0
    // Counts the timeline reads (the real read still happens).
    lib.listPlaylist = (id) => {
      reads++
      return real(id)
    }
    const queued = (): number => clipEvents.filter((e) => e.phase === 'queued').length
    try {
      const picksBefore = queued()
      for (let i = 0; i < 50; i++) await callCore(core, 'onair.status', { channelId })
      // The feeder reads once per pick, and "next" once after each boundary — never once per status (was 50).
      expect(reads).toBeLessThanOrEqual(2 * (queued() - picksBefore) + 2)

      // An edit is an event: "next" is read again once, however often the status is asked for after it.
      const last = (await playlist()).items.at(-1)!
      await callCore(core, 'library.playlist.move', { itemId: last.itemId, toPosition: last.position })
      reads = 0
      const picksAfterEdit = queued()
      for (let i = 0; i < 50; i++) await callCore(core, 'onair.status', { channelId })
      expect(reads).toBeLessThanOrEqual(2 * (queued() - picksAfterEdit) + 1)
    } finally {
      lib.listPlaylist = real
    }
  })

  it('restarts a killed playout ffmpeg and the local viewer keeps receiving, DTS still monotonic', async () => {
    const pid = engine.encoderPid(channelId)!
    expect(pid).toBeGreaterThan(0)
    const before = viewer.packets.length
    const killedAt = Date.now()
    process.kill(pid, 'SIGKILL')
    const deadline = Date.now() + 40_000
    while (
      Date.now() < deadline &&
      !(
        engine.encoderPid(channelId) &&
        engine.encoderPid(channelId) !== pid &&
        states.some((s) => s.at > killedAt && s.state === 'live' && s.destinationId === null)
      )
    )
      await new Promise((r) => setTimeout(r, 100))
    expect(states.some((s) => s.at > killedAt && s.state === 'reconnecting' && s.destinationId === null)).toBe(true)
    expect(states.some((s) => s.at > killedAt && s.state === 'live' && s.destinationId === null)).toBe(true)
    expect(isRunning(pid)).toBe(false)
    // The viewer receives the restarted encoder's pictures (as they arrive, however slowly on a busy machine).
    await expect
      .poll(() => viewer.packets.slice(before).filter((p) => p.at > killedAt + 1500).length, { timeout: 40_000 })
      .toBeGreaterThan(50)
    expect(viewer.alive).toBe(true)
    expect(dtsReport(viewer.packets, 'video').backwards).toBe(0)
    const status = await callCore(core, 'onair.status', { channelId })
    expect(status.channels[0]!.state).toBe('live')
  }, 120_000)

  it('skips, marks and reports an unreadable clip while the stream goes on', async () => {
    const pl = await playlist()
    const victim = pl.items.find((i) => i.approved && i.status === 'ready')!
    const shot = await callCore(core, 'library.shots.get', { id: victim.shotId })
    writeFileSync(join(tmp.dir, shot.tsPath!), 'this is not an MPEG-TS file '.repeat(100))
    const deadline = Date.now() + 30_000
    while (Date.now() < deadline && !clipEvents.some((e) => e.phase === 'skipped' && e.clip.itemId === victim.itemId))
      await new Promise((r) => setTimeout(r, 100))
    const skipped = clipEvents.find((e) => e.phase === 'skipped' && e.clip.itemId === victim.itemId)
    expect(skipped?.reason).toMatch(/MPEG-TS/)
    const marked = await callCore(core, 'library.shots.get', { id: victim.shotId })
    expect(marked.status).toBe('failed')
    const n = viewer.packets.length
    await expect.poll(() => viewer.packets.length, { timeout: 30_000 }).toBeGreaterThan(n)
    expect(viewer.alive).toBe(true)
  }, 90_000)

  it('refuses a second playout of a stream already on air: error state, no retry loop', async () => {
    // The engine's server lives in the media plane's thread: this is the same server class, here, with the
    // stream already published, as the channel's own playout publishes it there.
    const server = await LocalRtmpServer.start({
      bind: '127.0.0.1',
      rtmpPort: await freePort(),
      httpPort: await freePort(),
      log: () => {}
    })
    const live = { stream: 'twin-stream' }
    const first = server.openPublisher(live.stream)
    const ch = { id: channelId, name: 'twin', format: DEFAULT_HOUSE_FORMAT }
    const seen: string[] = []
    const playout = new ChannelPlayout({
      channel: ch,
      stream: live.stream,
      source: { getChannel: () => ch, airable: () => [], markUnplayable: () => {} },
      target: server,
      slatePath: () =>
        Promise.resolve(join(tmp.dir, 'onair', 'slates', readdirSync(join(tmp.dir, 'onair', 'slates'))[0]!)),
      log: () => {},
      onState: (c) => seen.push(c.to)
    })
    await expect(playout.start()).rejects.toThrow(/refused the publish.*already has a publisher/)
    await new Promise((r) => setTimeout(r, 2000))
    expect(seen).toEqual(['starting', 'error'])
    expect(playout.encoderPid).toBeUndefined()
    await playout.stop()
    first.close()
    await server.stop()
    expect((await callCore(core, 'onair.status', { channelId })).channels[0]!.state).toBe('live')
  }, 30_000)

  it('stops cleanly: relays, then playout; the channel is offline and no ffmpeg remains', async () => {
    const pid = engine.encoderPid(channelId)!
    const out = await callCore(core, 'onair.stop', { channelId })
    expect(out.state).toBe('offline')
    expect(engine.isOnAir(channelId)).toBe(false)
    expect(isRunning(pid)).toBe(false)
  }, 30_000)

  it('shares one start between two Go Live calls at once: one encoder, and stop leaves none', async () => {
    const [a, b] = await Promise.all([
      callCore(core, 'onair.start', { channelId }),
      callCore(core, 'onair.start', { channelId })
    ])
    expect(a.state).toBe('live')
    expect(b.state).toBe('live')
    const pid = engine.encoderPid(channelId)!
    // Every playout ffmpeg publishing this stream, as the OS sees them (an orphan would not be in the engine).
    const encoders = (): string[] =>
      execFileSync('ps', ['-eo', 'ppid=,args='], { encoding: 'utf8' })
        .split('\n')
        .map((l) => l.trim())
        .filter(
          (l) =>
            l.startsWith(`${process.pid} `) &&
            l.includes('ffmpeg') &&
            l.includes('-f mpegts -i pipe:0') &&
            l.includes('pipe:1')
        )
    expect(encoders()).toHaveLength(1)
    await callCore(core, 'onair.stop', { channelId })
    expect(isRunning(pid)).toBe(false)
    await expect.poll(() => encoders().length, { timeout: 10_000 }).toBe(0)
    expect(engine.isOnAir(channelId)).toBe(false)
  }, 60_000)
})
