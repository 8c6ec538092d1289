import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Core } from '../../../src/main/core/core'
import { callCore, openCore } from '../../../src/main/cli/open-core'
import { DEFAULT_HOUSE_FORMAT } from '../../../src/shared/house-format'
import { makeHouseClip } from '../../../src/main/onair/slate'
import { toolPath } from '../../../src/main/media/ffmpeg-path'
import type { EventPayload } from '../../../src/shared/contract'
import { tempDir } from '../../helpers/tmp'
import { runWebtv } from '../../helpers/cli'
import { freePort, startRemoteIngest, type RemoteIngest } from '../../fixtures/rtmp'

const FB_KEY = 'FB-7731-secret-abc'
const SRT_ID = '#!::r=channel1,m=publish'

async function until<T>(what: string, fn: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = fn()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** An RTMPS ingest: TLS (self-signed certificate) terminated here, RTMP passed to node-media-server. */
async function startTlsProxy(
  dir: string,
  targetPort: number
): Promise<{ port: number; server: TlsServer; handshakes: () => number }> {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost'
    ],
    { stdio: 'ignore' }
  )
  let count = 0
  const server = createTlsServer(
    { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
    (tls) => {
      count++
      const up: Socket = connect(targetPort, '127.0.0.1')
      tls.pipe(up).pipe(tls)
      tls.on('error', () => up.destroy())
      up.on('error', () => tls.destroy())
    }
  )
  const port = await freePort()
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()))
  return { port, server, handshakes: () => count }
}

describe('destination presets against local receivers (RTMPS through TLS, SRT listener)', () => {
  const tmp = tempDir()
  let core: Core
  let remote: RemoteIngest
  let tls: Awaited<ReturnType<typeof startTlsProxy>>
  let srt: ChildProcess | null = null
  let channelId = 0
  const states: Array<EventPayload<'onair.state'>> = []

  beforeAll(async () => {
    core = await openCore(join(tmp.dir, 'data'))
    core.bus.on('onair.state', (e) => states.push(e))
    await callCore(core, 'onair.settings.update', { rtmpPort: await freePort(), httpPort: await freePort() })
    const ch = await callCore(core, 'library.channels.create', { name: 'Presets' })
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
    remote = await startRemoteIngest({ requiredKey: FB_KEY })
    tls = await startTlsProxy(tmp.dir, remote.rtmpPort)
    // The relay verifies the ingest's certificate; this one is self-signed, so trust it as a private CA.
    process.env.WEBTV_TLS_CA_FILE = join(tmp.dir, 'cert.pem')
  }, 120_000)

  afterAll(async () => {
    delete process.env.WEBTV_TLS_CA_FILE
    await core?.close()
    srt?.kill('SIGKILL')
    tls?.server.close()
    await remote?.kill()
    tmp.cleanup()
  })

  it('Facebook (RTMPS) reaches a TLS ingest with the key as its stream; SRT carries MPEG-TS with the streamid', async () => {
    const srtPort = await freePort()
    const out = join(tmp.dir, 'srt-received.ts')
    // ffmpeg as the SRT receiver (listener), writing what arrives.
    srt = spawn(
      toolPath('ffmpeg'),
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-y',
        '-i',
        `srt://127.0.0.1:${srtPort}?mode=listener`,
        '-map',
        '0',
        '-c',
        'copy',
        '-f',
        'mpegts',
        out
      ],
      {
        stdio: 'ignore'
      }
    )
    const fb = await callCore(core, 'onair.destinations.add', {
      channelId,
      kind: 'facebook',
      url: `rtmps://127.0.0.1:${tls.port}/rtmp/${FB_KEY}`
    })
    expect(fb.name).toBe('Facebook Live')
    expect(fb.keyMasked).toMatch(/•+-abc$/)
    expect(fb.target).toBe(`rtmps://127.0.0.1:${tls.port}/rtmp`)
    const s = await callCore(core, 'onair.destinations.add', {
      channelId,
      kind: 'srt',
      url: `srt://127.0.0.1:${srtPort}?streamid=${SRT_ID}`
    })
    expect(s.target).toBe(`srt://127.0.0.1:${srtPort}`)
    expect(s.keyMasked).not.toBeNull()
    await callCore(core, 'onair.start', { channelId })
    expect(await remote.waitFor(/^PUBLISH \/rtmp\//, 30_000)).toBe(`PUBLISH /rtmp/${FB_KEY}`)
    expect(tls.handshakes()).toBeGreaterThan(0)
    await until('SRT bytes', () => (existsSync(out) && statSync(out).size > 300_000 ? true : undefined), 40_000)
    const streams = execFileSync(
      toolPath('ffprobe'),
      ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', out],
      { encoding: 'utf8' }
    )
    expect(streams).toMatch(/^h264$/m)
    expect(streams).toMatch(/^aac$/m)
    // And it decodes: the H.264 of the house format, copied (no decode errors at error level).
    const size = execFileSync(
      toolPath('ffprobe'),
      ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', out],
      { encoding: 'utf8' }
    )
    expect(size.trim().split('\n')[0]).toBe('1024,576')
    execFileSync(toolPath('ffmpeg'), ['-v', 'error', '-i', out, '-map', '0:v:0', '-frames:v', '48', '-f', 'null', '-'])
    // The keys stay out of every message the studio emitted.
    expect(JSON.stringify(states)).not.toContain(FB_KEY)
    expect(JSON.stringify(states)).not.toContain('channel1')
    await callCore(core, 'onair.stop', { channelId })
  }, 120_000)

  it('refuses before Go Live what a platform would reject: the channel airs, that destination stops with what to change', async () => {
    const big = await callCore(core, 'library.channels.create', {
      name: 'Too Fast',
      format: { width: 1280, height: 720, fps: 30, videoKbps: 4500, videoMaxKbps: 5000 }
    })
    const { presets } = await callCore(core, 'outputs.presets', { channelId: big.id })
    const fb = presets.find((p) => p.id === 'facebook')!
    expect(fb.problems).toHaveLength(1)
    expect(fb.problems[0]).toMatch(/at most 4000 kbit\/s.*1280x720@30.*peaks at 5000/)
    expect(presets.find((p) => p.id === 'youtube')!.problems).toEqual([])
    expect(presets.find((p) => p.id === 'srt')!.unavailable).toBeNull()
    const d = await callCore(core, 'onair.destinations.add', {
      channelId: big.id,
      kind: 'facebook',
      key: 'FB-unused-1'
    })
    expect(d.target).toBe('rtmps://live-api-s.facebook.com:443/rtmp')
    const started = Date.now()
    const status = await callCore(core, 'onair.start', { channelId: big.id })
    expect(status.state).toBe('live')
    const err = await until(
      'destination error',
      () => states.find((s) => s.destinationId === d.id && s.state === 'error' && s.at >= started),
      20_000
    )
    expect(err.message).toMatch(/Not sent to Facebook Live: .*lower the channel's maximum video bitrate to 4000/)
    expect((await callCore(core, 'onair.status', { channelId: big.id })).channels[0]!.state).toBe('live')
    await callCore(core, 'onair.stop', { channelId: big.id })
  }, 90_000)

  it('says clearly when the ffmpeg in use has no SRT, and stores nothing', async () => {
    const fake = join(tmp.dir, 'ffmpeg-no-srt')
    writeFileSync(
      fake,
      '#!/bin/sh\nprintf "Supported file protocols:\\nInput:\\n  file\\n  rtmp\\nOutput:\\n  file\\n  rtmp\\n  rtmps\\n"\n'
    )
    chmodSync(fake, 0o755)
    const dataDir = join(tmp.dir, 'cli-data')
    expect((await runWebtv(['channel', 'create', 'Srt', '--data-dir', dataDir])).code).toBe(0)
    const r = await runWebtv(
      [
        'destinations',
        'add',
        '--channel',
        'Srt',
        '--preset',
        'srt',
        '--url',
        'srt://127.0.0.1:9999?streamid=abc',
        '--data-dir',
        dataDir
      ],
      {
        env: { WEBTV_FFMPEG: fake }
      }
    )
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/built without SRT.*WEBTV_FFMPEG/)
    const list = await runWebtv(['destinations', '--channel', 'Srt', '--data-dir', dataDir, '--json'])
    expect(JSON.parse(list.stdout).destinations).toEqual([])
  }, 60_000)
})
