import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import parsePrometheus from 'parse-prometheus-text-format'
import type { Core } from '../../../src/main/core/core'
import { callCore, openCore } from '../../../src/main/cli/open-core'
import { DEFAULT_HOUSE_FORMAT } from '../../../src/shared/house-format'
import { makeHouseClip } from '../../../src/main/onair/slate'
import { toolPath } from '../../../src/main/media/ffmpeg-path'
import { startStudioServer, type StudioServer } from '../../../src/main/server/studio-server'
import type { AsrunEntry } from '../../../src/shared/contract/outputs'
import type { EventPayload } from '../../../src/shared/contract'
import { SECRETS } from '../../../src/main/services'
import { tempDir } from '../../helpers/tmp'
import { runWebtv } from '../../helpers/cli'
import { freePort, startRemoteIngest, startViewer, type RemoteIngest, type Viewer } from '../../fixtures/rtmp'
import { until } from '../../helpers/until'

const KEY = 'live_outputs_key_5b8e2d0c9a'

interface PromFamily {
  name: string
  metrics: Array<{ value: string; labels?: Record<string, string> }>
}

function metric(families: PromFamily[], name: string, labels: Record<string, string> = {}): number | undefined {
  const f = families.find((x) => x.name === name)
  const m = f?.metrics.find((x) => Object.entries(labels).every(([k, v]) => x.labels?.[k] === v))
  return m ? Number(m.value) : undefined
}

// Async, never execFileSync: the studio under test shares this process, and a blocked loop
// stalls its server and viewers (a pooled keep-alive socket then closes under the next fetch).
const run = promisify(execFile)

async function probeDuration(file: string): Promise<number> {
  const { stdout } = await run(toolPath('ffprobe'), [
    '-v',
    'error',
    '-show_entries',
    'format=duration',
    '-of',
    'csv=p=0',
    file
  ])
  return Number(stdout.trim())
}

describe('outputs: metrics, health, HLS, recording, as-run log and guide of a channel on air', () => {
  const tmp = tempDir()
  let core: Core
  let server: StudioServer
  let remote: RemoteIngest
  let viewer: Viewer | null = null
  let channelId = 0
  let stream = ''
  const itemIds: number[] = []
  const airing: Array<EventPayload<'onair.clip'>> = []
  const asrunEvents: AsrunEntry[] = []

  beforeAll(async () => {
    core = await openCore(join(tmp.dir, 'data'))
    core.bus.on('onair.clip', (e) => {
      if (e.phase === 'airing') airing.push(e)
    })
    core.bus.on('outputs.asrun', (e) => asrunEvents.push(e))
    await callCore(core, 'onair.settings.update', { rtmpPort: await freePort(), httpPort: await freePort() })
    const ch = await callCore(core, 'library.channels.create', { name: 'Outputs Test' })
    channelId = ch.id
    const paths: string[] = []
    for (const [i, hz] of [330, 440, 550].entries()) {
      paths.push(
        await makeHouseClip({
          format: DEFAULT_HOUSE_FORMAT,
          frames: 48,
          video: 'testsrc2',
          toneHz: hz,
          output: join(tmp.dir, `c${i}.ts`)
        })
      )
    }
    const { results } = await callCore(core, 'library.import', { channelId, paths, approved: true })
    const shotIds = results.map((r) => {
      if (!r.ok) throw new Error(r.error)
      return r.shot.id
    })
    const pl = await callCore(core, 'library.playlist.add', { channelId, shotIds })
    itemIds.push(...pl.items.map((i) => i.itemId))
    await callCore(core, 'outputs.settings.update', { channelId, hls: true, record: true, recordSegmentMinutes: 1 })
    remote = await startRemoteIngest({ requiredKey: KEY })
    await callCore(core, 'onair.destinations.add', { channelId, kind: 'rtmp', name: 'Remote', url: remote.url(KEY) })
    const rendererDir = join(tmp.dir, 'renderer')
    mkdirSync(rendererDir, { recursive: true })
    writeFileSync(join(rendererDir, 'watch.html'), '<!doctype html><title>watch</title>')
    server = await startStudioServer({ core, rendererDir, port: 0 })
  }, 120_000)

  afterAll(async () => {
    await viewer?.stop()
    await server?.close()
    await core?.close()
    await remote?.kill()
    tmp.cleanup()
  })

  it('goes live with HLS, recording and a relay; /metrics parses and reports them; no secret anywhere', async () => {
    const status = await callCore(core, 'onair.start', { channelId })
    stream = status.stream
    viewer = startViewer(status.rtmpUrl!)
    // The relay counts as live after its confirmation window (15 s).
    await until(
      'destination live',
      async () =>
        (await callCore(core, 'onair.status', { channelId })).channels[0]!.destinations[0]!.state === 'live' ||
        undefined,
      40_000
    )
    const text = await (await fetch(`${server.baseUrl}/metrics`)).text()
    const families = parsePrometheus(text) as PromFamily[]
    expect(metric(families, 'webtv_channel_live', { channel: 'Outputs Test' })).toBe(1)
    expect(metric(families, 'webtv_channel_state', { channel: 'Outputs Test', state: 'live' })).toBe(1)
    expect(metric(families, 'webtv_channel_output_kbps', { channel: 'Outputs Test' })).toBeGreaterThan(100)
    expect(metric(families, 'webtv_channel_encoder_speed', { channel: 'Outputs Test' })).toBeGreaterThan(0.5)
    expect(metric(families, 'webtv_destination_up', { destination: 'Remote' })).toBe(1)
    expect(metric(families, 'webtv_destination_bytes_total', { destination: 'Remote' })).toBeGreaterThan(10_000)
    expect(metric(families, 'webtv_destination_reconnects_total', { destination: 'Remote' })).toBe(0)
    expect(metric(families, 'webtv_channel_runway_seconds', { channel: 'Outputs Test' })).toBeGreaterThanOrEqual(0)
    expect(metric(families, 'webtv_output_up', { output: 'hls' })).toBe(1)
    expect(metric(families, 'webtv_output_up', { output: 'recording' })).toBe(1)
    expect(metric(families, 'webtv_jobs', { state: 'queued' })).toBe(0)
    expect(metric(families, 'webtv_conform_backlog')).toBe(0)
    expect(metric(families, 'process_resident_memory_bytes')).toBeGreaterThan(1e6)
    const health = await fetch(`${server.baseUrl}/health`)
    expect(health.status).toBe(200)
    const h = (await health.json()) as { status: string }
    expect(h.status).toBe('ok')
    // The stream key and the publish secret appear in neither answer, nor in the status file.
    const secrets = core.services.get(SECRETS)
    const all = [KEY, ...(await secrets.values())]
    expect(all.length).toBeGreaterThanOrEqual(2)
    const beacon = readdirSync(join(core.dataDir, 'run'))
      .map((f) => readFileSync(join(core.dataDir, 'run', f), 'utf8'))
      .join('\n')
    for (const s of all) {
      expect(text).not.toContain(s)
      expect(JSON.stringify(h)).not.toContain(s)
      expect(beacon).not.toContain(s)
    }
  }, 90_000)

  it('serves a rolling HLS window whose playlist advances and whose segments decode', async () => {
    const url = `${server.baseUrl}/hls/${stream}/index.m3u8`
    const first = await until('3 HLS segments', async () => {
      const r = await fetch(url)
      if (r.status !== 200) return undefined
      expect(r.headers.get('content-type')).toBe('application/vnd.apple.mpegurl')
      const t = await r.text()
      return (t.match(/seg-\d+\.ts/g) ?? []).length >= 3 ? t : undefined
    })
    const seq = (t: string) => Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(t)![1])
    expect(first).toMatch(/#EXT-X-TARGETDURATION:[23]/)
    expect(first).not.toContain('#EXT-X-ENDLIST')
    const later = await until('the playlist to move on', async () => {
      const t = await (await fetch(url)).text()
      return seq(t) > seq(first) ? t : undefined
    })
    const segs = later.match(/seg-\d+\.ts/g)!
    expect(segs.length).toBeLessThanOrEqual(6)
    const seg = await fetch(`${server.baseUrl}/hls/${stream}/${segs[segs.length - 1]}`)
    expect(seg.headers.get('content-type')).toBe('video/mp2t')
    const file = join(tmp.dir, 'seg.ts')
    writeFileSync(file, Buffer.from(await seg.arrayBuffer()))
    // Decodes cleanly (error level: any corrupt packet fails) and is about one 2 s GOP.
    await run(toolPath('ffmpeg'), ['-v', 'error', '-xerror', '-i', file, '-f', 'null', '-'])
    const segS = await probeDuration(file)
    expect(segS).toBeGreaterThan(1.5)
    expect(segS).toBeLessThan(4.5)
    // The window is deleted behind: files on disk stay bounded.
    const onDisk = readdirSync(join(core.dataDir, 'hls', stream)).filter((f) => f.endsWith('.ts'))
    expect(onDisk.length).toBeLessThanOrEqual(6 + 3)
    // Nothing outside the window or the folder is served.
    expect((await fetch(`${server.baseUrl}/hls/${stream}/..%2f..%2flibrary.db`)).status).not.toBe(200)
    expect((await fetch(`${server.baseUrl}/hls/nosuch/index.m3u8`)).status).toBe(404)
    const pub = (await (await fetch(`${server.baseUrl}/api/public/channels`)).json()) as Array<{
      hlsPath: string | null
    }>
    expect(pub[0]!.hlsPath).toBe(`/hls/${stream}/index.m3u8`)
  }, 60_000)

  it('projects a guide that follows a reorder, as JSON and XMLTV at a stable URL', async () => {
    // A clip on air, not the slate (a busy machine can make the playout wait for its feeder).
    const before = await until('a clip on air', async () => {
      const g = await callCore(core, 'outputs.guide', { channelId, hours: 0.1 })
      return g.entries[0] && !g.entries[0].slate ? g : undefined
    })
    expect(before.onAir).toBe(true)
    expect(before.entries[0]!.now).toBe(true)
    // Each entry starts when the previous ends.
    for (let i = 1; i < before.entries.length; i++) expect(before.entries[i]!.start).toBe(before.entries[i - 1]!.stop)
    expect(before.entries.length).toBeGreaterThan(3)
    // Swap the first two clips of the three: that reverses the loop's order whatever is on
    // air, so the clip after "next" airs second now, before the old next. (Moving it to next's
    // place changed nothing when the loop wrapped between the two.)
    const next = before.entries[1]!.itemId!
    const afterNext = before.entries[2]!.itemId!
    const sorted = (await callCore(core, 'library.playlist.get', { channelId })).items
      .slice()
      .sort((a, b) => a.position - b.position)
    expect(sorted).toHaveLength(3)
    await callCore(core, 'library.playlist.move', { itemId: sorted[0]!.itemId, toPosition: sorted[1]!.position })
    const after = await callCore(core, 'outputs.guide', { channelId, hours: 0.1 })
    if (after.entries[0]!.itemId === before.entries[0]!.itemId) {
      expect(after.entries[1]!.itemId).toBe(afterNext)
      expect(after.entries[2]!.itemId).toBe(next)
    } else {
      // A boundary passed meanwhile: what went on air is "next" (if the playout had already
      // cued it) or the moved clip (if it took the new order) — either way one of the two.
      if (!after.entries[0]!.slate) expect([next, afterNext]).toContain(after.entries[0]!.itemId)
    }
    // Whatever airs now, the entries after it follow the new playlist order, looping.
    const order = (await callCore(core, 'library.playlist.get', { channelId })).items
      .slice()
      .sort((a, b) => a.position - b.position)
      .map((i) => i.itemId)
    expect(order).toEqual([sorted[1]!.itemId, sorted[0]!.itemId, sorted[2]!.itemId])
    // (The slate, if a boundary brought it, has no place: the order starts from the top.)
    const at = after.entries[0]!.slate ? -1 : order.indexOf(after.entries[0]!.itemId!)
    expect(at).toBeGreaterThanOrEqual(after.entries[0]!.slate ? -1 : 0)
    for (let k = 1; k < 4; k++) expect(after.entries[k]!.itemId).toBe(order[(at + k) % order.length])
    const xml = await fetch(`${server.baseUrl}/guide/${stream}.xml`)
    expect(xml.headers.get('content-type')).toMatch(/application\/xml/)
    const body = await xml.text()
    expect(body).toContain(`<channel id="${stream}.webtv">`)
    expect((body.match(/<programme /g) ?? []).length).toBeGreaterThan(3)
    expect(body).toMatch(/start="\d{14} \+0000" stop="\d{14} \+0000"/)
    const json = (await (await fetch(`${server.baseUrl}/guide/${stream}.json`)).json()) as { entries: unknown[] }
    expect(json.entries.length).toBeGreaterThan(3)
  }, 30_000)

  it('a destination that drops shows in /metrics, /health and webtv status', async () => {
    await remote.kill()
    const families = await until('destination down in metrics', async () => {
      const f = parsePrometheus(await (await fetch(`${server.baseUrl}/metrics`)).text()) as PromFamily[]
      return metric(f, 'webtv_destination_up', { destination: 'Remote' }) === 0 ? f : undefined
    })
    expect(metric(families, 'webtv_destination_state', { destination: 'Remote', state: 'reconnecting' })).toBe(1)
    expect(metric(families, 'webtv_channel_live', { channel: 'Outputs Test' })).toBe(1)
    const h = (await (await fetch(`${server.baseUrl}/health`)).json()) as { status: string; problems: string[] }
    expect(h.status).toBe('degraded')
    expect(h.problems.join()).toMatch(/Remote.*reconnecting/)
    // `webtv status` in another process sees this one's channel through its status file.
    const r = await runWebtv(['status', '--data-dir', core.dataDir])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/DEGRADED/)
    expect(r.stdout).toMatch(/Outputs Test: LIVE/)
    expect(r.stdout).toMatch(/Remote \(rtmp\): RECONNECTING/)
    expect(r.stdout + r.stderr).not.toContain(KEY)
    await remote.restart()
    await until(
      'destination back',
      async () => {
        const f = parsePrometheus(await (await fetch(`${server.baseUrl}/metrics`)).text()) as PromFamily[]
        return (metric(f, 'webtv_destination_reconnects_total', { destination: 'Remote' }) ?? 0) >= 1 &&
          metric(f, 'webtv_destination_up', { destination: 'Remote' }) === 1
          ? true
          : undefined
      },
      40_000
    )
  }, 90_000)

  it('logs every clip aired across 20 boundaries and an edit; the recording holds what aired', async () => {
    await until('20 boundaries', () => (airing.length >= 21 ? true : undefined), 90_000)
    // An edit mid-run: the last item jumps to the front; it airs at a boundary.
    await callCore(core, 'library.playlist.move', { itemId: itemIds[2]!, toPosition: 0 })
    const n = airing.length
    await until('two more boundaries', () => (airing.length >= n + 2 ? true : undefined), 20_000)
    // The recording is finished when the engine reports its tap offline (the recorder
    // ends its last file after the playout stops), not when the stop call returns.
    const recordingOff = new Promise<void>((resolve) => {
      const off = core.bus.on('outputs.state', (e) => {
        if (e.channelId === channelId && e.output === 'recording' && e.state === 'offline') {
          off()
          resolve()
        }
      })
    })
    await callCore(core, 'onair.stop', { channelId })
    await viewer!.stop()
    await recordingOff
    const { entries } = await callCore(core, 'outputs.asrun.list', { channelId })
    const log = [...entries].reverse()
    // One entry per clip that went on air, in order, with its shot and take.
    expect(log.map((e) => e.itemId)).toEqual(airing.map((a) => a.clip.itemId))
    for (const e of log) {
      expect(e.endedAt).not.toBeNull()
      expect(e.slate).toBe(false)
      expect(e.shotId).not.toBeNull()
      expect(e.takeId).not.toBeNull()
    }
    // Back to back, and each about its clip's 2 s (the playout's clock, not the feeder's).
    for (let i = 1; i < log.length; i++) expect(log[i]!.startedAt).toBe(log[i - 1]!.endedAt)
    const lengths = log.slice(1, -1).map((e) => (e.endedAt! - e.startedAt) / 1000)
    const mean = lengths.reduce((a, b) => a + b, 0) / lengths.length
    expect(mean).toBeGreaterThan(1.8)
    expect(mean).toBeLessThan(2.2)
    // Destinations live at the time: none before the relay was confirmed, "Remote" later.
    expect(log[0]!.destinations).toEqual([])
    expect(log.some((e) => e.destinations.includes('Remote'))).toBe(true)
    // What the viewer saw spans what the log says aired (within the startup and buffering).
    const span = (log[log.length - 1]!.endedAt! - log[0]!.startedAt) / 1000
    const v = viewer!.packets.filter((p) => p.stream === 'video')
    const seen = v[v.length - 1]!.dts - v[0]!.dts
    expect(Math.abs(seen - span)).toBeLessThan(4)
    // The recording: decodable files whose total duration is the time on air since it started.
    const recDir = join(core.dataDir, 'recordings', stream)
    const files = readdirSync(recDir).filter((f) => f.endsWith('.ts'))
    expect(files.length).toBeGreaterThanOrEqual(1)
    let recorded = 0
    for (const f of files) recorded += await probeDuration(join(recDir, f))
    expect(recorded).toBeGreaterThan(span - 6)
    expect(recorded).toBeLessThan(span + 2)
    // CSV export from the CLI: header, one row per entry.
    const csv = await runWebtv(['asrun', '--channel', 'Outputs Test', '--data-dir', core.dataDir])
    expect(csv.code).toBe(0)
    const rows = csv.stdout.trim().split(/\r?\n/)
    expect(rows[0]).toBe('channel,started_utc,ended_utc,duration_s,title,slate,shot_id,take_id,item_id,destinations')
    expect(rows.length).toBe(log.length + 1)
    expect(asrunEvents.some((e) => e.endedAt !== null)).toBe(true)
  }, 180_000)
})
