import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import type { Core } from '../../../src/main/core/core'
import { callCore, openCore } from '../../../src/main/cli/open-core'
import { DEFAULT_HOUSE_FORMAT } from '../../../src/shared/house-format'
import { makeHouseClip } from '../../../src/main/onair/slate'
import type { OnAirEngine } from '../../../src/main/onair/engine'
import { ONAIR } from '../../../src/main/services'
import { tempDir } from '../../helpers/tmp'
import { freePort, startRemoteIngest, type RemoteIngest } from '../../fixtures/rtmp'
import { allProcessText } from '../../fixtures/procs'
import { startSrtIngest } from '../../fixtures/srt-ingest'
import { ffmpegHasSrt } from '../../../src/main/onair/presets'

/** A relay's ffmpeg: it reads the local HTTP-FLV (tagged ?relay=) itself. */
const RELAY_INPUT = /-f flv -i http:\/\/127\.0\.0\.1:\d+\/live\/\S+\?relay=/

/**
 * Issue 12 item 3: while relays run and reconnect, no destination key is in any
 * process's command line or environment (what `ps` and /proc show every local
 * user). The key is long (like Facebook's) so the RTMP publish command spans two
 * chunks, and carries a query string (like Twitch's ?bandwidthtest=true).
 */
const LONG_KEY = 'FB-' + 'a1B2c3D4e5'.repeat(14) + '_zz'
const SHORT_KEY = 'live_9f8e7d6c5b4a'
/** An SRT access-control streamid, as SRT platforms hand them out: '#', ':', '/', ',' and '=' included. */
const SRT_KEY = '#!::r=live/srt_5f4e3d2c1b0a9988,m=publish'

describe('on air: destination keys stay inside the studio process', () => {
  const tmp = tempDir()
  let core: Core
  let engine: OnAirEngine
  let channelId = 0
  let remoteLong: RemoteIngest
  let remoteShort: RemoteIngest

  beforeAll(async () => {
    core = await openCore(tmp.dir)
    engine = core.services.get(ONAIR)
    await callCore(core, 'onair.settings.update', { rtmpPort: await freePort(), httpPort: await freePort() })
    const ch = await callCore(core, 'library.channels.create', { name: 'Keys' })
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
    remoteLong = await startRemoteIngest({ requiredKey: LONG_KEY })
    remoteShort = await startRemoteIngest({ requiredKey: SHORT_KEY })
  }, 120_000)

  afterAll(async () => {
    await core?.close()
    await remoteLong?.kill()
    await remoteShort?.kill()
    tmp.cleanup()
  })

  it('no key in any command line or environment while relays run, are killed and reconnect', async () => {
    await callCore(core, 'onair.destinations.add', {
      channelId,
      kind: 'rtmp',
      name: 'Long',
      url: remoteLong.url(LONG_KEY)
    })
    const short = await callCore(core, 'onair.destinations.add', {
      channelId,
      kind: 'rtmp',
      name: 'Short',
      url: `${remoteShort.url(SHORT_KEY)}?bandwidthtest=true`
    })
    const keys = [LONG_KEY, SHORT_KEY]
    const hits: string[] = []
    let samples = 0
    let relaysSeen = 0
    const sample = (): void => {
      samples += 1
      const procs = allProcessText().filter((p) => !p.text.includes('rtmp-remote.cjs')) // the stand-in ingests are not the studio
      if (procs.some((p) => /ffmpeg/.test(p.text) && RELAY_INPUT.test(p.text))) relaysSeen += 1
      for (const p of procs)
        for (const k of keys) if (p.text.includes(k)) hits.push(`${p.pid}: ${p.text.slice(0, 300)}`)
    }
    const sampler = setInterval(sample, 50)
    try {
      await callCore(core, 'onair.start', { channelId })
      await remoteLong.waitFor(new RegExp(`PUBLISH /app/${LONG_KEY}`))
      await remoteShort.waitFor(new RegExp(`PUBLISH /app/${SHORT_KEY}`))
      // Both confirmed live (a drop before that would count as a refused key, not be retried).
      await expect
        .poll(
          async () =>
            (await callCore(core, 'onair.destinations.list', { channelId })).destinations.map((d) => d.state).join(','),
          {
            timeout: 40_000,
            interval: 250
          }
        )
        .toBe('live,live')
      expect(hits.slice(0, 3)).toEqual([])
      // A relay ffmpeg dies (crash, OOM): it reconnects.
      const pid = engine.relayPid(channelId, short.id)!
      expect(pid).toBeGreaterThan(0)
      const before = remoteShort.events.filter((e) => e.startsWith('PUBLISH')).length
      process.kill(pid, 'SIGKILL')
      await expect
        .poll(() => remoteShort.events.filter((e) => e.startsWith('PUBLISH')).length, {
          timeout: 20_000,
          interval: 100
        })
        .toBeGreaterThan(before)
      // The ingest goes away and comes back: the relay reconnects.
      const beforeLong = remoteLong.events.filter((e) => e.startsWith('PUBLISH')).length
      await remoteLong.kill()
      // The relay noticed (it says so), then the ingest comes back.
      await expect
        .poll(
          async () =>
            (await callCore(core, 'onair.destinations.list', { channelId })).destinations.find((d) => d.name === 'Long')
              ?.state,
          { timeout: 30_000, interval: 100 }
        )
        .toBe('reconnecting')
      await remoteLong.restart()
      await expect
        .poll(() => remoteLong.events.filter((e) => e.startsWith('PUBLISH')).length, { timeout: 30_000, interval: 100 })
        .toBeGreaterThan(beforeLong)
    } finally {
      clearInterval(sampler)
    }
    expect(samples).toBeGreaterThan(20)
    expect(relaysSeen).toBeGreaterThan(10)
    expect(hits.slice(0, 3)).toEqual([])
    // The ingests got the key (with its query string) exactly as a direct connection would send it.
    expect(remoteLong.events.some((e) => e === `PUBLISH /app/${LONG_KEY}`)).toBe(true)
    expect(remoteShort.events.some((e) => e === `PUBLISH /app/${SHORT_KEY}`)).toBe(true)
    await callCore(core, 'onair.stop', { channelId })
  }, 120_000)

  it.runIf(ffmpegHasSrt())(
    'an SRT streamid stays off every command line and environment too, through a relay crash',
    async () => {
      const ingest = await startSrtIngest()
      try {
        // Only the SRT relay this time: the RTMP ones were checked above.
        for (const d of (await callCore(core, 'onair.destinations.list', { channelId })).destinations)
          await callCore(core, 'onair.destinations.remove', { id: d.id })
        const dest = await callCore(core, 'onair.destinations.add', {
          channelId,
          kind: 'srt',
          url: `${ingest.url(SRT_KEY)}&latency=200000`
        })
        const hits: string[] = []
        let samples = 0
        let relaysSeen = 0
        const sampler = setInterval(() => {
          samples += 1
          for (const p of allProcessText()) {
            if (/ffmpeg/.test(p.text) && RELAY_INPUT.test(p.text) && /srt:\/\//.test(p.text)) relaysSeen += 1
            if (p.text.includes(SRT_KEY) || p.text.includes(encodeURIComponent(SRT_KEY)))
              hits.push(`${p.pid}: ${p.text.slice(0, 300)}`)
          }
        }, 50)
        try {
          await callCore(core, 'onair.start', { channelId })
          await expect.poll(() => ingest.received(), { timeout: 40_000, interval: 200 }).toBeGreaterThan(100_000)
          expect(ingest.streamIds).toContain(SRT_KEY)
          // Confirmed live first (a drop before that would count as a refused key, not be retried).
          await expect
            .poll(async () => (await callCore(core, 'onair.destinations.list', { channelId })).destinations[0]?.state, {
              timeout: 40_000,
              interval: 250
            })
            .toBe('live')
          // The relay's ffmpeg dies: it reconnects, and the receiver gets the key again.
          const pid = engine.relayPid(channelId, dest.id)!
          expect(pid).toBeGreaterThan(0)
          const listens = ingest.listens
          process.kill(pid, 'SIGKILL')
          await expect.poll(() => ingest.listens, { timeout: 20_000, interval: 100 }).toBeGreaterThan(listens)
          const before = ingest.received()
          await expect
            .poll(() => ingest.received(), { timeout: 30_000, interval: 200 })
            .toBeGreaterThan(before + 100_000)
        } finally {
          clearInterval(sampler)
        }
        expect(samples).toBeGreaterThan(20)
        expect(relaysSeen).toBeGreaterThan(10)
        expect(hits.slice(0, 3)).toEqual([])
        // Every caller handshake the receiver saw carried the real streamid, never the stand-in.
        expect(ingest.streamIds.length).toBeGreaterThanOrEqual(1)
        expect(new Set(ingest.streamIds)).toEqual(new Set([SRT_KEY]))
        await callCore(core, 'onair.stop', { channelId })
      } finally {
        await ingest.stop()
      }
    },
    120_000
  )
})
