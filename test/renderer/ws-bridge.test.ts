import { afterEach, describe, expect, it } from 'vitest'
import { WebSocketServer, WebSocket } from 'ws'
import type { AddressInfo } from 'node:net'
import {
  WsBridge,
  reconnectDelay,
  encodeMediaPath,
  type SocketLike,
  type ConnectionState
} from '../../src/renderer/src/api/ws-bridge'

// A real WebSocket server on loopback that speaks the studio's wire protocol for app.ping.
function startServer(port = 0): Promise<{ wss: WebSocketServer; port: number; received: unknown[] }> {
  return new Promise((resolve) => {
    const received: unknown[] = []
    const wss: WebSocketServer = new WebSocketServer({ host: '127.0.0.1', port }, (): void =>
      resolve({ wss, port: (wss.address() as AddressInfo).port, received })
    )
    wss.on('connection', (sock: WebSocket) => {
      sock.on('message', (raw: Buffer) => {
        const msg = JSON.parse(raw.toString()) as { t: string; id: number; name: string; input: { echo?: string } }
        received.push(msg)
        if (msg.name === 'app.ping') {
          sock.send(
            JSON.stringify({
              t: 'result',
              id: msg.id,
              result: { ok: true, value: { echo: msg.input.echo, serverTime: 1 } }
            })
          )
        } else if (msg.name === 'hang') {
          // never answers: the test closes the connection under it
        } else {
          sock.send(
            JSON.stringify({
              t: 'result',
              id: msg.id,
              result: { ok: false, error: { code: 'invalid_input', message: 'bad echo', field: 'echo' } }
            })
          )
        }
      })
      sock.send(JSON.stringify({ t: 'event', name: 'app.notice', payload: { level: 'info', message: 'hello', at: 5 } }))
    })
  })
}

const opened: WsBridge[] = []
const servers: WebSocketServer[] = []
afterEach(async () => {
  for (const b of opened.splice(0)) b.close()
  for (const s of servers.splice(0)) {
    for (const c of s.clients) c.terminate()
    await new Promise((r) => s.close(() => r(undefined)))
  }
})

function bridgeTo(port: number): WsBridge {
  const b = new WsBridge({
    url: `ws://127.0.0.1:${port}/api/ws`,
    createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
    backoff: { initialMs: 50, factor: 1.5, maxMs: 200 }
  })
  opened.push(b)
  return b
}

function waitForState(b: WsBridge, want: ConnectionState): Promise<void> {
  if (b.state === want) return Promise.resolve()
  return new Promise((resolve) => {
    const off = b.onState((s) => {
      if (s === want) {
        off()
        resolve()
      }
    })
  })
}

describe('WsBridge', () => {
  it('queues a call made before the socket opens and resolves it with the server value', async () => {
    const { wss, port, received } = await startServer()
    servers.push(wss)
    const b = bridgeTo(port)
    expect(b.state).toBe('connecting')
    const out = await b.invoke('app.ping', { echo: 'abc' })
    expect(out).toEqual({ echo: 'abc', serverTime: 1 })
    expect(received).toHaveLength(1)
    expect(b.state).toBe('connected')
  })

  it('rejects with the core error code, message and field', async () => {
    const { wss, port } = await startServer()
    servers.push(wss)
    const b = bridgeTo(port)
    await expect(b.invoke('app.info', {})).rejects.toMatchObject({
      code: 'invalid_input',
      message: 'bad echo',
      field: 'echo'
    })
  })

  it('delivers events to listeners until they unsubscribe', async () => {
    const { wss, port } = await startServer()
    servers.push(wss)
    const b = bridgeTo(port)
    const got: string[] = []
    const off = b.on('app.notice', (p) => got.push(p.message))
    await b.invoke('app.ping', {})
    expect(got).toEqual(['hello'])
    off()
    b.retryNow()
    expect(got).toEqual(['hello'])
  })

  it('rejects in-flight calls with "disconnected" when the socket drops, then reconnects', async () => {
    const first = await startServer()
    servers.push(first.wss)
    const b = bridgeTo(first.port)
    await b.invoke('app.ping', {})
    const hanging = b.invoke('hang' as 'app.ping', {})
    await new Promise((r) => setTimeout(r, 30))
    for (const c of first.wss.clients) c.terminate()
    await expect(hanging).rejects.toMatchObject({ code: 'disconnected' })
    await expect(hanging).rejects.toThrow(/hang did not finish/)
    // The server came back: the bridge reconnects by itself and calls work again.
    await waitForState(b, 'connected')
    await expect(b.invoke('app.ping', { echo: 'again' })).resolves.toMatchObject({ echo: 'again' })
  })

  it('reports disconnected while the server is down and recovers when it starts on the same port', async () => {
    const first = await startServer()
    const port = first.port
    const b = bridgeTo(port)
    await b.invoke('app.ping', {})
    for (const c of first.wss.clients) c.terminate()
    await new Promise((r) => first.wss.close(() => r(undefined)))
    await waitForState(b, 'disconnected')
    expect(b.nextRetryAt).not.toBeNull()
    const queued = b.invoke('app.ping', { echo: 'later' })
    const second = await startServer(port)
    servers.push(second.wss)
    await expect(queued).resolves.toMatchObject({ echo: 'later' })
  })
})

describe('bridge helpers', () => {
  it('backs off geometrically with a cap', () => {
    const o = { initialMs: 100, factor: 2, maxMs: 500 }
    expect([1, 2, 3, 4, 5].map((a) => reconnectDelay(a, o, () => 0))).toEqual([100, 200, 400, 500, 500])
    expect(reconnectDelay(1, o, () => 1)).toBe(110)
  })
  it('encodes each media path segment', () => {
    expect(encodeMediaPath('/media', 'shots/a b#1.mp4')).toBe('/media/shots/a%20b%231.mp4')
  })
})
