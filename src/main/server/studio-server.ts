import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http'
import type { Socket } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import type { Core } from '../core/core'
import { generateToken, isAuthorized, isLoopback } from './auth'
import { studioCsp } from './csp'
import { HOST_REFUSED, isAllowedHost } from './host-check'
import { clientMessageSchema, type ServerMessage } from './ws-protocol'
import { SECURITY_HEADERS, routeRequest, sameOrigin, sendJson, sendText, studioRoutes } from './studio-routes'
import { ConnectionLimit } from '../onair/connection-limit'
import { startLiveHandoff } from './live-handoff'

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
  /**
   * Watch-page streams copied by a relay process the viewer's connection is handed to
   * (live-handoff.ts), so a stall of this loop never freezes them (default true);
   * false copies them on this loop (the stall benchmark's baseline).
   */
  liveRelay?: boolean
}

export interface StudioServer {
  url: string
  baseUrl: string
  watchUrl: string
  token: string
  port: number
  close(): Promise<void>
}

/**
 * The headless studio: the built renderer, the contract over HTTP + WebSocket,
 * media files and the public watch page — on 127.0.0.1, behind a token.
 */
export async function startStudioServer(opts: StudioServerOptions): Promise<StudioServer> {
  const { core, rendererDir } = opts
  const host = opts.host ?? '127.0.0.1'
  const token = opts.token ?? generateToken()
  const live = opts.liveRelay === false ? undefined : startLiveHandoff()
  const routes = studioRoutes({
    core,
    rendererDir,
    token,
    maxUpload: opts.maxUploadBytes ?? 4 * 1024 ** 3,
    csp: studioCsp(),
    ...(live ? { live } : {})
  })
  const hostOk = (req: IncomingMessage): boolean =>
    isAllowedHost(req.headers.host, {
      lan: host !== '127.0.0.1' && host !== 'localhost' && host !== '::1',
      listenHost: host,
      extra: opts.allowedHosts ?? []
    })

  // The routes themselves: server/studio-routes.ts.
  const listener = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const local = isLoopback(req.socket.remoteAddress)
    if (!hostOk(req)) return sendText(res, 421, HOST_REFUSED)
    await routeRequest(routes, token, { req, res, url, local })
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
      // Before the server's own close, which would wait for the connections the relay holds.
      live?.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}
