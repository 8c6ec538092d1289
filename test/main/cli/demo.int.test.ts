import Database from 'better-sqlite3'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { spawnWebtv, runWebtv } from '../../helpers/cli'
import { tempDir } from '../../helpers/tmp'
import { dtsReport, freePort, startViewer } from '../../fixtures/rtmp'

const cleanups: Array<() => void> = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

describe('webtv demo (the main job) on a fresh data folder', () => {
  it('creates a channel, generates shots offline, airs them locally and serves the UI', async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const [rtmpPort, flvPort] = [await freePort(), await freePort()]
    const child = spawnWebtv(
      [
        'demo',
        '--data-dir',
        t.dir,
        '--count',
        '2',
        // No --duration: it airs until Ctrl-C, sent once it reports both shots ready and the
        // viewer has seen enough (a fixed airtime was too short on a busy machine).
        '--port',
        '0',
        '--rtmp-port',
        String(rtmpPort),
        '--flv-port',
        String(flvPort)
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] }
    )
    // A failed expectation must not leave the demo airing: killed before its folder goes.
    cleanups.unshift(() => child.exitCode === null && child.kill('SIGKILL'))
    let out = ''
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))

    // It prints the URLs once the engine reports the channel live.
    await expect.poll(() => out, { timeout: 60_000, interval: 250 }).toMatch(/ON AIR/)
    const rtmpUrl = /RTMP:\s+(rtmp:\/\/\S+)/.exec(out)?.[1]
    const studioUrl = /Studio:\s+(http:\/\/\S+)/.exec(out)?.[1]
    const watchUrl = /Watch:\s+(http:\/\/\S+)/.exec(out)?.[1]
    expect(rtmpUrl).toBe(`rtmp://127.0.0.1:${rtmpPort}/live/demo`)
    expect(out).toContain(`http://127.0.0.1:${flvPort}/live/demo.flv`)

    // A viewer pulls the local stream while shots are generated and air.
    const viewer = startViewer(rtmpUrl!)
    // The studio UI answers with its token; the public list shows the channel on air.
    expect((await fetch(studioUrl!, { redirect: 'manual' })).status).toBe(303)
    const publicRes = await fetch(new URL('/api/public/channels', watchUrl!))
    const publicList = (await publicRes.json()) as Array<{ stream: string; onAir: boolean }>
    expect(publicList).toEqual([expect.objectContaining({ stream: 'demo', onAir: true })])
    // The watch page's proxied stream carries FLV bytes.
    const flv = await fetch(new URL('/live/demo.flv', watchUrl!))
    expect(flv.status).toBe(200)
    const reader = flv.body!.getReader()
    const first = await reader.read()
    expect(Buffer.from(first.value!).subarray(0, 3).toString()).toBe('FLV')
    await reader.cancel()

    // Both shots generated (the demo prints each job's end) and ~10 s of video seen, then Ctrl-C.
    const readyShots = (): number =>
      new Set([...out.matchAll(/job \d+ \([^)]*→ shot (\d+)\): ready/g)].map((m) => m[1])).size
    await expect.poll(readyShots, { timeout: 240_000, interval: 500 }).toBeGreaterThanOrEqual(2)
    await expect
      .poll(() => dtsReport(viewer.packets, 'video').count, { timeout: 60_000, interval: 500 })
      .toBeGreaterThan(24 * 10)
    child.kill('SIGINT')
    expect(await exited).toBe(0)
    await viewer.stop()
    const video = dtsReport(viewer.packets, 'video')
    expect(video.count).toBeGreaterThan(24 * 10) // at least ~10 s of 24 fps video reached the viewer
    expect(video.backwards).toBe(0)
    expect(out).toMatch(/Aired for \d+ s; state before stop: live/)

    // The shots it generated are in the library, ready, on the timeline.
    const shots = await runWebtv(['shots', '--channel', 'demo', '--json', '--data-dir', t.dir])
    expect(shots.code).toBe(0)
    const rows = (JSON.parse(shots.stdout) as { shots: Array<{ status: string; backend: string }> }).shots
    expect(rows).toHaveLength(2)
    expect(rows.every((r) => r.status === 'ready')).toBe(true)
    expect(rows.every((r) => /offline/i.test(r.backend))).toBe(true)

    // Narrated: the plan's first shot has a narrator line, spoken offline, captioned, and never cut.
    expect(out).toMatch(/Show plan: ".+", 2 shot\(s\), 1 with a narrator line/)
    expect(out).toMatch(/Narrated 1 line\(s\) with the offline voice; captions are burned in/)
    const db = new Database(join(t.dir, 'library.db'), { readonly: true })
    try {
      const narrated = db
        .prepare('SELECT sound_json, duration_ms, mp4_path FROM shots WHERE sound_json LIKE ? ORDER BY id LIMIT 1')
        .get('%"narration":{%') as { sound_json: string; duration_ms: number; mp4_path: string }
      const sound = JSON.parse(narrated.sound_json) as {
        narration: { endSec: number; cues: unknown[] }
        music: unknown
      }
      expect(sound.narration.cues.length).toBeGreaterThan(0)
      expect(narrated.duration_ms / 1000).toBeGreaterThanOrEqual(sound.narration.endSec + 0.3 - 0.05)
      // The music bed was laid into the sound (ducked at conform), not muxed over the clip.
      expect(sound.music).toEqual({ file: expect.stringMatching(/\.wav$/), offsetSec: 0 })
    } finally {
      db.close()
    }
  }, 420_000)
})

describe('webtv demo without --data-dir (issue 23 item 6)', () => {
  it("keeps its data in its own folder, says where, and leaves the studio's default folder (and its first run) alone", async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const xdg = join(t.dir, 'xdg')
    const r = await runWebtv(
      [
        'demo',
        '--count',
        '1',
        '--duration',
        '3',
        '--port',
        '0',
        '--rtmp-port',
        String(await freePort()),
        '--flv-port',
        String(await freePort())
      ],
      { env: { XDG_DATA_HOME: xdg, WEBTV_DATA_DIR: '' }, timeoutMs: 240_000 }
    )
    expect(r.code, r.stdout + r.stderr).toBe(0)
    const demoDir = join(xdg, 'webtv-studio-demo')
    const studioDir = join(xdg, 'webtv-studio')
    expect(r.stdout).toContain(`The demo keeps its data in its own folder, ${demoDir}`)
    expect(existsSync(join(demoDir, 'library.db'))).toBe(true)
    // Nothing in the default folder: a later `webtv serve` there starts with the first run.
    expect(existsSync(studioDir)).toBe(false)
    const status = await runWebtv(['channel', 'list', '--json'], { env: { XDG_DATA_HOME: xdg, WEBTV_DATA_DIR: '' } })
    expect((JSON.parse(status.stdout) as { channels: unknown[] }).channels).toEqual([])
  }, 300_000)
})
