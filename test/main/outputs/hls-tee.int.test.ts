import { execFile } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Core } from '../../../src/main/core/core'
import { callCore, openCore } from '../../../src/main/cli/open-core'
import { DEFAULT_HOUSE_FORMAT } from '../../../src/shared/house-format'
import { makeHouseClip } from '../../../src/main/onair/slate'
import type { OnAirEngine } from '../../../src/main/onair/engine'
import { HLS_PTS_OFFSET } from '../../../src/main/onair/ffmpeg-args'
import { toolPath } from '../../../src/main/media/ffmpeg-path'
import { hlsDir } from '../../../src/main/outputs/outputs'
import { firstVideoPts } from '../../../src/main/outputs/subtitles'
import { ONAIR, OUTPUTS } from '../../../src/main/services'
import type { EventPayload } from '../../../src/shared/contract'
import { tempDir } from '../../helpers/tmp'
import { until } from '../../helpers/until'
import { freePort } from '../../fixtures/rtmp'
import { airReport, startAirViewer, type AirViewer } from '../../fixtures/air-viewer'

const run = promisify(execFile)
const FRAME_S = 1 / DEFAULT_HOUSE_FORMAT.fps

/** The playout ffmpeg's command line, as the system sees it. */
function cmdline(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
}

function segments(dir: string): string[] {
  if (!existsSync(join(dir, 'index.m3u8'))) return []
  return readFileSync(join(dir, 'index.m3u8'), 'utf8').match(/seg-\d+\.ts/g) ?? []
}

const mediaSequence = (dir: string): number =>
  Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(readFileSync(join(dir, 'index.m3u8'), 'utf8'))?.[1] ?? -1)

/**
 * Issue 22 item 2: HLS is written by the playout's own ffmpeg (a tee slave beside what
 * airs), not by a second ffmpeg reading the stream back through the local server; a
 * failing HLS output never touches what airs. The data folder's name holds every
 * character tee would parse (`:`, `|`, `\`, `[]`, `'`).
 */
describe('outputs: HLS from the playout itself, through the tee muxer', () => {
  const tmp = tempDir()
  // No `%`: the library's import puts the data folder into an image2 pattern, where `%d` is a frame number.
  const dataDir = join(tmp.dir, "da:ta|[x]\\y 'q'")
  let core: Core
  let engine: OnAirEngine
  let channelId = 0
  let stream = ''
  const viewers: AirViewer[] = []
  const hlsStates: Array<EventPayload<'outputs.state'>> = []

  const observeHls = () => core.services.get(OUTPUTS).outputs.observe(channelId)

  beforeAll(async () => {
    core = await openCore(dataDir)
    engine = core.services.get(ONAIR)
    core.bus.on('outputs.state', (e) => {
      if (e.output === 'hls') hlsStates.push(e)
    })
    await callCore(core, 'onair.settings.update', { rtmpPort: await freePort(), httpPort: await freePort() })
    channelId = (await callCore(core, 'library.channels.create', { name: 'Tee Test' })).id
    const clips = await Promise.all(
      [48, 60, 72].map((frames, i) =>
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
    await callCore(core, 'outputs.settings.update', { channelId, hls: true, record: false })
  }, 240_000)

  afterAll(async () => {
    await Promise.all(viewers.map((v) => v.stop()))
    await core?.close()
    tmp.cleanup()
  })

  it('writes a rolling HLS window from the playout: no copy tap, segments decode, PTS is output time + 1.4 s', async () => {
    const st = await callCore(core, 'onair.start', { channelId })
    stream = st.stream
    const dir = hlsDir(dataDir, stream)
    const pid = engine.encoderPid(channelId)!
    const args = cmdline(pid)
    expect(args[args.indexOf('-f', args.indexOf('copy')) + 1]).toBe('tee')
    // Paths relative to the data folder: its name never reaches tee's parser.
    expect(args.join(' ')).not.toContain(dataDir)
    expect(readFileSync(`/proc/${pid}/cwd/onair/outputs.json`, 'utf8')).toContain('"hls": true')
    const first = await until(
      '3 HLS segments',
      () => (segments(dir).length >= 3 ? mediaSequence(dir) : undefined),
      60_000
    )
    await until('the playlist to move on', () => (mediaSequence(dir) > first ? true : undefined), 30_000)
    // No second ffmpeg: the HLS comes from the playout.
    expect(observeHls().pids).toEqual([])
    expect(observeHls().hls).toMatchObject({ state: 'live' })
    expect(core.services.get(OUTPUTS).hlsFolder(stream)).toBe(dir)
    const segs = segments(dir)
    const seg = join(dir, segs.at(-1)!)
    await run(toolPath('ffmpeg'), ['-v', 'error', '-xerror', '-i', seg, '-f', 'null', '-'])
    const { stdout } = await run(toolPath('ffprobe'), [
      '-v',
      'error',
      '-show_entries',
      'format=duration',
      '-of',
      'csv=p=0',
      seg
    ])
    expect(Number(stdout)).toBeGreaterThan(1.5)
    expect(Number(stdout)).toBeLessThan(4.5)
    // The captions' anchor holds: a segment's first PTS less HLS_PTS_OFFSET is the playout's output time.
    const outS = (firstVideoPts(seg)! - HLS_PTS_OFFSET) / 90_000
    const uptimeS = (Date.now() - engine.observe()[0]!.since) / 1000
    expect(outS).toBeGreaterThanOrEqual(0)
    expect(outS).toBeLessThan(uptimeS + 2)
    // The playlist's first segment starts at output time 0 (this encoder run's start).
    const zero = (firstVideoPts(join(dir, 'seg-0.ts')) ?? HLS_PTS_OFFSET) - HLS_PTS_OFFSET
    expect(Math.abs(zero) / 90_000).toBeLessThan(0.2)
  }, 120_000)

  it('a failing HLS output leaves the air untouched: same playout ffmpeg, no freeze or hole; a copy tap takes over', async () => {
    const st = engine.observe()[0]!
    const status = await callCore(core, 'onair.status', { channelId })
    const flv = startAirViewer(status.channels[0]!.flvUrl!)
    const rtmp = startAirViewer(status.channels[0]!.rtmpUrl!)
    viewers.push(flv, rtmp)
    for (const v of [flv, rtmp])
      await until(
        'the viewer to have 2 s of live packets',
        () => {
          const at = v.packets[0]?.at
          return at !== undefined && v.packets.some((p) => p.at > at + 2000) ? true : undefined
        },
        60_000
      )
    const pid = engine.encoderPid(channelId)
    const restarts = st.stats.restarts
    const from = Date.now()
    // The folder goes away under the playout (a disk unmounted, a clean-up script).
    rmSync(hlsDir(dataDir, stream), { recursive: true, force: true })
    await until('the HLS output reported failed', () => hlsStates.find((e) => e.state === 'reconnecting'), 30_000)
    await until(
      'the copy tap writing HLS',
      () => (segments(hlsDir(dataDir, stream)).length >= 2 ? true : undefined),
      60_000
    )
    expect(observeHls().pids).toHaveLength(1)
    // A few more seconds of air after the switch.
    await new Promise((r) => setTimeout(r, 3000))
    expect(engine.encoderPid(channelId)).toBe(pid)
    expect(engine.observe()[0]!.stats.restarts).toBe(restarts)
    expect(readFileSync(engine.logFile, 'utf8')).toMatch(
      /the playout's HLS output failed \(.+\); a copy tap takes over/
    )
    for (const [name, v] of [
      ['HTTP-FLV', flv],
      ['RTMP', rtmp]
    ] as const) {
      const r = airReport(v.packets, from)
      console.log(
        `[hls tee] ${name} viewer across the HLS failure: freeze max ${r.freezeMaxS.toFixed(3)} s, holes video ${r.videoGapMaxS.toFixed(3)} s / audio ${r.audioGapMaxS.toFixed(3)} s, ${r.mediaS.toFixed(1)} s of media`
      )
      expect(v.alive).toBe(true)
      expect(r.backwards).toBe(0)
      expect(r.mediaS).toBeGreaterThan(3)
      expect(r.freezeMaxS, `${name} stalls: ${JSON.stringify(r.stalls)}`).toBeLessThanOrEqual(0.5)
      expect(r.videoGapMaxS).toBeLessThanOrEqual(2 * FRAME_S + 0.002)
      expect(r.audioGapMaxS).toBeLessThanOrEqual(2 * FRAME_S + 0.002)
    }
  }, 180_000)

  it('the next Go Live writes HLS from the playout again; HLS off mid-air is gone at once, on again is a copy tap', async () => {
    await Promise.all(viewers.splice(0).map((v) => v.stop()))
    await callCore(core, 'onair.stop', { channelId })
    await callCore(core, 'onair.start', { channelId })
    const dir = hlsDir(dataDir, stream)
    await until('HLS from the playout', () => (segments(dir).length >= 2 ? true : undefined), 60_000)
    expect(observeHls().pids).toEqual([])
    const pid = engine.encoderPid(channelId)
    const drops = (): number => readFileSync(engine.logFile, 'utf8').split('Slave muxer #1 failed').length
    const dropsBefore = drops()
    await callCore(core, 'outputs.settings.update', { channelId, hls: false })
    expect(existsSync(dir)).toBe(false)
    expect(core.services.get(OUTPUTS).hlsFolder(stream)).toBeUndefined()
    expect(observeHls().hls).toBeNull()
    // The tee's slave gives up on the missing folder at its next segment; nothing writes there again.
    await until('the HLS slave dropped', () => (drops() > dropsBefore ? true : undefined), 30_000)
    await new Promise((r) => setTimeout(r, 2500))
    expect(existsSync(dir)).toBe(false)
    await callCore(core, 'outputs.settings.update', { channelId, hls: true })
    await until('the copy tap writing HLS', () => (segments(dir).length >= 2 ? true : undefined), 60_000)
    expect(observeHls().pids).toHaveLength(1)
    expect(engine.encoderPid(channelId)).toBe(pid)
    expect(readdirSync(dir).filter((f) => f.endsWith('.ts')).length).toBeGreaterThan(0)
    await callCore(core, 'onair.stop', { channelId })
  }, 180_000)
})
