import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Core } from '../../../src/main/core/core'
import { callCore, openCore } from '../../../src/main/cli/open-core'
import { DEFAULT_HOUSE_FORMAT } from '../../../src/shared/house-format'
import { makeHouseClip } from '../../../src/main/onair/slate'
import type { OnAirEngine } from '../../../src/main/onair/engine'
import { StudioError, type EventPayload } from '../../../src/shared/contract'
import { DestinationRelay } from '../../../src/main/onair/relay'
import type { StateChange } from '../../../src/main/onair/state'
import { tempDir } from '../../helpers/tmp'
import { spawnWebtv } from '../../helpers/cli'
import { freePort, isRunning, startRemoteIngest, type RemoteIngest } from '../../fixtures/rtmp'
import { ONAIR } from '../../../src/main/services'

const GOOD_KEY = 'live_good_4f2a9c7e1b'
const WRONG_KEY = 'live_wrong_8d3b6a0f55'

describe('on air: destinations (copy relays to a second local RTMP server)', () => {
  const tmp = tempDir()
  let core: Core
  let engine: OnAirEngine
  let channelId = 0
  let remote: RemoteIngest
  const events: Array<{ name: string; payload: unknown }> = []
  const states: Array<EventPayload<'onair.state'>> = []

  const waitState = async (destId: string, state: string, after: number, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const hit = states.find((s) => s.destinationId === destId && s.state === state && s.at >= after)
      if (hit) return hit
      if (Date.now() > deadline)
        throw new Error(
          `destination ${destId} never reached ${state}: ${JSON.stringify(states.filter((s) => s.destinationId === destId))}`
        )
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  beforeAll(async () => {
    core = await openCore(tmp.dir)
    engine = core.services.get(ONAIR)
    core.bus.onAny((name, payload) => events.push({ name, payload }))
    core.bus.on('onair.state', (e) => states.push(e))
    await callCore(core, 'onair.settings.update', { rtmpPort: await freePort(), httpPort: await freePort() })
    const ch = await callCore(core, 'library.channels.create', { name: 'Relay Test' })
    channelId = ch.id
    const clip = await makeHouseClip({
      format: DEFAULT_HOUSE_FORMAT,
      frames: 48,
      video: 'testsrc2',
      toneHz: 440,
      output: join(tmp.dir, 'a.ts')
    })
    const { results } = await callCore(core, 'library.import', { channelId, paths: [clip], approved: true })
    const shot = results[0]!
    if (!shot.ok) throw new Error(shot.error)
    await callCore(core, 'library.playlist.add', { channelId, shotIds: [shot.shot.id] })
    remote = await startRemoteIngest({ requiredKey: GOOD_KEY })
  }, 120_000)

  afterAll(async () => {
    await core?.close()
    await remote?.kill()
    tmp.cleanup()
  })

  it('refuses a malformed URL with a clear error naming the field, storing nothing', async () => {
    const before = (await callCore(core, 'onair.destinations.list', { channelId })).destinations.length
    for (const [url, why] of [
      ['ftp://example.invalid/app/key', /only rtmp:\/\/ and rtmps:\/\//],
      ['rtmp://host only/app', /spaces/],
      ['rtmp://127.0.0.1:70000/app/k', /port 70000/],
      ['rtmp://127.0.0.1:1935', /application path/]
    ] as const) {
      const err = await callCore(core, 'onair.destinations.add', { channelId, kind: 'rtmp', url }).catch(
        (e: unknown) => e
      )
      expect(err).toBeInstanceOf(StudioError)
      expect((err as StudioError).code).toBe('invalid_input')
      expect((err as StudioError).field).toBe('url')
      expect((err as StudioError).message).toMatch(why)
    }
    expect((await callCore(core, 'onair.destinations.list', { channelId })).destinations.length).toBe(before)
  })

  it('relays live, reconnects with 2 s ×1.5 backoff when the remote dies and comes back; a rejected key errors once, no loop', async () => {
    const good = await callCore(core, 'onair.destinations.add', {
      channelId,
      kind: 'rtmp',
      name: 'Remote',
      url: remote.url(GOOD_KEY)
    })
    expect(good.keyMasked).toBe('••••••••7e1b')
    expect(good.target).toBe(`rtmp://127.0.0.1:${remote.rtmpPort}/app`)
    const bad = await callCore(core, 'onair.destinations.add', {
      channelId,
      kind: 'rtmp',
      name: 'Wrong key',
      url: `rtmp://127.0.0.1:${remote.rtmpPort}/app`
    })
    await callCore(core, 'onair.destinations.setKey', { id: bad.id, key: WRONG_KEY })

    const t0 = Date.now()
    await callCore(core, 'onair.start', { channelId })
    await waitState(good.id, 'live', t0)
    await remote.waitFor(new RegExp(`PUBLISH /app/${GOOD_KEY}`))
    const err = await waitState(bad.id, 'error', t0)
    expect(err.message).toMatch(/stream key/)
    // No retry loop: after 7 s (beyond two backoff steps) the remote saw one refused attempt.
    await new Promise((r) => setTimeout(r, 7000))
    expect(remote.events.filter((e) => e.startsWith('REFUSED'))).toHaveLength(1)
    expect(states.filter((s) => s.destinationId === bad.id).map((s) => s.state)).toEqual(['starting', 'error'])

    // The remote ingest dies: the relay retries at 2 s, then 3 s, … until it is back.
    const killedAt = Date.now()
    await remote.kill()
    const r1 = await waitState(good.id, 'reconnecting', killedAt)
    expect(r1.attempt).toBe(1)
    // The event is stamped when emitted, a moment after the retry time was set: a few ms
    // of slack below (a busy machine), the backoff's own spread (+5 %) above.
    expect(r1.nextRetryAt! - r1.at).toBeGreaterThanOrEqual(2000 - 50)
    expect(r1.nextRetryAt! - r1.at).toBeLessThanOrEqual(2100 + 50)
    const r2 = await waitState(good.id, 'reconnecting', r1.at + 1)
    expect(r2.attempt).toBe(2)
    expect(r2.nextRetryAt! - r2.at).toBeGreaterThanOrEqual(3000 - 50)
    expect(r2.nextRetryAt! - r2.at).toBeLessThanOrEqual(3150 + 50)
    await remote.restart()
    const back = await waitState(good.id, 'live', r2.at + 1, 20_000)
    expect(back.at).toBeGreaterThan(r2.at)
    expect(remote.events.filter((e) => e.startsWith(`PUBLISH /app/${GOOD_KEY}`)).length).toBeGreaterThanOrEqual(2)
    // The local channel never noticed.
    const liveAt = states.find((s) => s.destinationId === null && s.at >= t0 && s.state === 'live')!.at
    const noticed = states.filter((s) => s.destinationId === null && s.at > liveAt && s.state !== 'live')
    expect(noticed, JSON.stringify(noticed)).toHaveLength(0)

    // Retry now on the errored destination makes exactly one more attempt.
    const retryAt = Date.now()
    await callCore(core, 'onair.destinations.retryNow', { id: bad.id })
    await waitState(bad.id, 'error', retryAt)
    await remote.waitFor(/REFUSED/)
    const list = await callCore(core, 'onair.destinations.list', { channelId })
    expect(list.destinations.find((d) => d.id === good.id)!.state).toBe('live')
    expect(list.destinations.find((d) => d.id === bad.id)!.state).toBe('error')
  }, 120_000)

  it('keeps trying a destination that cannot be reached yet (ingest down at Go Live), and goes live when it comes up', async () => {
    const port = await freePort()
    const later = await callCore(core, 'onair.destinations.add', {
      channelId,
      kind: 'rtmp',
      name: 'Later',
      url: `rtmp://127.0.0.1:${port}/app/${GOOD_KEY}`,
      enabled: false
    })
    const t0 = Date.now()
    await callCore(core, 'onair.destinations.update', { id: later.id, enabled: true }) // the channel is on air: starts now
    const r1 = await waitState(later.id, 'reconnecting', t0)
    expect(r1.attempt).toBe(1)
    const r2 = await waitState(later.id, 'reconnecting', r1.at + 1)
    expect(r2.attempt).toBe(2)
    expect(states.some((s) => s.destinationId === later.id && s.state === 'error')).toBe(false)
    const late = await startRemoteIngest({ requiredKey: GOOD_KEY, rtmpPort: port })
    try {
      await waitState(later.id, 'live', r2.at + 1, 40_000)
      await late.waitFor(new RegExp(`PUBLISH /app/${GOOD_KEY}`))
    } finally {
      await callCore(core, 'onair.destinations.remove', { id: later.id })
      await late.kill()
    }
  }, 90_000)

  it('reconnects cleanly on schedule before a session limit (Twitch ends a broadcast at 48 h)', async () => {
    const PLANNED_KEY = 'live_planned_0a1b2c3d4e'
    const ingest = await startRemoteIngest({ requiredKey: PLANNED_KEY })
    const info = engine.serverInfo()
    const changes: StateChange[] = []
    // Same relay as a Twitch destination, with the 47.5 h timer shortened to 4 s.
    const relay = new DestinationRelay({
      id: 'planned',
      name: 'Planned',
      destinationUrl: async () => ingest.url(PLANNED_KEY),
      sourceFlvUrl: `http://127.0.0.1:${info.httpPort}/live/relay-test.flv?relay=planned`,
      log: () => undefined,
      onState: (c) => changes.push(c),
      plannedReconnectMs: 4000,
      confirmMs: 1000
    })
    try {
      relay.start()
      await expect
        .poll(() => changes.filter((c) => c.to === 'live').length, { timeout: 30_000 })
        .toBeGreaterThanOrEqual(2)
      const planned = changes.find((c) => c.to === 'reconnecting')!
      expect(planned.message).toMatch(/planned reconnect/)
      expect(changes.some((c) => c.to === 'error')).toBe(false)
      // The ingest saw the session end and a new one start, with no refusal between.
      expect(ingest.events.filter((e) => e.startsWith(`PUBLISH /app/${PLANNED_KEY}`)).length).toBeGreaterThanOrEqual(2)
      expect(ingest.events.some((e) => e.startsWith('REFUSED'))).toBe(false)
    } finally {
      await relay.stop()
      await ingest.kill()
    }
  }, 60_000)

  it('a relay killed before it was confirmed live reconnects; only the ingest closing on it reads as a refused key', async () => {
    const KILL_KEY = 'live_killed_5e6f7a8b9c'
    const ingest = await startRemoteIngest({ requiredKey: KILL_KEY })
    const info = engine.serverInfo()
    const changes: StateChange[] = []
    const relay = new DestinationRelay({
      id: 'killed',
      name: 'Killed',
      destinationUrl: async () => ingest.url(KILL_KEY),
      sourceFlvUrl: `http://127.0.0.1:${info.httpPort}/live/relay-test.flv?relay=killed`,
      log: () => undefined,
      onState: (c) => changes.push(c),
      // Still inside the confirmation window when it is killed.
      confirmMs: 60_000
    })
    try {
      relay.start()
      await ingest.waitFor(new RegExp(`^PUBLISH /app/${KILL_KEY}`))
      // Media flowing: ffmpeg's progress counts more bytes out than the FLV header and metadata
      // (so packets went out), the connection was accepted — short of the confirmation, not live yet.
      await expect.poll(() => relay.stats().bytes, { timeout: 30_000 }).toBeGreaterThan(10_000)
      expect(changes.some((c) => c.to === 'live')).toBe(false)
      const first = relay.pid!
      process.kill(first, 'SIGKILL')
      await expect.poll(() => changes.some((c) => c.to === 'reconnecting'), { timeout: 20_000 }).toBe(true)
      // It comes back: a second publish from a new ffmpeg, and no error on the way.
      await expect
        .poll(() => ingest.events.filter((e) => e.startsWith(`PUBLISH /app/${KILL_KEY}`)).length, { timeout: 30_000 })
        .toBeGreaterThanOrEqual(2)
      expect(relay.pid).not.toBe(first)
      expect(changes.some((c) => c.to === 'error')).toBe(false)
    } finally {
      await relay.stop()
      await ingest.kill()
    }
  }, 60_000)

  it('never lets a key or the publish secret reach the log, events, status or errors', async () => {
    const secrets = JSON.parse(readFileSync(join(tmp.dir, 'secrets.json'), 'utf8')) as Record<string, { v: string }>
    // Encoders publish in-process: no publish secret is stored any more.
    expect(secrets['onair.publishSecret']).toBeUndefined()
    const log = readFileSync(engine.logFile, 'utf8')
    // ffmpeg did print what went wrong for the failing relay (its URL is the local tunnel's, keyless).
    expect(log).toMatch(/\[dest Wrong key\] ffmpeg: /)
    const everything = [
      log,
      JSON.stringify(events),
      JSON.stringify(await callCore(core, 'onair.status', {})),
      JSON.stringify(await callCore(core, 'onair.destinations.list', { channelId }))
    ].join('\n')
    for (const s of [GOOD_KEY, WRONG_KEY]) expect(everything.includes(s), s).toBe(false)
    expect(everything).not.toMatch(/sign=\d+-[0-9a-f]{32}/)
    await callCore(core, 'onair.stop', { channelId })
  }, 30_000)

  it('leaves no ffmpeg behind when the `webtv air` process is SIGKILLed', async () => {
    const rtmpPort = await freePort()
    const child = spawnWebtv(
      [
        'air',
        '--channel',
        'Relay Test',
        '--to',
        remote.url(GOOD_KEY),
        '--rtmp-port',
        String(rtmpPort),
        '--flv-port',
        String(await freePort()),
        '--data-dir',
        tmp.dir
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] }
    )
    let out = ''
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
    const deadline = Date.now() + 100_000
    // The playout and relay ffmpegs under the `webtv air` process (their command lines name no stream or key).
    const ffmpegs = (): Array<{ pid: number; ppid: number }> => {
      const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' })
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .filter((f) => f.length >= 3)
        .map(([pid, ppid, ...args]) => ({ pid: Number(pid), ppid: Number(ppid), args: args.join(' ') }))
      const parentOf = new Map(rows.map((r) => [r.pid, r.ppid]))
      const under = (pid: number): boolean => {
        for (let p = parentOf.get(pid), hops = 0; p && hops < 16; p = parentOf.get(p), hops++)
          if (p === child.pid) return true
        return false
      }
      return rows.filter((r) => /ffmpeg/.test(r.args) && under(r.pid)).map(({ pid, ppid }) => ({ pid, ppid }))
    }
    let procs: Array<{ pid: number; ppid: number }> = []
    while (Date.now() < deadline) {
      procs = ffmpegs()
      // Its URLs are printed once Go Live returns, which can come after the 'live' state line.
      if (procs.length >= 2 && /Relay Test: live/.test(out) && /RTMP: /.test(out)) break
      await new Promise((r) => setTimeout(r, 200))
    }
    expect(out).toMatch(/RTMP: +rtmp:\/\/127\.0\.0\.1:\d+\/live\/relay-test/)
    expect(procs.length, out).toBeGreaterThanOrEqual(2) // playout + relays
    const parent = procs[0]!.ppid
    expect(procs.every((p) => p.ppid === parent)).toBe(true)
    process.kill(parent, 'SIGKILL')
    const gone = Date.now() + 10_000
    while (Date.now() < gone && procs.some((p) => isRunning(p.pid))) await new Promise((r) => setTimeout(r, 100))
    expect(procs.filter((p) => isRunning(p.pid))).toEqual([])
    child.kill('SIGKILL')
  }, 150_000)
})
