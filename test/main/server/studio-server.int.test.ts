import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { Core } from '../../../src/main/core/core'
import { appFeature } from '../../../src/main/app/feature'
import { secretsFeature } from '../../../src/main/secrets/feature'
import { startStudioServer, type StudioServer } from '../../../src/main/server/studio-server'
import { tempDir } from '../../helpers/tmp'

let core: Core
let server: StudioServer
let cleanup: () => void
let rendererDir: string

beforeAll(async () => {
  const t = tempDir()
  cleanup = t.cleanup
  rendererDir = join(t.dir, 'renderer')
  mkdirSync(join(rendererDir, 'assets'), { recursive: true })
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>studio</title>')
  writeFileSync(join(rendererDir, 'watch.html'), '<!doctype html><title>watch</title>')
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)')
  core = await Core.open({ dataDir: join(t.dir, 'data'), shell: 'headless', version: '0.0.0-test' }, [
    secretsFeature,
    appFeature
  ])
  mkdirSync(join(core.dataDir, 'media'), { recursive: true })
  writeFileSync(join(core.dataDir, 'media', 'clip.mp4'), Buffer.alloc(1000, 7))
  writeFileSync(join(core.dataDir, 'library.db'), 'not for the web')
  server = await startStudioServer({ core, rendererDir, port: 0 })
})
afterAll(async () => {
  await server?.close()
  await core?.close()
  cleanup?.()
})

async function cookieFor(): Promise<string> {
  const r = await fetch(server.url, { redirect: 'manual' })
  expect(r.status).toBe(303)
  expect(r.headers.get('location')).toBe('/')
  const setCookie = r.headers.get('set-cookie') ?? ''
  expect(setCookie).toMatch(/HttpOnly/)
  expect(setCookie).toMatch(/SameSite=Strict/)
  return setCookie.split(';')[0]!
}

function openSocket(headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/ws`, { headers })
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
  })
}

function nextMessage(ws: WebSocket): Promise<Record<string, unknown>> {
  return new Promise((resolve) =>
    ws.once('message', (d) => resolve(JSON.parse(d.toString()) as Record<string, unknown>))
  )
}

describe('headless studio server', () => {
  it('answers 401 to the studio page and the API without the token', async () => {
    expect((await fetch(`${server.baseUrl}/`)).status).toBe(401)
    expect((await fetch(`${server.baseUrl}/?token=wrong`, { redirect: 'manual' })).status).toBe(401)
    const r = await fetch(`${server.baseUrl}/api/call/app.ping`, { method: 'POST', body: '{}' })
    expect(r.status).toBe(401)
    expect((await fetch(`${server.baseUrl}/media/media/clip.mp4`)).status).toBe(401)
    await expect(openSocket({})).rejects.toThrow(/401/)
  })

  it('trades the URL token for a cookie and serves the studio with a strict CSP', async () => {
    const cookie = await cookieFor()
    const page = await fetch(`${server.baseUrl}/`, { headers: { cookie } })
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<title>studio</title>')
    const csp = page.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("script-src 'self'")
    expect(csp).not.toMatch(/unsafe-eval/)
  })

  it('runs a contract call over HTTP with the bearer token', async () => {
    const r = await fetch(`${server.baseUrl}/api/call/app.ping`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ echo: 'hi' })
    })
    expect(r.status).toBe(200)
    const body = (await r.json()) as { ok: boolean; value: { echo: string } }
    expect(body).toMatchObject({ ok: true, value: { echo: 'hi' } })
  })

  it('runs calls and reports typed errors over the WebSocket', async () => {
    const cookie = await cookieFor()
    const ws = await openSocket({ cookie, origin: server.baseUrl })
    try {
      let reply = nextMessage(ws)
      ws.send(JSON.stringify({ t: 'call', id: 1, name: 'app.ping', input: { echo: 'round trip' } }))
      expect(await reply).toMatchObject({ t: 'result', id: 1, result: { ok: true, value: { echo: 'round trip' } } })

      reply = nextMessage(ws)
      ws.send(JSON.stringify({ t: 'call', id: 2, name: 'app.ping', input: { echo: 42 } }))
      expect(await reply).toMatchObject({
        t: 'result',
        id: 2,
        result: { ok: false, error: { code: 'invalid_input', field: 'echo' } }
      })

      reply = nextMessage(ws)
      ws.send(JSON.stringify({ t: 'call', id: 3, name: 'app.nope', input: {} }))
      expect(await reply).toMatchObject({ id: 3, result: { ok: false, error: { code: 'unknown_call' } } })

      reply = nextMessage(ws)
      ws.send('{not json')
      expect(await reply).toMatchObject({ t: 'error' })

      reply = nextMessage(ws)
      ws.send(JSON.stringify({ t: 'call', id: 4, name: 'app.ping', input: { extra: true } }))
      expect(await reply).toMatchObject({ id: 4, result: { ok: false, error: { code: 'invalid_input' } } })

      // Events pushed by the core reach the socket.
      reply = nextMessage(ws)
      core.bus.emit('app.notice', { level: 'info', message: 'hello', at: 1 })
      expect(await reply).toMatchObject({ t: 'event', name: 'app.notice', payload: { message: 'hello' } })
    } finally {
      ws.close()
    }
  })

  it('refuses a WebSocket from another origin even with the cookie', async () => {
    const cookie = await cookieFor()
    await expect(openSocket({ cookie, origin: 'http://evil.example' })).rejects.toThrow(/401/)
  })

  it('serves media with Range support but never the database or paths outside', async () => {
    const auth = { authorization: `Bearer ${server.token}` }
    const full = await fetch(`${server.baseUrl}/media/media/clip.mp4`, { headers: auth })
    expect(full.status).toBe(200)
    expect(full.headers.get('content-type')).toBe('video/mp4')
    const part = await fetch(`${server.baseUrl}/media/media/clip.mp4`, { headers: { ...auth, range: 'bytes=100-199' } })
    expect(part.status).toBe(206)
    expect(part.headers.get('content-range')).toBe('bytes 100-199/1000')
    expect((await part.arrayBuffer()).byteLength).toBe(100)
    expect((await fetch(`${server.baseUrl}/media/library.db`, { headers: auth })).status).toBe(404)
    expect((await fetch(`${server.baseUrl}/media/media/..%2F..%2Fetc%2Fpasswd`, { headers: auth })).status).toBe(404)
    expect((await fetch(`${server.baseUrl}/media/secrets.json`, { headers: auth })).status).toBe(404)
    // Encoded "../" inside an allowed folder must not climb out to the database or the secrets.
    expect((await fetch(`${server.baseUrl}/media/media/..%2fsecrets.json`, { headers: auth })).status).toBe(404)
    expect((await fetch(`${server.baseUrl}/media/media/..%2flibrary.db`, { headers: auth })).status).toBe(404)
    expect((await fetch(`${server.baseUrl}/media/media%2f..%2flibrary.db`, { headers: auth })).status).toBe(404)
  })

  it('refuses cross-origin and non-JSON calls even with the token', async () => {
    const headers = { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' }
    const evil = await fetch(`${server.baseUrl}/api/call/app.ping`, {
      method: 'POST',
      headers: { ...headers, origin: 'http://127.0.0.1:9999' },
      body: '{}'
    })
    expect(evil.status).toBe(403)
    const form = await fetch(`${server.baseUrl}/api/call/app.ping`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'text/plain' },
      body: '{}'
    })
    expect(form.status).toBe(415)
    const upload = await fetch(`${server.baseUrl}/api/upload?name=x.mp4`, {
      method: 'POST',
      headers: { ...headers, origin: 'http://evil.example' },
      body: 'x'
    })
    expect(upload.status).toBe(403)
  })

  it('keeps "%" in uploaded file names', async () => {
    const r = await fetch(`${server.baseUrl}/api/upload?name=${encodeURIComponent('50% off.mp4')}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}` },
      body: Buffer.alloc(10, 1)
    })
    expect(r.status).toBe(200)
    expect(((await r.json()) as { path: string }).path).toMatch(/50% off\.mp4$/)
  })

  it('accepts uploads with odd names and keeps them in the data folder', async () => {
    const name = 'my "clip" — été.mp4'
    const r = await fetch(`${server.baseUrl}/api/upload?name=${encodeURIComponent(name)}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}` },
      body: Buffer.alloc(5000, 1)
    })
    expect(r.status).toBe(200)
    const { path, bytes } = (await r.json()) as { path: string; bytes: number }
    expect(bytes).toBe(5000)
    expect(path.startsWith(join(core.dataDir, 'uploads'))).toBe(true)
    expect(path).toMatch(/été\.mp4$/)
  })

  it('serves the watch page and public channel list without a token', async () => {
    expect((await fetch(`${server.baseUrl}/watch`)).status).toBe(200)
    expect((await fetch(`${server.baseUrl}/assets/app.js`)).status).toBe(200)
    const list = await fetch(`${server.baseUrl}/api/public/channels`)
    expect(list.status).toBe(200)
    expect(Array.isArray(await list.json())).toBe(true)
  })

  it('names the port when it is taken', async () => {
    await expect(startStudioServer({ core, rendererDir, port: server.port })).rejects.toThrow(
      new RegExp(`Port ${server.port} .*already in use.*--port`)
    )
  })
})
