import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse, type Server } from 'node:http'
import { createWriteStream, existsSync, mkdirSync, rmSync } from 'node:fs'
import type { Socket } from 'node:net'
import { join, basename } from 'node:path'
import { randomBytes } from 'node:crypto'
import { pipeline } from 'node:stream/promises'
import { WebSocketServer, type WebSocket } from 'ws'
import type { Core } from '../core/core'
import { ONAIR, OUTPUTS } from '../services'
import { TOKEN_COOKIE, generateToken, isAuthorized, isLoopback } from './auth'
import { resolveServedFile, resolveServedMedia, sendFile } from './static'
import { studioCsp } from './csp'
import { HOST_REFUSED, isAllowedHost } from './host-check'
import { clientMessageSchema, type ServerMessage } from './ws-protocol'
import { handleOpsRoute } from './ops-routes'
import { ConnectionLimit } from '../onair/connection-limit'

export interface StudioServerOptions {
  core: Core
  /** Folder of the built renderer (out/renderer). */
  rendererDir: string
  port: number
  /**
   * 127.0.0.1 unless the user turned on LAN sharing (0.0.0.0): then other machines
   * may open the watch page and its stream — nothing else.
   */
  host?: string
  token?: string
  /** Largest upload accepted (bytes). */
  maxUploadBytes?: number
  /** Connections held at once, in all and per address (defaults 512 and 32): a flood cannot grow the studio. */
  maxConnections?: number
  maxConnectionsPerAddress?: number
  /** Kept above maxConnections for requests that carry the studio token (default 32). */
  reservedConnections?: number
  /** A client must have sent its request headers within this (default 10 s, checked every second). */
  headersTimeoutMs?: number
  /** Host names answered besides localhost/loopback (and the machine's own when on the LAN). */
  allowedHosts?: readonly string[]
}

export interface StudioServer {
  url: string
  baseUrl: string
  watchUrl: string
  token: string
  port: number
  close(): Promise<void>
}

/** What the server needs of the on-air engine (ctx.services 'onair'), for the public watch page. */
interface PublicOnAir {
  listPublic(): Array<{ name: string; stream: string; onAir: boolean; viewers: number }>
  serverInfo(): { running: boolean; rtmpPort: number; httpPort: number }
}

/** The loopback HTTP-FLV URL of a stream that is on air, or undefined. */
function localFlvUrl(onair: PublicOnAir | undefined, stream: string): string | undefined {
  if (!onair) return undefined
  const info = onair.serverInfo()
  if (!info.running || !onair.listPublic().some((c) => c.stream === stream)) return undefined
  return `http://127.0.0.1:${info.httpPort}/live/${stream}.flv`
}

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY'
}

/** No Origin (curl, scripts) or our own: what the WebSocket upgrade also insists on. */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin
  const host = req.headers.host
  return origin === undefined || (host !== undefined && (origin === `http://${host}` || origin === `https://${host}`))
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
  res.end(text)
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' })
  res.end(text)
}

async function readJsonBody(req: IncomingMessage, limit = 1_000_000): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > limit) throw new Error('Request body too large.')
    chunks.push(chunk as Buffer)
  }
  const text = Buffer.concat(chunks).toString('utf8')
  if (!text) return {}
  return JSON.parse(text) as unknown
}

/** A file name safe to keep on disk, keeping non-ASCII letters (users name clips in their language). */
function safeFileName(name: string): string {
  const base = basename(name)
    // eslint-disable-next-line no-control-regex -- control characters are exactly what we strip
    .replace(/[\\/:*?"<>|\0-\x1f]/g, '_')
    .trim()
  return (base || 'upload').slice(0, 180)
}

/**
 * The headless studio: the built renderer, the contract over HTTP + WebSocket,
 * media files and the public watch page — on 127.0.0.1, behind a token.
 */
export async function startStudioServer(opts: StudioServerOptions): Promise<StudioServer> {
  const { core, rendererDir } = opts
  const host = opts.host ?? '127.0.0.1'
  const token = opts.token ?? generateToken()
  const maxUpload = opts.maxUploadBytes ?? 4 * 1024 ** 3
  const uploadsDir = join(core.dataDir, 'uploads')
  const csp = studioCsp()
  const onair = (): PublicOnAir | undefined => core.services.find(ONAIR)
  const hostOk = (req: IncomingMessage): boolean =>
    isAllowedHost(req.headers.host, {
      lan: host !== '127.0.0.1' && host !== 'localhost' && host !== '::1',
      listenHost: host,
      extra: opts.allowedHosts ?? []
    })

  const serveStudioPage = (req: IncomingMessage, res: ServerResponse, url: URL): void => {
    if (url.searchParams.has('token')) {
      if (!isAuthorized(req, url, token))
        return sendText(res, 401, 'Wrong token. Open the URL printed by `webtv serve`.')
      // Trade the token in the URL for a cookie, then drop it from the address bar and history.
      res.writeHead(303, {
        ...SECURITY_HEADERS,
        'Set-Cookie': `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`,
        Location: '/'
      })
      return void res.end()
    }
    if (!isAuthorized(req, url, token)) {
      return sendText(
        res,
        401,
        'This studio needs its access token: open the URL printed by `webtv serve` (it ends in ?token=…).'
      )
    }
    if (
      !sendFile(req, res, join(rendererDir, 'index.html'), {
        ...SECURITY_HEADERS,
        'Content-Security-Policy': csp,
        'Cache-Control': 'no-store'
      })
    ) {
      sendText(res, 500, `The studio UI is not built (no ${join(rendererDir, 'index.html')}). Run \`npm run build\`.`)
    }
  }

  const handleCall = async (req: IncomingMessage, res: ServerResponse, name: string): Promise<void> => {
    let input: unknown
    try {
      input = await readJsonBody(req)
    } catch (err) {
      return sendJson(res, 400, {
        ok: false,
        error: { code: 'invalid_input', message: `Body is not JSON: ${(err as Error).message}` }
      })
    }
    const result = await core.dispatch(name, input)
    const status = result.ok
      ? 200
      : result.error.code === 'invalid_input'
        ? 400
        : result.error.code === 'unknown_call'
          ? 404
          : result.error.code === 'not_found'
            ? 404
            : result.error.code === 'conflict'
              ? 409
              : 500
    sendJson(res, status, result)
  }

  const handleUpload = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const name = url.searchParams.get('name') ?? (req.headers['x-file-name'] as string | undefined)
    if (!name) return sendJson(res, 400, { error: 'Add ?name=<file name> to the upload URL.' })
    const declared = Number(req.headers['content-length'] ?? '0')
    if (declared > maxUpload)
      return sendJson(res, 413, { error: `File too large (limit ${Math.round(maxUpload / 1024 ** 2)} MiB).` })
    const dir = join(uploadsDir, randomBytes(8).toString('hex'))
    mkdirSync(dir, { recursive: true })
    // searchParams already decoded the name; decoding again would break names with "%".
    const target = join(dir, safeFileName(name))
    let received = 0
    req.on('data', (c: Buffer) => {
      received += c.length
      if (received > maxUpload) req.destroy(new Error('upload too large'))
    })
    try {
      await pipeline(req, createWriteStream(target))
    } catch (err) {
      rmSync(dir, { recursive: true, force: true })
      return sendJson(res, 400, { error: `Upload failed: ${(err as Error).message}` })
    }
    sendJson(res, 200, { path: target, bytes: received })
  }

  const proxyFlv = (req: IncomingMessage, res: ServerResponse, stream: string): void => {
    const target = localFlvUrl(onair(), stream)
    if (!target) return sendText(res, 404, `Channel stream "${stream}" is not on air.`)
    const upstream = httpRequest(target, { method: 'GET', headers: { accept: '*/*' } }, (up) => {
      res.writeHead(up.statusCode ?? 502, {
        'Content-Type': up.headers['content-type'] ?? 'video/x-flv',
        'Cache-Control': 'no-store',
        'Access-Control-Allow-Origin': '*'
      })
      up.pipe(res)
    })
    upstream.on('error', () => {
      if (!res.headersSent) sendText(res, 502, 'The local stream server is not answering.')
      else res.destroy()
    })
    req.on('close', () => upstream.destroy())
    upstream.end()
  }

  const listener = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const path = url.pathname
    const local = isLoopback(req.socket.remoteAddress)
    const method = req.method ?? 'GET'
    if (!hostOk(req)) return sendText(res, 421, HOST_REFUSED)

    // Public, read-only: the watch page, its assets, channel list and streams.
    if (path === '/watch' || path === '/watch.html') {
      if (
        !sendFile(req, res, join(rendererDir, 'watch.html'), {
          ...SECURITY_HEADERS,
          'Content-Security-Policy': csp,
          'Cache-Control': 'no-store'
        })
      )
        sendText(res, 500, 'The watch page is not built. Run `npm run build`.')
      return
    }
    if (path.startsWith('/assets/') && (method === 'GET' || method === 'HEAD')) {
      const file = resolveServedFile([join(rendererDir, 'assets')], path.slice('/assets'.length))
      if (
        !file ||
        !sendFile(req, res, file, { ...SECURITY_HEADERS, 'Cache-Control': 'public, max-age=31536000, immutable' })
      )
        sendText(res, 404, 'Not found.')
      return
    }
    // The icon both pages link to; /favicon.ico for clients that ask without reading the link.
    if ((path === '/favicon.svg' || path === '/favicon.ico') && (method === 'GET' || method === 'HEAD')) {
      const file = resolveServedFile([rendererDir], '/favicon.svg')
      if (!file || !sendFile(req, res, file, { ...SECURITY_HEADERS, 'Cache-Control': 'public, max-age=86400' }))
        sendText(res, 404, 'Not found.')
      return
    }
    if (path === '/api/public/channels' && method === 'GET') {
      const list = onair()?.listPublic() ?? []
      const outputs = core.services.find(OUTPUTS)
      // hlsPath: for browsers without MSE (iPhone Safari); null while the channel airs no HLS.
      // With captions, the master playlist (video + WebVTT rendition) and captions: true.
      return sendJson(
        res,
        200,
        list.map((c) => {
          const folder = outputs?.hlsFolder(c.stream)
          const captions = !!folder && existsSync(join(folder, 'master.m3u8'))
          return {
            ...c,
            flvPath: `/live/${c.stream}.flv`,
            hlsPath: folder ? `/hls/${c.stream}/${captions ? 'master' : 'index'}.m3u8` : null,
            captions
          }
        })
      )
    }
    const live = /^\/live\/([A-Za-z0-9_-]+)\.flv$/.exec(path)
    if (live && method === 'GET') return proxyFlv(req, res, live[1]!)
    // Metrics and health (local or token), HLS and the program guide (public): server/ops-routes.ts.
    const outputs = core.services.find(OUTPUTS)
    if (await handleOpsRoute(req, res, url, { outputs, local, authorized: isAuthorized(req, url, token) })) return

    // Everything else is the studio: loopback only, behind the token.
    if (!local)
      return sendText(res, 403, 'The studio is only reachable from this machine; LAN sharing covers the watch page.')
    if (path === '/' || path === '/index.html') return serveStudioPage(req, res, url)
    if (!isAuthorized(req, url, token)) {
      return sendJson(res, 401, { error: 'Missing or wrong token. Open the URL printed by `webtv serve`.' })
    }
    if (path.startsWith('/media/') && (method === 'GET' || method === 'HEAD')) {
      const file = resolveServedMedia(core.dataDir, path.slice('/media'.length))
      if (!file || !sendFile(req, res, file, { ...SECURITY_HEADERS, 'Cache-Control': 'private, max-age=3600' })) {
        sendText(res, 404, 'No such media file.')
      }
      return
    }
    // A page on another local port is "same site" for cookies: state-changing
    // requests must come from our own origin (the token alone is not enough for a
    // browser-borne request), and only as JSON, which a plain form cannot send.
    if (method === 'POST' && !sameOrigin(req)) {
      return sendJson(res, 403, { error: 'Cross-origin requests are refused.' })
    }
    const callMatch = /^\/api\/call\/([A-Za-z0-9_.-]+)$/.exec(path)
    if (callMatch && method === 'POST') {
      if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
        return sendJson(res, 415, {
          ok: false,
          error: { code: 'invalid_input', message: 'Send the call input as JSON (Content-Type: application/json).' }
        })
      }
      return handleCall(req, res, callMatch[1]!)
    }
    if (path === '/api/upload' && method === 'POST') return handleUpload(req, res, url)
    sendText(res, 404, 'Not found.')
  }

  // Node checks headersTimeout only every connectionsCheckingInterval (30 s by default): a
  // slow-header client held its slot three times longer than the timeout said. Check every second.
  const headersTimeout = opts.headersTimeoutMs ?? 10_000
  const server: Server = createServer(
    { connectionsCheckingInterval: 1000, headersTimeout, requestTimeout: Math.max(headersTimeout, 300_000) },
    (req, res) => {
      if (limit.isReserve(req.socket)) {
        // A reserve slot serves only the studio's own token-bearing requests (the UI while a flood holds the rest).
        if (!isAuthorized(req, new URL(req.url ?? '/', 'http://localhost'), token)) {
          res.writeHead(503, { ...SECURITY_HEADERS, Connection: 'close', 'Retry-After': '5' })
          return void res.end('The studio is busy; try again shortly.')
        }
      }
      clearTimeout(headerDeadline.get(req.socket))
      listener(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: err instanceof Error ? err.message : String(err) })
        else res.destroy()
      })
    }
  )

  // Anyone who can reach the port (the watch page is public on the LAN) can open
  // connections: cap them in all and per address (lower, so a few addresses cannot
  // fill it), and keep a reserve above the cap that only token-bearing requests may
  // use — a reserve socket that has not shown the token within 2 s is closed.
  const headerDeadline = new WeakMap<Socket, NodeJS.Timeout>()
  const limit = new ConnectionLimit({
    maxTotal: opts.maxConnections ?? 512,
    maxPerAddress: opts.maxConnectionsPerAddress ?? 32,
    reserve: opts.reservedConnections ?? 32,
    onRefused: () => {}
  })
  limit.attach(server)
  // Our own deadline for the first request's headers as well (Node's check is not reliable
  // everywhere: under some runners it never fired); a reserve socket gets 2 s.
  server.on('connection', (socket: Socket) => {
    const ms = limit.isReserve(socket) ? Math.min(2000, headersTimeout) : headersTimeout
    const t = setTimeout(() => socket.destroy(), ms)
    t.unref()
    headerDeadline.set(socket, t)
    socket.once('close', () => clearTimeout(t))
  })

  // WebSocket: the contract for the browser UI.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 2 * 1024 * 1024 })
  const sockets = new Set<WebSocket>()
  server.on('upgrade', (req, socket, head) => {
    clearTimeout(headerDeadline.get(req.socket))
    const url = new URL(req.url ?? '/', 'http://localhost')
    // Cookies ride along on cross-site WebSocket requests: insist on our own origin.
    if (
      url.pathname !== '/api/ws' ||
      !hostOk(req) ||
      !isLoopback(req.socket.remoteAddress) ||
      !sameOrigin(req) ||
      !isAuthorized(req, url, token)
    ) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
      socket.destroy()
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))
  })

  const send = (ws: WebSocket, msg: ServerMessage): void => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg))
  }

  wss.on('connection', (ws: WebSocket) => {
    sockets.add(ws)
    ws.on('close', () => sockets.delete(ws))
    ws.on('error', () => sockets.delete(ws))
    ws.on('message', (data, isBinary) => {
      if (isBinary) return send(ws, { t: 'error', message: 'Send JSON text frames.' })
      let raw: unknown
      try {
        raw = JSON.parse(data.toString())
      } catch {
        return send(ws, { t: 'error', message: 'Frame is not JSON.' })
      }
      const parsed = clientMessageSchema.safeParse(raw)
      if (!parsed.success) {
        const id = (raw as { id?: unknown } | null)?.id
        const issue = parsed.error.issues[0]
        const message = `Bad message: ${issue?.path.join('.') || 'frame'}: ${issue?.message ?? 'invalid'}`
        if (typeof id === 'number')
          return send(ws, { t: 'result', id, result: { ok: false, error: { code: 'invalid_input', message } } })
        return send(ws, { t: 'error', message })
      }
      const { id, name, input } = parsed.data
      void core.dispatch(name, input).then((result) => send(ws, { t: 'result', id, result }))
    })
  })

  const unsubscribe = core.bus.onAny((name, payload) => {
    const frame = JSON.stringify({ t: 'event', name, payload } satisfies ServerMessage)
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(frame)
  })

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off('listening', onListening)
      if (err.code === 'EADDRINUSE') {
        reject(
          new Error(
            `Port ${opts.port} on ${host} is already in use. Choose another with --port PORT (or stop the other program).`
          )
        )
      } else if (err.code === 'EACCES') {
        reject(new Error(`Not allowed to listen on port ${opts.port}. Choose a port above 1024 with --port PORT.`))
      } else reject(err)
    }
    const onListening = (): void => {
      server.off('error', onError)
      resolve()
    }
    server.once('error', onError)
    server.once('listening', onListening)
    server.listen(opts.port, host)
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : opts.port
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host
  const baseUrl = `http://${shownHost}:${port}`

  return {
    url: `${baseUrl}/?token=${token}`,
    baseUrl,
    watchUrl: `${baseUrl}/watch`,
    token,
    port,
    close: async () => {
      unsubscribe()
      for (const ws of sockets) ws.terminate()
      wss.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}
