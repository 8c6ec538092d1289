import { execFileSync, spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Core } from '../../../src/main/core/core'
import { callCore, openCore } from '../../../src/main/cli/open-core'
import { DEFAULT_HOUSE_FORMAT } from '../../../src/shared/house-format'
import { makeHouseClip } from '../../../src/main/onair/slate'
import { toolPath } from '../../../src/main/media/ffmpeg-path'
import { destinationUrl } from '../../../src/main/onair/destinations'
import { tempDir } from '../../helpers/tmp'
import { freePort, startViewer, type Viewer } from '../../fixtures/rtmp'
import { NGINX_BIN, NGINX_RTMP_MODULE, startNginxRtmp, type NginxRtmp } from '../../fixtures/nginx-rtmp'

async function until<T>(
  what: string,
  fn: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 40_000
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

const seq = (m3u8: string) => Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(m3u8)?.[1] ?? NaN)

async function playlist(url: string): Promise<string | undefined> {
  const r = await fetch(url).catch(() => null)
  if (!r || r.status !== 200) return undefined
  const t = await r.text()
  return /\.ts/.test(t) ? t : undefined
}

// CI installs nginx and libnginx-mod-rtmp (.ci/run); without them this suite says why it skipped.
describe.skipIf(!NGINX_BIN || !NGINX_RTMP_MODULE)('scale-out: nginx-rtmp as the origin viewers pull from', () => {
  const tmp = tempDir()
  let nginx: NginxRtmp
  let core: Core | null = null
  let viewer: Viewer | null = null
  let channelId = 0
  const dataDir = join(tmp.dir, 'data')
  let clip = ''

  const openStudio = async () => {
    core = await openCore(dataDir)
    return core
  }

  beforeAll(async () => {
    nginx = await startNginxRtmp(join(tmp.dir, 'nginx'))
    const c = await openStudio()
    await callCore(c, 'onair.settings.update', { rtmpPort: await freePort(), httpPort: await freePort() })
    const ch = await callCore(c, 'library.channels.create', { name: 'Origin' })
    channelId = ch.id
    clip = await makeHouseClip({
      format: DEFAULT_HOUSE_FORMAT,
      frames: 96,
      video: 'testsrc2',
      toneHz: 440,
      output: join(tmp.dir, 'a.ts')
    })
    const { results } = await callCore(c, 'library.import', { channelId, paths: [clip], approved: true })
    if (!results[0]!.ok) throw new Error(results[0]!.error)
    await callCore(c, 'library.playlist.add', { channelId, shotIds: [results[0]!.shot.id] })
    // The origin is just another destination: the studio publishes one copy, nginx fans it out.
    await callCore(c, 'onair.destinations.add', {
      channelId,
      kind: 'rtmp',
      name: 'Origin',
      url: nginx.rtmpUrl('webtv')
    })
  }, 120_000)

  afterAll(async () => {
    await viewer?.stop()
    await core?.close()
    await nginx?.stop()
    tmp.cleanup()
  })

  it('serves RTMP and HLS viewers what the studio publishes, through a studio restart', async () => {
    await callCore(core!, 'onair.start', { channelId })
    viewer = startViewer(nginx.rtmpUrl('webtv'))
    await until('RTMP packets from nginx', () =>
      viewer!.packets.filter((p) => p.stream === 'video').length > 48 ? true : undefined
    )
    const first = await until('an HLS playlist from nginx', () => playlist(nginx.hlsUrl('webtv')))
    const segment = /^(\S+\.ts)$/m.exec(first)![1]!
    const body = Buffer.from(await (await fetch(new URL(segment, nginx.hlsUrl('webtv')))).arrayBuffer())
    const file = join(tmp.dir, 'nginx-seg.ts')
    writeFileSync(file, body)
    execFileSync(toolPath('ffmpeg'), ['-v', 'error', '-xerror', '-i', file, '-f', 'null', '-'])

    // Restart the studio (a new process would do the same): close everything, open again, Go Live.
    await callCore(core!, 'onair.stop', { channelId })
    await core!.close()
    core = null
    const before = viewer!.packets.length
    const seqBefore = seq((await playlist(nginx.hlsUrl('webtv'))) ?? first)
    const c = await openStudio()
    await callCore(c, 'onair.start', { channelId })
    // HLS viewers: the playlist goes on advancing after the restart.
    await until(
      'HLS advancing after the restart',
      async () => {
        const t = await playlist(nginx.hlsUrl('webtv'))
        return t && seq(t) > seqBefore + 1 ? true : undefined
      },
      60_000
    )
    // RTMP viewers: the one already connected gets the new stream, or a new one plays at once.
    const resumed = await until(
      'RTMP after the restart',
      async () => {
        if (viewer!.packets.length > before + 48) return 'same viewer'
        if (!viewer!.alive) {
          viewer = startViewer(nginx.rtmpUrl('webtv'))
          return undefined
        }
        return undefined
      },
      60_000
    )
    expect(['same viewer']).toContain(resumed)
  }, 180_000)

  it("YouTube's backup-ingest URL shape (…/live2?backup=1/KEY) is read by an RTMP server as app + stream key", async () => {
    // nginx-rtmp, like YouTube, splits the app at the first slash and ignores its query.
    const url = destinationUrl(
      {
        id: 'y',
        channelId,
        kind: 'youtube',
        name: 'YouTube (backup)',
        target: `rtmp://127.0.0.1:${nginx.rtmpPort}/live?backup=1`,
        enabled: true
      },
      'yt-key-42'
    )
    expect(url).toBe(`rtmp://127.0.0.1:${nginx.rtmpPort}/live?backup=1/yt-key-42`)
    const push = spawn(
      toolPath('ffmpeg'),
      ['-hide_banner', '-loglevel', 'error', '-re', '-i', clip, '-c', 'copy', '-f', 'flv', url],
      { stdio: 'ignore' }
    )
    try {
      await until('HLS of the stream named by the key', () => playlist(nginx.hlsUrl('yt-key-42')), 30_000)
    } finally {
      push.kill('SIGKILL')
    }
  }, 60_000)
})
