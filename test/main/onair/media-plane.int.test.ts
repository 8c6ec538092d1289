import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Core } from '../../../src/main/core/core'
import { callCore, openCore } from '../../../src/main/cli/open-core'
import { DEFAULT_HOUSE_FORMAT } from '../../../src/shared/house-format'
import { makeHouseClip } from '../../../src/main/onair/slate'
import type { OnAirEngine } from '../../../src/main/onair/engine'
import type { EventPayload } from '../../../src/shared/contract'
import { ONAIR } from '../../../src/main/services'
import { startStudioServer, type StudioServer } from '../../../src/main/server/studio-server'
import { tempDir } from '../../helpers/tmp'
import { until } from '../../helpers/until'
import { freePort, isRunning, startRemoteIngest, type RemoteIngest } from '../../fixtures/rtmp'
import { airReport, startAirViewer, type AirViewer } from '../../fixtures/air-viewer'

const FRAME_S = 1 / DEFAULT_HOUSE_FORMAT.fps
const STALL_MS = 2000
const KEY = 'stall-relay-key-5d0c'

/** What a synchronous task or a long GC does to the studio's main loop. */
function blockMainLoop(ms: number): { from: number; to: number } {
  const from = Date.now()
  while (Date.now() - from < ms) {
    /* busy: nothing else on this loop runs */
  }
  return { from, to: Date.now() }
}

/**
 * Running, not a zombie: a process started from a worker thread that died is never reaped
 * (the thread's event loop, which would have waited for it, is gone) until the studio exits.
 */
function runs(pid: number): boolean {
  if (!isRunning(pid)) return false
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] !== 'Z'
  } catch {
    return process.platform !== 'linux'
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

/**
 * Issue 22 item 1: the media plane (local server, playouts, feeders) runs in a worker
 * thread, so the studio's main loop can stall without a viewer noticing; and if the
 * media plane dies, it comes back by itself with the channel.
 */
describe('on air: the media plane is off the main loop', () => {
  const tmp = tempDir()
  let core: Core
  let engine: OnAirEngine
  let channelId = 0
  let remote: RemoteIngest
  let studio: StudioServer
  const viewers: AirViewer[] = []
  const clips: Array<EventPayload<'onair.clip'>> = []
  const states: Array<EventPayload<'onair.state'>> = []

  beforeAll(async () => {
    core = await openCore(tmp.dir)
    engine = core.services.get(ONAIR)
    core.bus.on('onair.clip', (e) => clips.push(e))
    core.bus.on('onair.state', (e) => states.push(e))
    await callCore(core, 'onair.settings.update', { rtmpPort: await freePort(), httpPort: await freePort() })
    channelId = (await callCore(core, 'library.channels.create', { name: 'Stall Air' })).id
    const paths = await Promise.all(
      [24, 30, 36, 42, 20].map((frames, i) =>
        makeHouseClip({
          format: DEFAULT_HOUSE_FORMAT,
          frames,
          video: 'testsrc2',
          toneHz: 300 + 100 * i,
          output: join(tmp.dir, `c${i}.ts`)
        })
      )
    )
    // The last clip is imported now and put on the timeline later (the edit during the outage).
    const { results } = await callCore(core, 'library.import', { channelId, paths, approved: true })
    const shotIds = results.map((r) => {
      if (!r.ok) throw new Error(r.error)
      return r.shot.id
    })
    await callCore(core, 'library.playlist.add', { channelId, shotIds: shotIds.slice(0, 4) })
    lateShot = shotIds[4]!
    // The studio's own server, for the watch page's stream (its /live/ route).
    studio = await startStudioServer({ core, rendererDir: tmp.dir, port: 0 })
    remote = await startRemoteIngest({ requiredKey: KEY })
    await callCore(core, 'onair.destinations.add', {
      channelId,
      kind: 'rtmp',
      name: 'Local ingest',
      url: remote.url(KEY)
    })
  }, 240_000)
  let lateShot = 0

  afterAll(async () => {
    await Promise.all(viewers.map((v) => v.stop()))
    await studio?.close()
    await core?.close()
    await remote?.kill()
    tmp.cleanup()
  })

  /** Waits until the viewer has had live packets for 2 s (its first ones are the server's GOP cache). */
  async function settled(v: AirViewer): Promise<void> {
    await until(
      'the viewer receiving live packets',
      () => {
        const first = v.packets[0]?.at
        return first !== undefined && v.packets.some((p) => p.at > first + 2000)
      },
      60_000
    )
  }

  it('two 2 s main-loop stalls: RTMP, HTTP-FLV, watch-page and relayed viewers see no freeze over 0.2 s nor a hole over two frames; the relay keeps publishing', async () => {
    const st = await callCore(core, 'onair.start', { channelId })
    await remote.waitFor(new RegExp(`PUBLISH /app/${KEY}`), 30_000)
    const flv = startAirViewer(st.flvUrl!, { stampOutside: true })
    const rtmp = startAirViewer(st.rtmpUrl!, { stampOutside: true })
    const relayed = startAirViewer(`http://127.0.0.1:${remote.httpPort}/app/${KEY}.flv`, { stampOutside: true })
    // The watch page's player: the stream path its channel list gives, on the studio's own port.
    const listed = (await (await fetch(`${studio.baseUrl}/api/public/channels`)).json()) as Array<{ flvPath: string }>
    expect(listed).toHaveLength(1)
    const watch = startAirViewer(`${studio.baseUrl}${listed[0]!.flvPath}`, { stampOutside: true })
    viewers.push(flv, rtmp, relayed, watch)
    await Promise.all([settled(flv), settled(rtmp), settled(relayed), settled(watch)])
    const relayPid = engine.observe()[0]!.destinations[0]!.pid
    const from = Date.now()
    await sleep(1500)
    const stalls = [blockMainLoop(STALL_MS)]
    await sleep(3000)
    stalls.push(blockMainLoop(STALL_MS))
    await sleep(3000)
    // A freeze the stall caused shows on the first picture after it (or during it).
    const during = (atMs: number): boolean => stalls.some((s) => from + atMs >= s.from && from + atMs <= s.to + 1000)
    const report = (v: AirViewer): { r: ReturnType<typeof airReport>; stallFreezeS: number } => {
      const r = airReport(v.packets, from)
      return { r, stallFreezeS: Math.max(0, ...r.stalls.filter((s) => during(s.atMs)).map((s) => s.s)) }
    }
    const a = report(flv)
    const b = report(rtmp)
    const c = report(relayed)
    const w = report(watch)
    console.log(
      `[media plane] stalls ${stalls.map((s) => s.to - s.from).join(' + ')} ms on the main loop: ` +
        `HTTP-FLV freeze max ${a.r.freezeMaxS.toFixed(3)} s (at the stalls ${a.stallFreezeS.toFixed(3)} s), ` +
        `RTMP ${b.r.freezeMaxS.toFixed(3)} s (${b.stallFreezeS.toFixed(3)} s), ` +
        `watch page ${w.r.freezeMaxS.toFixed(3)} s (${w.stallFreezeS.toFixed(3)} s), relayed ${c.r.freezeMaxS.toFixed(3)} s (${c.stallFreezeS.toFixed(3)} s); ` +
        `holes video ${a.r.videoGapMaxS.toFixed(3)}/${b.r.videoGapMaxS.toFixed(3)} s, audio ${a.r.audioGapMaxS.toFixed(3)}/${b.r.audioGapMaxS.toFixed(3)} s`
    )
    for (const [name, { r, stallFreezeS }] of [
      ['HTTP-FLV', a],
      ['RTMP', b],
      ['relayed', c],
      ['watch page', w]
    ] as const) {
      expect(r.mediaS, name).toBeGreaterThan(8)
      expect(r.backwards, name).toBe(0)
      expect(stallFreezeS, `${name} froze at a main-loop stall: ${JSON.stringify(r.stalls)}`).toBeLessThanOrEqual(0.2)
      expect(r.videoGapMaxS, name).toBeLessThanOrEqual(2 * FRAME_S + 0.002)
      expect(r.audioGapMaxS, name).toBeLessThanOrEqual(2 * FRAME_S + 0.002)
    }
    expect(flv.alive && rtmp.alive && watch.alive).toBe(true)
    // The relay was not cut: same ffmpeg, one publish at the ingest, the relayed stream still flowing.
    expect(engine.observe()[0]!.destinations[0]!.pid).toBe(relayPid)
    expect(engine.observe()[0]!.destinations[0]!.state).toBe('live')
    expect(remote.events.filter((e) => e.startsWith('UNPUBLISH'))).toEqual([])
    expect(remote.events.filter((e) => e.startsWith('PUBLISH'))).toHaveLength(1)
    const n = relayed.packets.length
    await until('relayed packets after the stalls', () => relayed.packets.length > n + 25, 10_000)
    expect(relayed.alive).toBe(true)
    await Promise.all([flv.stop(), rtmp.stop(), relayed.stop(), watch.stop()])
  }, 180_000)

  it('the media plane dies mid-air: it comes back with the channel by itself, viewers get it again, an edit made meanwhile airs', async () => {
    if (!engine.isOnAir(channelId)) await callCore(core, 'onair.start', { channelId })
    expect(engine.mediaPlane.host).toBe('worker')
    const st = await callCore(core, 'onair.status', { channelId })
    const oldPid = engine.encoderPid(channelId)!
    expect(oldPid).toBeGreaterThan(0)
    const restartsBefore = engine.mediaPlane.restarts
    const statesBefore = states.length
    // A viewer that reconnects by itself, as a player does.
    let current = startAirViewer(st.channels[0]!.flvUrl!)
    let reconnects = 0
    let stopped = false
    const loop = (async () => {
      while (!stopped) {
        await current.exited
        if (stopped) break
        reconnects += 1
        await sleep(300)
        current = startAirViewer(st.channels[0]!.flvUrl!)
      }
    })()
    await settled(current)

    await engine.mediaPlane.kill()
    const killedAt = Date.now()
    // The edit, while the media plane is down: the fifth clip goes on the timeline.
    await callCore(core, 'library.playlist.add', { channelId, shotIds: [lateShot] })
    const pl = await callCore(core, 'library.playlist.get', { channelId })
    const lateItem = pl.items.find((i) => i.shotId === lateShot)!

    await until('a restart', () => engine.mediaPlane.restarts > restartsBefore, 30_000)
    await until(
      'the channel live again',
      () => states.slice(statesBefore).some((s) => s.destinationId === null && s.state === 'live'),
      60_000
    )
    const changes = states.slice(statesBefore).filter((s) => s.destinationId === null)
    expect(changes.map((s) => s.state)).toContain('reconnecting')
    expect(engine.isOnAir(channelId)).toBe(true)
    expect(engine.encoderPid(channelId)).not.toBe(oldPid)
    // The old encoder ended with the thread that fed it: nothing is left behind.
    await until('the old playout ffmpeg to exit', () => !runs(oldPid), 15_000)
    // The edit airs after the outage.
    await until(
      'the clip added during the outage on air',
      () => clips.some((c) => c.phase === 'airing' && c.clip.itemId === lateItem.itemId && c.at > killedAt),
      60_000
    )
    // The viewer reconnected by itself and receives the channel again.
    await until('the viewer to reconnect', () => reconnects > 0, 30_000)
    const viewer = current
    await until('packets after the reconnect', () => viewer.packets.length > 50, 30_000)
    expect((await callCore(core, 'onair.status', { channelId })).channels[0]!.state).toBe('live')
    stopped = true
    await current.stop()
    await loop
    const beforeStop = states.length
    await callCore(core, 'onair.stop', { channelId })
    expect(engine.isOnAir(channelId)).toBe(false)
    // The media plane's last word reaches the bus (outputs and the library follow it).
    expect(
      states
        .slice(beforeStop)
        .filter((s) => s.destinationId === null)
        .map((s) => s.state)
    ).toEqual(['stopping', 'offline'])
  }, 180_000)
})
