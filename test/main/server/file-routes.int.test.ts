/**
 * Issue 19 finding 2: every file route (public /hls, /assets, /media) serves only
 * regular files whose real path lies inside that route's folder — one shared check
 * (server/static.ts resolveServedFile), no symlink planted in a served folder leads out.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Core } from '../../../src/main/core/core'
import { appFeature } from '../../../src/main/app/feature'
import { secretsFeature } from '../../../src/main/secrets/feature'
import { OUTPUTS } from '../../../src/main/services'
import type { OutputsService } from '../../../src/main/outputs/service'
import { startStudioServer, type StudioServer } from '../../../src/main/server/studio-server'
import { tempDir } from '../../helpers/tmp'

let core: Core
let server: StudioServer
let cleanup: () => void
const posix = process.platform !== 'win32'

beforeAll(async () => {
  const t = tempDir()
  cleanup = t.cleanup
  const rendererDir = join(t.dir, 'renderer')
  mkdirSync(join(rendererDir, 'assets'), { recursive: true })
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>studio SHELL</title>')
  writeFileSync(join(rendererDir, 'watch.html'), '<!doctype html><title>watch SHELL</title>')
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)')
  core = await Core.open({ dataDir: join(t.dir, 'data'), shell: 'headless', version: '0.0.0-test' }, [
    secretsFeature,
    appFeature
  ])
  writeFileSync(join(core.dataDir, 'secrets.json'), '{"k":"SECRET INSIDE"}')
  writeFileSync(join(core.dataDir, 'serve-token'), 'SECRET TOKEN')
  const hls = join(core.dataDir, 'hls', 'chan')
  mkdirSync(hls, { recursive: true })
  writeFileSync(join(hls, 'index.m3u8'), '#EXTM3U\n#EXTINF:1,\nseg-1.ts\n')
  writeFileSync(join(hls, 'seg-1.ts'), Buffer.alloc(188, 0x47))
  writeFileSync(join(hls, 'master.m3u8'), '#EXTM3U\n')
  writeFileSync(join(hls, 'video.m3u8'), '#EXTM3U\n#EXTINF:1,\nseg-1.ts\n')
  writeFileSync(join(hls, 'sub-1.vtt'), 'WEBVTT\n\n')
  writeFileSync(join(core.dataDir, 'hls', 'seg-7.ts'), 'SECRET OTHER STREAM')
  if (posix) {
    symlinkSync(join(core.dataDir, 'secrets.json'), join(hls, 'seg-2.ts'))
    symlinkSync(join(core.dataDir, 'serve-token'), join(hls, 'seg-3.ts'))
    symlinkSync('/etc/passwd', join(hls, 'seg-4.ts'))
    symlinkSync(join(core.dataDir, 'secrets.json'), join(rendererDir, 'assets', 'x.js'))
  }
  // The outputs service as the studio server sees it while "chan" airs HLS into that folder.
  core.services.provide(OUTPUTS, {
    hlsFolder: (stream: string) => (stream === 'chan' ? hls : undefined),
    publicGuides: () => []
  } as unknown as OutputsService)
  server = await startStudioServer({ core, rendererDir, port: 0 })
})
afterAll(async () => {
  await server?.close()
  await core?.close()
  cleanup?.()
})

function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('file routes serve only regular files inside their own folder', () => {
  it('public HLS serves the playlist and its segments', async () => {
    expect((await get('/hls/chan/index.m3u8')).status).toBe(200)
    expect((await get('/hls/chan/seg-1.ts')).status).toBe(200)
    // The captions rendition (outputs/subtitles.ts): master, numbered video playlist, WebVTT segments, nothing else.
    expect((await get('/hls/chan/master.m3u8')).status).toBe(200)
    expect((await get('/hls/chan/video.m3u8')).status).toBe(200)
    const vtt = await fetch(`http://127.0.0.1:${server.port}/hls/chan/sub-1.vtt`)
    expect(vtt.headers.get('content-type')).toBe('text/vtt; charset=utf-8')
    expect((await get('/hls/chan/subs.m3u8')).status).toBe(404) // listed name, not written yet
    expect((await get('/hls/chan/sub-1.vtt.tmp')).status).not.toBe(200)
  })

  it.runIf(posix)(
    'public HLS refuses links planted in the stream folder (secrets, serve token, /etc/passwd)',
    async () => {
      for (const p of ['/hls/chan/seg-2.ts', '/hls/chan/seg-3.ts', '/hls/chan/seg-4.ts']) {
        const r = await get(p)
        expect(r.status, p).toBe(404)
        expect(r.body, p).not.toMatch(/SECRET|root:/)
      }
    }
  )

  it('/assets refuses encoded parent segments and links out', async () => {
    expect((await get('/assets/app.js')).status).toBe(200)
    for (const p of [
      '/assets/..%2findex.html',
      '/assets/..%2fwatch.html',
      '/assets/%2e%2e/index.html',
      '/assets/..%5cindex.html'
    ]) {
      const r = await get(p)
      // 404, or 401 where the URL parser folded %2e%2e back to the token-guarded page
      expect([401, 404], p).toContain(r.status)
      expect(r.body, p).not.toMatch(/SHELL/)
    }
    if (posix) {
      const r = await get('/assets/x.js')
      expect(r.status).toBe(404)
      expect(r.body).not.toMatch(/SECRET/)
    }
  })

  it('/media refuses parent segments even when they land back inside a served folder', async () => {
    const auth = { authorization: `Bearer ${server.token}` }
    writeFileSync(join(core.dataDir, 'hls', 'chan', 'x.mp4'), 'x')
    for (const p of ['/media/media/..%2fsecrets.json', '/media/trash/..%2f..%2fserve-token', '/media/hls/chan/x.mp4']) {
      const r = await get(p, auth)
      expect(r.status, p).toBe(404)
      expect(r.body, p).not.toMatch(/SECRET/)
    }
  })
})
