import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Core } from '../../../src/main/core/core'
import { callCore, openCore } from '../../../src/main/cli/open-core'
import { DEFAULT_HOUSE_FORMAT } from '../../../src/shared/house-format'
import { makeHouseClip } from '../../../src/main/onair/slate'
import type { OnAirEngine } from '../../../src/main/onair/engine'
import { ONAIR } from '../../../src/main/services'
import { LocalRtmpServer } from '../../../src/main/onair/rtmp-server'
import { toolPath } from '../../../src/main/media/ffmpeg-path'
import type { EventPayload } from '../../../src/shared/contract'
import { tempDir } from '../../helpers/tmp'
import { freePort, isRunning, startViewer, type Viewer } from '../../fixtures/rtmp'
import { allProcessText, cmdlineOf } from '../../fixtures/procs'

/**
 * Issue 12, items 1 and 2: an outsider on the same machine (any local user) must
 * not be able to take a channel off air, read a publish credential, or put their
 * own picture on a channel — while it is live, right after its encoder died, or
 * while it is off air.
 */

interface Outsider {
  /** Resolves with the exit code and how long it ran. */
  done: Promise<{ code: number | null; ranMs: number }>
  kill(): void
}

/** An outsider's ffmpeg publishing a red picture to `url` for up to `seconds`. */
function outsiderPublish(url: string, seconds = 20): Outsider {
  const t0 = Date.now()
  const child = spawn(
    toolPath('ffmpeg'),
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-re',
      '-f',
      'lavfi',
      '-i',
      `color=red:size=160x96:rate=12:duration=${seconds}`,
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-g',
      '12',
      '-f',
      'flv',
      url
    ],
    { stdio: ['ignore', 'ignore', 'ignore'] }
  )
  return {
    done: new Promise((r) => child.on('exit', (code) => r({ code, ranMs: Date.now() - t0 }))),
    kill: () => child.kill('SIGKILL')
  }
}

describe('on air: publishing cannot be taken, poisoned or replayed by an outsider', () => {
  const tmp = tempDir()
  let core: Core
  let engine: OnAirEngine
  let channelId = 0
  let stream = ''
  let rtmpPort = 0
  const states: Array<EventPayload<'onair.state'>> = []
  const stats: Array<EventPayload<'onair.stats'>> = []
  let viewer: Viewer | null = null

  const waitLive = async (after: number, timeoutMs = 20_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (states.some((s) => s.destinationId === null && s.at > after && s.state === 'live')) return
      if (states.some((s) => s.destinationId === null && s.at > after && s.state === 'error')) break
      await new Promise((r) => setTimeout(r, 50))
    }
    throw new Error(`channel did not come back live: ${JSON.stringify(states.filter((s) => s.at > after))}`)
  }

  beforeAll(async () => {
    core = await openCore(tmp.dir)
    engine = core.services.get(ONAIR)
    rtmpPort = await freePort()
    await callCore(core, 'onair.settings.update', { rtmpPort, httpPort: await freePort() })
    const ch = await callCore(core, 'library.channels.create', { name: 'Guarded' })
    channelId = ch.id
    const clip = await makeHouseClip({
      format: DEFAULT_HOUSE_FORMAT,
      frames: 48,
      video: 'testsrc2',
      toneHz: 440,
      output: join(tmp.dir, 'a.ts')
    })
    const { results } = await callCore(core, 'library.import', { channelId, paths: [clip], approved: true })
    if (!results[0]!.ok) throw new Error(results[0]!.error)
    await callCore(core, 'library.playlist.add', { channelId, shotIds: [results[0]!.shot.id] })
    core.bus.on('onair.state', (e) => states.push(e))
    core.bus.on('onair.stats', (e) => stats.push(e))
    const st = await callCore(core, 'onair.start', { channelId })
    stream = st.stream
    viewer = startViewer(st.rtmpUrl!)
  }, 120_000)

  afterAll(async () => {
    await viewer?.stop()
    await core?.close()
    tmp.cleanup()
  })

  /** Each test starts from a live channel, whatever the one before it left. */
  const ensureLive = async (): Promise<void> => {
    const st = (await callCore(core, 'onair.status', { channelId })).channels[0]!
    if (st.state === 'live') return
    await callCore(core, 'onair.stop', { channelId })
    await callCore(core, 'onair.start', { channelId })
  }

  /** The URL an outsider would use: the stream's path, plus whatever the encoder's command line gives away. */
  const stolenUrl = (pid: number): string => {
    const fromPs = cmdlineOf(pid).find((a) => a.startsWith('rtmp://'))
    return fromPs ?? `rtmp://127.0.0.1:${rtmpPort}/live/${stream}`
  }

  it('item 2: no publish credential on any command line or in any environment while on air', () => {
    const pid = engine.encoderPid(channelId)!
    expect(pid).toBeGreaterThan(0)
    const leaks = allProcessText().filter((p) => /[?&]sign=\d+-[0-9a-f]{32}/.test(p.text))
    expect(leaks.map((l) => `${l.pid}: ${l.text.slice(0, 200)}`)).toEqual([])
    // The encoder names no publish destination at all (a viewer's play URL elsewhere is fine).
    expect(cmdlineOf(pid).join(' ')).not.toMatch(/rtmp:\/\/|\/live\//)
  })

  it("still reports the encoder's speed and bitrate (its progress now shares stderr with its warnings)", async () => {
    await expect.poll(() => stats.some((s) => s.speed > 0.5 && s.kbps > 0), { timeout: 15_000 }).toBe(true)
  })

  it('logs a freeze it could not avoid (the encoder starved for a second), naming its length', async () => {
    const pid = engine.encoderPid(channelId)!
    process.kill(pid, 'SIGSTOP')
    await new Promise((r) => setTimeout(r, 1200))
    process.kill(pid, 'SIGCONT')
    await expect
      .poll(() => readFileSync(engine.logFile, 'utf8'), { timeout: 30_000 })
      .toMatch(new RegExp(`stream ${stream}: no picture from the encoder for \\d{4} ms`))
  })

  it('item 1: a refused outside publish does not poison the channel: the next encoder restart goes live again', async () => {
    const attempt = outsiderPublish(
      `rtmp://127.0.0.1:${rtmpPort}/live/${stream}?sign=1-00000000000000000000000000000000`,
      10
    )
    const r = await attempt.done
    expect(r.code).not.toBe(0)
    expect(r.ranMs).toBeLessThan(8000)
    // An ordinary encoder restart (a crash, the OOM killer) must still come back.
    const pid = engine.encoderPid(channelId)!
    const killedAt = Date.now()
    process.kill(pid, 'SIGKILL')
    await waitLive(killedAt)
    expect(engine.encoderPid(channelId)).not.toBe(pid)
    const status = await callCore(core, 'onair.status', { channelId })
    expect(status.channels[0]!.state).toBe('live')
  }, 60_000)

  it('item 2: right after an encoder exit, an outsider with what `ps` showed cannot take the stream over', async () => {
    await ensureLive()
    const pid = engine.encoderPid(channelId)!
    const url = stolenUrl(pid)
    const killedAt = Date.now()
    process.kill(pid, 'SIGKILL')
    // The outsider races the restart (NMS keeps the stream for a grace window).
    const attempt = outsiderPublish(url, 20)
    const r = await attempt.done
    attempt.kill()
    expect(r.code, 'the outsider was accepted as the publisher').not.toBe(0)
    expect(r.ranMs).toBeLessThan(8000)
    await waitLive(killedAt)
    // The viewer kept receiving the channel (no outsider took the slot meanwhile).
    const n = viewer!.packets.length
    await expect.poll(() => viewer!.packets.length, { timeout: 30_000 }).toBeGreaterThan(n)
  }, 60_000)

  it('item 2: the server refuses a second publisher on a live stream name', async () => {
    await ensureLive()
    // The engine's server runs in the media plane's thread, where only the channel's own playout
    // publishes: the same server class here, with the stream published once, refuses a second.
    const server = await LocalRtmpServer.start({
      bind: '127.0.0.1',
      rtmpPort: await freePort(),
      httpPort: await freePort(),
      log: () => {}
    })
    try {
      const first = server.openPublisher(stream)
      expect(() => server.openPublisher(stream)).toThrow(/already has a publisher/)
      first.close()
    } finally {
      await server.stop()
    }
    // The channel is untouched.
    expect(engine.isOnAir(channelId)).toBe(true)
  })

  it('item 2: while the channel is off air, nothing an outsider saw lets them publish on its name', async () => {
    await ensureLive()
    const pid = engine.encoderPid(channelId)!
    const url = stolenUrl(pid)
    await callCore(core, 'onair.stop', { channelId })
    expect(isRunning(pid)).toBe(false)
    const attempt = outsiderPublish(url, 20)
    const r = await attempt.done
    attempt.kill()
    expect(r.code, 'the outsider published on an off-air channel').not.toBe(0)
    expect(r.ranMs).toBeLessThan(8000)
    // And going live again works as usual.
    const st = await callCore(core, 'onair.start', { channelId })
    expect(st.state).toBe('live')
  }, 60_000)
})
