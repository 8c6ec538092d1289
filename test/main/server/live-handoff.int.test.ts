import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createServer, get, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { startLiveHandoff, type LiveHandoff } from '../../../src/main/server/live-handoff'
import { ConnectionLimit } from '../../../src/main/onair/connection-limit'
import { until } from '../../helpers/until'
import { freePort, isRunning } from '../../fixtures/rtmp'

/** A stand-in for the media plane's HTTP-FLV server: a chunk every 20 ms until the viewer leaves; /short ends after 3. */
function startUpstream(): Promise<{ server: Server; url: (path: string) => string; live: () => number }> {
  let live = 0
  const server = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'video/x-flv' })
    live += 1
    let n = 0
    const t = setInterval(() => {
      res.write(Buffer.alloc(1000, n++ % 256))
      if (req.url === '/short' && n === 3) {
        clearInterval(t)
        res.end()
      }
    }, 20)
    res.on('close', () => {
      clearInterval(t)
      live -= 1
    })
  })
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      resolve({ server, url: (path) => `http://127.0.0.1:${port}${path}`, live: () => live })
    })
  )
}

interface Viewer {
  res: IncomingMessage
  bytes: () => number
  ended: Promise<'end' | 'close'>
  leave: () => void
}

function watch(url: string): Promise<Viewer> {
  return new Promise((resolve, reject) => {
    const req = get(url, (res) => {
      let bytes = 0
      res.on('data', (c: Buffer) => (bytes += c.length))
      const ended = new Promise<'end' | 'close'>((r) => {
        res.on('end', () => r('end'))
        res.on('close', () => r('close'))
      })
      resolve({ res, bytes: () => bytes, ended, leave: () => req.destroy() })
    })
    req.on('error', reject)
  })
}

/**
 * The watch page's streams out of the main loop (issue 22): the studio's server hands a
 * routed /live/ connection to a relay process, which copies the stream; the server keeps
 * counting the connection against its caps until the viewer leaves.
 */
describe('live handoff: a routed stream connection goes to the relay process', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>
  let front: Server
  let base = ''
  let handoff: LiveHandoff
  let limit: ConnectionLimit
  let target = ''
  let fallbacks = 0

  beforeAll(async () => {
    upstream = await startUpstream()
    handoff = startLiveHandoff({ warn: () => {} })
    front = createServer((req: IncomingMessage, res: ServerResponse) => {
      if (handoff.take(req, target)) return
      fallbacks += 1
      res.writeHead(200, { Connection: 'close' }).end('served on this loop')
    })
    limit = new ConnectionLimit({ maxTotal: 100, maxPerAddress: 100, onRefused: () => {} })
    limit.attach(front)
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r))
    base = `http://127.0.0.1:${(front.address() as AddressInfo).port}`
  })

  afterEach(async () => {
    await until('every handed-over connection released', () => handoff.open === 0 && limit.open === 0, 15_000)
  })

  afterAll(async () => {
    handoff?.close()
    front?.closeAllConnections()
    await new Promise((r) => front?.close(r))
    upstream?.server.closeAllConnections()
    await new Promise((r) => upstream?.server.close(r))
  })

  it('the relay process answers with the stream; the connection counts until the viewer leaves', async () => {
    target = upstream.url('/live')
    const v = await watch(`${base}/live/x.flv`)
    expect(v.res.statusCode).toBe(200)
    expect(v.res.headers['content-type']).toBe('video/x-flv')
    expect(v.res.headers['access-control-allow-origin']).toBe('*')
    expect(v.res.headers['cache-control']).toBe('no-store')
    await until('stream bytes', () => v.bytes() > 5000, 15_000)
    expect(handoff.pid).toBeGreaterThan(0)
    expect(handoff.pid).not.toBe(process.pid)
    expect(handoff.open).toBe(1)
    expect(limit.open).toBe(1)
    expect(fallbacks).toBe(0)
    v.leave()
    // The relay sees the viewer go, drops its upstream request and tells the studio.
    await until('the upstream request dropped', () => upstream.live() === 0, 15_000)
  })

  it('the stream ends: so does the response', async () => {
    target = upstream.url('/short')
    const v = await watch(`${base}/live/x.flv`)
    expect(await v.ended).toBe('end')
    expect(v.bytes()).toBe(3000)
  })

  it('the local server does not answer: 502 saying so', async () => {
    target = `http://127.0.0.1:${await freePort()}/live/x.flv`
    const v = await watch(`${base}/live/x.flv`)
    expect(v.res.statusCode).toBe(502)
    await v.ended
    // (the body was read by the viewer's byte counter; its size tells it was the message)
    expect(v.bytes()).toBeGreaterThan(10)
  })

  it('the relay process dies: its viewers are cut, the next viewer gets a new relay', async () => {
    target = upstream.url('/live')
    const v = await watch(`${base}/live/x.flv`)
    await until('stream bytes', () => v.bytes() > 2000, 15_000)
    const pid = handoff.pid!
    process.kill(pid, 'SIGKILL')
    await v.ended
    await until('the old relay gone', () => !isRunning(pid), 15_000)
    const w = await watch(`${base}/live/x.flv`)
    await until('stream bytes from a new relay', () => w.bytes() > 2000, 15_000)
    expect(handoff.pid).not.toBe(pid)
    expect(fallbacks).toBe(0)
    w.leave()
  })

  it('close() ends the relay process and its viewers', async () => {
    target = upstream.url('/live')
    const v = await watch(`${base}/live/x.flv`)
    await until('stream bytes', () => v.bytes() > 2000, 15_000)
    const pid = handoff.pid!
    handoff.close()
    await v.ended
    await until('the relay gone', () => !isRunning(pid), 15_000)
    // A closed handoff takes nothing more: the server answers on its own loop.
    const after = await watch(`${base}/live/x.flv`)
    await after.ended
    expect(fallbacks).toBe(1)
  })
})
