import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import type { Core } from '../../../src/main/core/core'
import { callCore, openCore } from '../../../src/main/cli/open-core'
import { DEFAULT_HOUSE_FORMAT } from '../../../src/shared/house-format'
import { makeHouseClip } from '../../../src/main/onair/slate'
import type { OnAirEngine } from '../../../src/main/onair/engine'
import { ONAIR } from '../../../src/main/services'
import { tempDir } from '../../helpers/tmp'
import { freePort } from '../../fixtures/rtmp'
import { airReport, startAirViewer, type AirViewer } from '../../fixtures/air-viewer'
import { startCpuLoad, type CpuLoad } from '../../fixtures/cpu-load'

const FRAME_S = 1 / DEFAULT_HOUSE_FORMAT.fps
const AIR_S = 30

/**
 * Issue 12, "air holds when the machine is busy": with two x264 encodes of a test
 * pattern at normal priority (an export, a game; x264 runs threads on every core)
 * running the whole time,
 * a real viewer of the channel (ffmpeg on the HTTP-FLV stream) sees no freeze over
 * half a second and no hole over two frames in the sound or the picture, across a
 * clip boundary every ~1.4 s. The freeze is measured from when pictures arrive
 * against the stream's own pacing (airReport), so the viewer's own delays under
 * the same load count against us, not for us; the machine is shared with other
 * builds besides, so the numbers are printed to judge the noise.
 */
describe('on air: the air holds on a machine with every core busy', () => {
  const tmp = tempDir()
  let core: Core
  let engine: OnAirEngine
  let channelId = 0
  let viewer: AirViewer | undefined
  let load: CpuLoad | undefined

  beforeAll(async () => {
    core = await openCore(tmp.dir)
    engine = core.services.get(ONAIR)
    await callCore(core, 'onair.settings.update', { rtmpPort: await freePort(), httpPort: await freePort() })
    const ch = await callCore(core, 'library.channels.create', { name: 'Busy Air' })
    channelId = ch.id
    const clips = await Promise.all(
      [24, 30, 36, 42].map((frames, i) =>
        makeHouseClip({
          format: DEFAULT_HOUSE_FORMAT,
          frames,
          video: 'testsrc2',
          toneHz: 300 + 100 * i,
          output: join(tmp.dir, `c${i}.ts`)
        })
      )
    )
    const { results } = await callCore(core, 'library.import', { channelId, paths: clips, approved: true })
    const shotIds = results.map((r) => {
      if (!r.ok) throw new Error(r.error)
      return r.shot.id
    })
    await callCore(core, 'library.playlist.add', { channelId, shotIds })
  }, 240_000)

  afterAll(async () => {
    await load?.stop()
    await viewer?.stop()
    await core?.close()
    tmp.cleanup()
  })

  it(`${AIR_S} s on air under full CPU load: no freeze over 0.5 s, no hole over two frames, every boundary logged`, async () => {
    const st = await callCore(core, 'onair.start', { channelId })
    viewer = startAirViewer(st.flvUrl!)
    // The first packets are the server's GOP cache in one burst: measure after it, once the
    // viewer has had live packets for 2 s (its start takes longer on a busy machine).
    await expect
      .poll(
        () => {
          const first = viewer!.packets[0]?.at
          return first !== undefined && viewer!.packets.some((p) => p.at > first + 2000)
        },
        { timeout: 60_000, interval: 100 }
      )
      .toBe(true)
    load = startCpuLoad('encode')
    const loop = monitorEventLoopDelay({ resolution: 10 })
    const before = engine.observe()[0]!.stats
    await new Promise((r) => setTimeout(r, 1000)) // the encoders spin up
    const from = Date.now()
    loop.enable()
    await new Promise((r) => setTimeout(r, AIR_S * 1000))
    loop.disable()
    const stats = engine.observe()[0]!.stats
    await load.stop()
    const r = airReport(viewer.packets, from)
    console.log(
      `[busy air] load average ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')} on ${cpus().length} cores; freeze max ${r.freezeMaxS.toFixed(3)} s, ` +
        `holes video ${r.videoGapMaxS.toFixed(3)} s / audio ${r.audioGapMaxS.toFixed(3)} s, event loop max ${(loop.max / 1e6).toFixed(0)} ms, ` +
        `${stats.boundaries - before.boundaries} boundaries (${stats.lateBoundaries - before.lateBoundaries} late, worst ${stats.worstLateMs} ms; lead min ${stats.minLeadMs} ms)`
    )
    expect(viewer.alive).toBe(true)
    expect(r.mediaS).toBeGreaterThan(AIR_S - 2)
    expect(r.backwards).toBe(0)
    expect(r.freezeMaxS, `stalls: ${JSON.stringify(r.stalls)}`).toBeLessThanOrEqual(0.5)
    expect(r.audioGapMaxS).toBeLessThanOrEqual(2 * FRAME_S + 0.002)
    expect(r.videoGapMaxS).toBeLessThanOrEqual(2 * FRAME_S + 0.002)
    // The engine measured every boundary's lead (a clip every ~1.4 s) …
    expect(stats.boundaries - before.boundaries).toBeGreaterThanOrEqual(Math.floor(AIR_S / 1.75) - 1)
    expect(stats.lastLeadMs).not.toBeNull()
    // … and sums them up in the log when the channel stops.
    await callCore(core, 'onair.stop', { channelId })
    const log = readFileSync(engine.logFile, 'utf8')
    expect(log).toMatch(/\[busy-air\] \d+ clip boundaries in the last \d+ min: /)
  }, 120_000)
})
