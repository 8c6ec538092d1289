import { request as httpRequest } from 'node:http'
import { Socket, type SocketConstructorOpts } from 'node:net'
import type { FromRelay, ToRelay } from './live-handoff'

/**
 * The watch page's live relay: a child process (live-handoff.ts starts it) that is
 * handed a viewer's connection once the studio's server has routed and checked the
 * request, and answers it with the local HTTP-FLV stream. The stream's bytes never pass
 * the studio's main loop, so a stall there (a long query, a GC pause) does not freeze
 * a watch-page viewer. Built as its own entry (electron.vite.config.ts).
 */

/** Connect and answer headers from the local server within this, or answer 502. */
const UPSTREAM_HEADERS_MS = 10_000
/** A stream that sends nothing for this long is over (the relays' ffmpeg reads with the same timeout). */
const IDLE_MS = 30_000

const HEAD = (status: number, statusText: string, type: string): string =>
  `HTTP/1.1 ${status} ${statusText}\r\n` +
  `Content-Type: ${type}\r\n` +
  'Cache-Control: no-store\r\n' +
  'Access-Control-Allow-Origin: *\r\n' +
  'X-Content-Type-Options: nosniff\r\n' +
  'Referrer-Policy: no-referrer\r\n' +
  // The body ends with the connection: this socket is never used for another request.
  'Connection: close\r\n\r\n'

function send(m: FromRelay): void {
  process.send?.(m)
}

function relay(id: number, target: string, socket: Socket): void {
  let done = false
  const finish = (): void => {
    if (done) return
    done = true
    upstream.destroy()
    socket.destroy()
    send({ t: 'closed', id })
  }
  const fail = (text: string): void => {
    if (!done && socket.writable && socket.bytesWritten === 0)
      socket.end(HEAD(502, 'Bad Gateway', 'text/plain; charset=utf-8') + text, () => finish())
    else finish()
  }
  const upstream = httpRequest(target, { method: 'GET', headers: { accept: '*/*' } }, (up) => {
    clearTimeout(headersTimer)
    socket.write(HEAD(up.statusCode ?? 502, up.statusMessage ?? '', up.headers['content-type'] ?? 'video/x-flv'))
    up.setTimeout(IDLE_MS, () => finish())
    up.pipe(socket, { end: false })
    // The stream ended (the channel stopped): end the body, then the connection.
    up.on('end', () => socket.end(() => finish()))
    up.on('error', finish)
  })
  const headersTimer = setTimeout(() => fail('The local stream server is not answering.'), UPSTREAM_HEADERS_MS)
  upstream.on('error', () => {
    clearTimeout(headersTimer)
    fail('The local stream server is not answering.')
  })
  // The viewer left (or sent more than its one request: nothing more is read from it).
  socket.on('close', () => {
    clearTimeout(headersTimer)
    finish()
  })
  socket.on('error', finish)
  socket.on('data', () => {})
  upstream.end()
}

process.on('message', (m: ToRelay, handle?: unknown) => {
  if (m?.t !== 'live') return
  if (!handle) return send({ t: 'closed', id: m.id })
  // A socket's native handle (see live-handoff.ts), wrapped as cluster's workers do.
  relay(m.id, m.target, new Socket({ handle, readable: true, writable: true } as SocketConstructorOpts))
})
send({ t: 'ready' })
// The studio is gone (its end of the channel closed): so are the viewers it handed over.
process.on('disconnect', () => process.exit(0))
