/**
 * Issue 12 item 10, studio server: media through a planted symlink, and the Host
 * header check against DNS rebinding.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { networkInterfaces } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { Core } from '../../../src/main/core/core'
import { appFeature } from '../../../src/main/app/feature'
import { secretsFeature } from '../../../src/main/secrets/feature'
import { startStudioServer, type StudioServer } from '../../../src/main/server/studio-server'
import { hostName, isAllowedHost } from '../../../src/main/server/host-check'
import { tempDir } from '../../helpers/tmp'

let core: Core
let server: StudioServer
let lanServer: StudioServer
let cleanup: () => void
let outside: string

beforeAll(async () => {
  const t = tempDir()
  cleanup = t.cleanup
  const rendererDir = join(t.dir, 'renderer')
  mkdirSync(rendererDir, { recursive: true })
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>studio</title>')
  writeFileSync(join(rendererDir, 'watch.html'), '<!doctype html><title>watch</title>')
  core = await Core.open({ dataDir: join(t.dir, 'data'), shell: 'headless', version: '0.0.0-test' }, [
    secretsFeature,
    appFeature
  ])
  mkdirSync(join(core.dataDir, 'media', 'ab'), { recursive: true })
  writeFileSync(join(core.dataDir, 'media', 'ab', 'real.mp4'), Buffer.alloc(100, 1))
  outside = join(t.dir, 'private-key.txt')
  writeFileSync(outside, 'SECRET OUTSIDE THE DATA FOLDER')
  writeFileSync(join(core.dataDir, 'secrets.json'), '{"k":"SECRET INSIDE"}')
  if (process.platform !== 'win32') {
    symlinkSync(outside, join(core.dataDir, 'media', 'ab', 'planted.mp4'))
    symlinkSync(join(core.dataDir, 'secrets.json'), join(core.dataDir, 'media', 'ab', 'secrets.mp4'))
    symlinkSync(t.dir, join(core.dataDir, 'media', 'up'))
  }
  server = await startStudioServer({ core, rendererDir, port: 0 })
  lanServer = await startStudioServer({ core, rendererDir, port: 0, host: '0.0.0.0', allowedHosts: ['studio.lan'] })
})
afterAll(async () => {
  await server?.close()
  await lanServer?.close()
  await core?.close()
  cleanup?.()
})

function get(
  port: number,
  path: string,
  headers: Record<string, string>,
  setHost = true
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, setHost }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('studio server hardening', () => {
  it.runIf(process.platform !== 'win32')(
    'serves only regular files whose real path is inside the media folders',
    async () => {
      const auth = { authorization: `Bearer ${server.token}` }
      expect((await get(server.port, '/media/media/ab/real.mp4', auth)).status).toBe(200)
      for (const p of [
        '/media/media/ab/planted.mp4',
        '/media/media/ab/secrets.mp4',
        '/media/media/up/private-key.txt',
        '/media/media/ab'
      ]) {
        const r = await get(server.port, p, auth)
        expect(r.status, p).toBe(404)
        expect(r.body).not.toMatch(/SECRET/)
      }
    }
  )

  it('answers only to localhost names, not to a rebound DNS name (HTTP and WebSocket)', async () => {
    const port = server.port
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'LOCALHOST']) {
      expect((await get(port, '/watch', { host })).status, host).toBe(200)
    }
    for (const host of [`evil.example:${port}`, 'evil.example', '127.0.0.1.evil.example', `studio.lan:${port}`]) {
      const r = await get(port, '/watch', { host })
      expect(`${host} → ${r.status}`).toBe(`${host} → 421`)
      expect(r.body).toMatch(/only answers to localhost/)
    }
    expect((await get(port, '/watch', {}, false)).status).toBeGreaterThanOrEqual(400) // no Host at all
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/ws`, {
      headers: { host: `evil.example:${port}`, authorization: `Bearer ${server.token}` }
    })
    const outcome = await new Promise<string>((resolve) => {
      ws.once('open', () => resolve('open'))
      ws.once('unexpected-response', (_q, res) => resolve(`HTTP ${res.statusCode}`))
      ws.once('error', () => resolve('error'))
    })
    ws.terminate()
    expect(outcome).not.toBe('open')
  })

  it("on the LAN also answers to the machine's own addresses and allowed names, still not to others", async () => {
    const port = lanServer.port
    const lanAddress = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal)?.address
    const allowed = ['localhost', 'studio.lan', `STUDIO.lan:${port}`, ...(lanAddress ? [`${lanAddress}:${port}`] : [])]
    for (const host of allowed) expect((await get(port, '/watch', { host })).status, host).toBe(200)
    expect((await get(port, '/watch', { host: 'evil.example' })).status).toBe(421)
  })

  it('parses Host headers strictly', () => {
    expect(hostName('Example.COM:8710')).toBe('example.com')
    expect(hostName('[::1]:80')).toBe('::1')
    expect(hostName('[::1]x')).toBeUndefined()
    expect(hostName('a b')).toBeUndefined()
    expect(hostName(undefined)).toBeUndefined()
    expect(isAllowedHost('127.0.0.2:1', { lan: false })).toBe(true)
    expect(isAllowedHost('10.0.0.5', { lan: false })).toBe(false)
  })
})
