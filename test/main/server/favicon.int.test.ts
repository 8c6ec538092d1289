/**
 * Issue 23 item 9: the studio and the watch page link /favicon.svg; the server sends it
 * to anyone (like /watch), with an image type, and through the same served-file check
 * as every other file route (a link planted in its place leads nowhere).
 */
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Core } from '../../../src/main/core/core'
import { appFeature } from '../../../src/main/app/feature'
import { secretsFeature } from '../../../src/main/secrets/feature'
import { startStudioServer, type StudioServer } from '../../../src/main/server/studio-server'
import { tempDir } from '../../helpers/tmp'

const ICON = join(__dirname, '..', '..', '..', 'src', 'renderer', 'public', 'favicon.svg')
const posix = process.platform !== 'win32'

let core: Core
let server: StudioServer
let linked: StudioServer | undefined
let cleanup: () => void

function rendererWith(dir: string, icon: (file: string) => void): string {
  mkdirSync(join(dir, 'assets'), { recursive: true })
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>studio</title>')
  writeFileSync(join(dir, 'watch.html'), '<!doctype html><title>watch</title>')
  icon(join(dir, 'favicon.svg'))
  return dir
}

beforeAll(async () => {
  const t = tempDir()
  cleanup = t.cleanup
  core = await Core.open({ dataDir: join(t.dir, 'data'), shell: 'headless', version: '0.0.0-test' }, [
    secretsFeature,
    appFeature
  ])
  writeFileSync(join(core.dataDir, 'secrets.json'), '{"k":"SECRET INSIDE"}')
  server = await startStudioServer({
    core,
    rendererDir: rendererWith(join(t.dir, 'renderer'), (f) => copyFileSync(ICON, f)),
    port: 0
  })
  if (posix)
    linked = await startStudioServer({
      core,
      rendererDir: rendererWith(join(t.dir, 'renderer-linked'), (f) =>
        symlinkSync(join(core.dataDir, 'secrets.json'), f)
      ),
      port: 0
    })
})
afterAll(async () => {
  await linked?.close()
  await server?.close()
  await core?.close()
  cleanup?.()
})

function get(
  port: number,
  path: string,
  method = 'GET'
): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('favicon', () => {
  it('is public (no token) and an SVG image', async () => {
    const res = await get(server.port, '/favicon.svg')
    expect(res.status).toBe(200)
    expect(res.type).toBe('image/svg+xml')
    expect(res.body).toBe(readFileSync(ICON, 'utf8'))
  })

  it('answers /favicon.ico with the same icon instead of a 401 or 404', async () => {
    const res = await get(server.port, '/favicon.ico')
    expect(res.status).toBe(200)
    expect(res.type).toBe('image/svg+xml')
    expect(res.body).toContain('<svg')
    expect((await get(server.port, '/favicon.svg', 'HEAD')).status).toBe(200)
  })

  it('is the only file of the renderer folder served at the root: the rest still needs the token', async () => {
    expect((await get(server.port, '/watch.html')).status).toBe(200)
    expect((await get(server.port, '/favicon.png')).status).toBe(401)
  })

  it.runIf(posix)('never follows a link planted in its place', async () => {
    const res = await get(linked!.port, '/favicon.svg')
    expect(res.status).toBe(404)
    expect(res.body).not.toContain('SECRET')
  })
})
