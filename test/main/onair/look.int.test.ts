/**
 * Changing a channel's look while it is on air: the library re-conforms in the
 * background, the old media keeps airing until each new file is ready, and the
 * viewer never loses the stream (monotonic DTS, no gap over two frames) across
 * dipped clip boundaries.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import type { Core } from '../../../src/main/core/core'
import { callCore, openCore } from '../../../src/main/cli/open-core'
import { toolPath } from '../../../src/main/media/ffmpeg-path'
import { makeHouseClip } from '../../../src/main/onair/slate'
import type { EventPayload } from '../../../src/shared/contract'
import { DEFAULT_HOUSE_FORMAT, type HouseFormat } from '../../../src/shared/house-format'
import { tempDir } from '../../helpers/tmp'
import { dtsReport, freePort, startViewer, type Viewer } from '../../fixtures/rtmp'

const FORMAT: HouseFormat = { ...DEFAULT_HOUSE_FORMAT, width: 320, height: 180, fps: 12 }
const FRAME_S = 1 / FORMAT.fps

describe('a look change on air', () => {
  const tmp = tempDir()
  let core: Core
  let viewer: Viewer | undefined
  const clips: Array<EventPayload<'onair.clip'>> = []

  beforeAll(async () => {
    core = await openCore(tmp.dir)
    await callCore(core, 'onair.settings.update', { rtmpPort: await freePort(), httpPort: await freePort() })
  }, 60_000)

  afterAll(async () => {
    await viewer?.stop()
    await core?.close()
    tmp.cleanup()
  })

  it('re-conforms in the background while the old media airs; the stream never stops', async () => {
    const ch = await callCore(core, 'library.channels.create', { name: 'Look Air', format: FORMAT })
    const files = await Promise.all(
      [24, 30, 36].map((frames, i) =>
        makeHouseClip({
          format: FORMAT,
          frames,
          video: 'testsrc2',
          toneHz: 300 + i * 150,
          output: join(tmp.dir, `src-${frames}.ts`)
        })
      )
    )
    const { results } = await callCore(core, 'library.import', { channelId: ch.id, paths: files, approved: true })
    const ids = results.map((r) => (r.ok ? r.shot.id : Number.NaN))
    expect(ids.every(Number.isInteger)).toBe(true)
    await callCore(core, 'library.playlist.add', { channelId: ch.id, shotIds: ids })
    const before = (await callCore(core, 'library.playlist.get', { channelId: ch.id })).items.map((i) => i.tsPath)

    core.bus.on('onair.clip', (e) => clips.push(e))
    const started = await callCore(core, 'onair.start', { channelId: ch.id })
    expect(started.state).toBe('live')
    viewer = startViewer(started.rtmpUrl!)
    const waitPicks = async (n: number): Promise<void> => {
      const target = clips.filter((c) => c.phase === 'queued').length + n
      const deadline = Date.now() + 60_000
      while (clips.filter((c) => c.phase === 'queued').length < target && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100))
    }
    await waitPicks(2)

    const logo = join(tmp.dir, 'logo.png')
    execFileSync(toolPath('ffmpeg'), [
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      'color=c=yellow:s=64x32,format=rgba',
      '-frames:v',
      '1',
      logo
    ])
    const changedAt = Date.now()
    const { reconforming } = await callCore(core, 'library.channels.update', {
      id: ch.id,
      look: { logo: { path: logo, position: 'top-right' } }
    })
    expect(reconforming).toBe(3)

    // every shot stays airable the whole time; pending counts down to zero
    const deadline = Date.now() + 120_000
    let pending = reconforming
    while (pending > 0 && Date.now() < deadline) {
      const pl = await callCore(core, 'library.playlist.get', { channelId: ch.id })
      expect(pl.items.every((i) => i.status === 'ready' && i.tsPath !== null)).toBe(true)
      pending = (await callCore(core, 'library.channels.get', { id: ch.id })).reconformPending
      await new Promise((r) => setTimeout(r, 200))
    }
    expect(pending).toBe(0)
    const after = (await callCore(core, 'library.playlist.get', { channelId: ch.id })).items.map((i) => i.tsPath)
    after.forEach((p, k) => expect(p).not.toBe(before[k]))
    await waitPicks(3)

    // the engine kept picking real clips (never the standby slate) through the change
    const picks = clips.filter((c) => c.phase === 'queued')
    expect(picks.filter((c) => c.at > changedAt).length).toBeGreaterThanOrEqual(3)
    expect(picks.every((c) => !c.clip.slate)).toBe(true)
    expect(clips.filter((c) => c.phase === 'skipped')).toEqual([])
    // and the viewer saw one unbroken stream
    expect(viewer.alive).toBe(true)
    for (const kind of ['video', 'audio'] as const) {
      const r = dtsReport(viewer.packets, kind)
      expect(r.backwards, kind).toBe(0)
      expect(r.maxGap, kind).toBeLessThanOrEqual(2 * FRAME_S + 0.03)
    }
    await callCore(core, 'onair.stop', { channelId: ch.id })
  }, 240_000)
})
