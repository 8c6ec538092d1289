import { createHash, randomBytes } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { createServer, type Server as NetServer, type Socket } from 'node:net'
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { createRequire } from 'node:module'
import { StudioError } from '../../shared/contract'
import { ConnectionLimit } from './connection-limit'
import { fanOut, FlvTagSplitter, type FanOutBroadcast } from './flv-fanout'
import { RefusalLog } from './refusal-log'

/**
 * The embedded node-media-server (4.x): RTMP + HTTP-FLV, bound to 127.0.0.1 unless
 * the user opts into the LAN. NMS keeps its configuration in a module-level
 * singleton, so there is at most one server per process.
 *
 * Nobody publishes over the network. The engine's encoders write FLV to their
 * stdout and the engine hands it to NMS in this process (`openPublisher`), so there
 * is no publish credential on any command line, in any file or on the wire: NMS's
 * publish check runs with a secret made at each start that never leaves memory,
 * and every publish from a socket is refused. Playing is open, but only for the
 * streams this server carries; connections are capped (in all and per address),
 * idle RTMP connections are closed, and refusals are logged at a bounded rate.
 */

export const STREAM_APP = 'live'
export const STREAM_NAME = /^[a-zA-Z0-9_-]+$/

export type NmsLogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error'
export type ServerLog = (level: NmsLogLevel, line: string) => void

export interface RtmpServerOptions {
  /** 127.0.0.1 by default; 0.0.0.0 only when the user turned on LAN listening. */
  bind: string
  rtmpPort: number
  httpPort: number
  log: ServerLog
  /** Connection caps per listener (defaults: 256 in all, 32 per address). */
  maxConnections?: number
  maxConnectionsPerAddress?: number
  /** A connection that neither plays nor publishes within this long is closed (default 10 s). */
  idleMs?: number
}

/** Where an encoder's FLV goes: the local server, in this process. */
export interface PublisherSink {
  write(chunk: Buffer): void
  close(): void
  readonly closed: boolean
}

// Minimal shapes of the NMS internals we rely on (read from its source, 4.4.x).
interface NmsSession {
  id: string
  ip: string
  protocol: string
  streamApp: string
  streamPath: string
  streamName: string
  streamQuery: Record<string, unknown> | null
  inBytes: number
  isPublisher: boolean
  socket?: Socket
  close(): void
}
interface NmsBroadcast {
  publisher: NmsSession | null
  subscribers: Map<string, NmsSession>
  rtmpVideoHeader: Buffer | null
  getPublishStatus?: () => string
  postPublish(session: NmsSession): string | null
  donePublish(session: NmsSession): void
  broadcastMessage(packet: unknown): void
  _destroyIfEmpty?: () => void
}
interface NmsContext {
  broadcasts: Map<string, NmsBroadcast>
  sessions: Map<string, NmsSession>
  eventEmitter: EventEmitter
}
interface NmsLogger {
  level: string
  log(message: string, level?: string): void
}
interface NmsInstance {
  on(event: string, listener: (session: NmsSession) => void): void
  stop(): Promise<void>
  rtmpServer: {
    run(): void
    tcpServer?: NetServer
    handleListenError: (name: string, port: number) => (err: Error) => void
  }
  httpServer: {
    run(): void
    httpServer?: HttpServer
    wsServer?: EventEmitter
  }
}
type NmsBaseSessionConstructor = new () => NmsSession
type NmsBroadcastConstructor = new (streamPath: string) => NmsBroadcast
type NmsConstructor = new (config: Record<string, unknown>) => NmsInstance

const req = createRequire(__filename)

let running: LocalRtmpServer | null = null

/** Fails with a message naming the port and the setting when something already listens there. */
export async function assertPortFree(bind: string, port: number, what: string, setting: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer()
    probe.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        reject(
          new StudioError(
            'unavailable',
            `The ${what} port ${port} on ${bind} is already in use by another program. ` +
              `Stop that program, or change the on-air setting "${setting}" ` +
              `(onair.settings.update, or \`webtv air --${setting === 'rtmpPort' ? 'rtmp-port' : 'flv-port'} N\`).`
          )
        )
      } else if (err.code === 'EACCES') {
        reject(
          new StudioError(
            'unavailable',
            `Not allowed to listen on ${what} port ${port} (${bind}); choose a port above 1024 in the on-air setting "${setting}".`
          )
        )
      } else reject(new StudioError('unavailable', `Cannot listen on ${what} port ${port} (${bind}): ${err.message}`))
    })
    probe.listen({ port, host: bind, exclusive: true }, () => probe.close(() => resolve()))
  })
}

export class LocalRtmpServer extends EventEmitter {
  /** Streams this server carries (opened by the engine); plays of any other name are refused. */
  private readonly streams = new Set<string>()
  private readonly refusals: RefusalLog
  private readonly limits: ConnectionLimit[] = []
  private readonly timers = new Set<NodeJS.Timeout>()

  private constructor(
    private readonly nms: NmsInstance,
    private readonly ctx: NmsContext,
    readonly options: RtmpServerOptions,
    /** Made at each start, never written anywhere: only this process can sign a publish. */
    private readonly secret: string
  ) {
    super()
    // One listener per channel on air; dozens are normal.
    this.setMaxListeners(0)
    this.refusals = new RefusalLog({ write: (line) => options.log('warn', line) })
  }

  /** Refusals counted since start (tests, diagnostics). */
  get refusedCount(): number {
    return this.refusals.total
  }

  private refuse(reason: string, line: string): void {
    this.refusals.refused(reason, line)
  }

  static get current(): LocalRtmpServer | null {
    return running
  }

  static async start(options: RtmpServerOptions): Promise<LocalRtmpServer> {
    if (running) throw new StudioError('conflict', 'The local RTMP server is already running in this process.')
    if (options.rtmpPort === options.httpPort) {
      throw new StudioError(
        'invalid_input',
        `The RTMP and HTTP-FLV ports are both ${options.rtmpPort}; choose two different ports.`,
        'httpPort'
      )
    }
    await assertPortFree(options.bind, options.rtmpPort, 'RTMP', 'rtmpPort')
    await assertPortFree(options.bind, options.httpPort, 'HTTP-FLV', 'httpPort')

    // NMS prints every session (and used to print query strings) with console.log
    // at debug level; route its logger through ours so nothing leaves unredacted.
    // Its error lines are what a client can cause (a refused publish, a bad path,
    // garbage bytes): those go through the bounded refusal log.
    const logger = req('node-media-server/src/core/logger.js') as NmsLogger
    let server: LocalRtmpServer | null = null
    logger.log = (message: string, level = 'info') => {
      const line = String(message)
      if (level === 'error' && server) server.refuse(nmsRefusalReason(line), line)
      else options.log(level as NmsLogLevel, line)
    }
    const Nms = req('node-media-server') as NmsConstructor
    const ctx = req('node-media-server/src/core/context.js') as NmsContext
    const secret = randomBytes(32).toString('hex')
    const nms = new Nms({
      bind: options.bind,
      rtmp: { port: options.rtmpPort },
      http: { port: options.httpPort },
      webadmin: { enable: false },
      auth: { publish: true, play: false, secret }
    })
    server = new LocalRtmpServer(nms, ctx, options, secret)
    running = server
    try {
      await server.listen()
    } catch (err) {
      running = null
      await nms.stop().catch(() => {})
      throw err
    }
    server.wireEvents()
    return server
  }

  /**
   * Start only the RTMP and HTTP listeners: NMS's run() would also open its JSON
   * store in ./data (with SIGINT handlers that kill the process), the recorder and
   * the relay manager, none of which we use. Its listen-error handlers call
   * process.exit, so they are replaced by ones that reject.
   */
  private async listen(): Promise<void> {
    const { rtmpServer, httpServer } = this.nms
    const tcp = rtmpServer.tcpServer
    const http = httpServer.httpServer
    if (!tcp || !http) throw new StudioError('internal', 'node-media-server did not create its listeners.')
    const failed = (what: string, port: number, setting: string) => (err: NodeJS.ErrnoException) =>
      new StudioError(
        'unavailable',
        err.code === 'EADDRINUSE'
          ? `The ${what} port ${port} on ${this.options.bind} is already in use by another program. Stop it or change the on-air setting "${setting}".`
          : `The ${what} server could not listen on ${this.options.bind}:${port}: ${err.message}`
      )
    http.removeAllListeners('error')
    httpServer.wsServer?.removeAllListeners('error')
    httpServer.wsServer?.on('error', () => {}) // ws re-emits the http server's error; handled below
    rtmpServer.handleListenError = () => () => {}
    const wait = (srv: NetServer, onErr: (e: NodeJS.ErrnoException) => StudioError) =>
      new Promise<void>((resolve, reject) => {
        srv.once('listening', () => resolve())
        srv.once('error', (e: NodeJS.ErrnoException) => reject(onErr(e)))
      })
    const both = Promise.all([
      wait(tcp, failed('RTMP', this.options.rtmpPort, 'rtmpPort')),
      wait(http, failed('HTTP-FLV', this.options.httpPort, 'httpPort'))
    ])
    this.guard(tcp, http)
    httpServer.run()
    rtmpServer.run()
    await both
    // Later socket errors must not crash the studio.
    tcp.on('error', (e) => this.options.log('error', `RTMP listener error: ${e.message}`))
    http.on('error', (e) => this.options.log('error', `HTTP-FLV listener error: ${e.message}`))
  }

  private readonly nmsListeners: Array<[string, (session: NmsSession) => void]> = []

  private onNms(event: string, listener: (session: NmsSession) => void): void {
    this.nmsListeners.push([event, listener])
    this.nms.on(event, listener)
  }

  private wireEvents(): void {
    this.onNms('prePublish', (session) => {
      // NMS emits prePublish before checking the signature and postPublish only
      // when it passed; a publish that never became the publisher was refused.
      setImmediate(() => {
        const b = this.ctx.broadcasts.get(session.streamPath)
        if (!b || b.publisher !== session) this.emit('publishRefused', session.streamName)
      })
    })
    this.onNms('postPublish', (session) => this.emit('publish', session.streamName))
    this.onNms('donePublish', (session) => this.emit('unpublish', session.streamName))
    this.onNms('prePlay', (session) => {
      if (session.ip === '') return
      if (session.streamApp !== STREAM_APP || !this.streams.has(session.streamName)) {
        this.refuse(
          'plays of unknown streams',
          `refused a play of ${session.streamPath.slice(0, 80)} from ${hostOf(session.ip)}: no such stream`
        )
        session.close()
      }
    })
    this.onNms('postPlay', (session) => this.emit('viewersChanged', session.streamName))
    this.onNms('donePlay', (session) => this.emit('viewersChanged', session.streamName))
  }

  /**
   * Connection caps on both listeners, an idle timeout for RTMP connections that
   * never play, and a filter in front of NMS's HTTP handler: only GET/HEAD (and
   * WebSocket plays) of `/live/<a stream we carry>.flv` reach it.
   */
  private guard(tcp: NetServer, http: HttpServer): void {
    const limit = (what: string, studioExempt = false): ConnectionLimit =>
      new ConnectionLimit({
        maxTotal: this.options.maxConnections ?? (studioExempt ? 768 : 256),
        maxPerAddress: this.options.maxConnectionsPerAddress ?? 32,
        perAddressExempt: studioExempt ? isStudioAddress : undefined,
        // HTTP-FLV: 256 more for the studio's own address only, so other local users or
        // addresses cannot take every slot from the watch page's proxy and the taps.
        ...(studioExempt ? { reserve: 256, reserveFor: isStudioAddress } : {}),
        onRefused: (address, why) =>
          this.refuse(`${what} connections over the cap`, `refused a ${what} connection from ${address}: ${why}`)
      })
    const rtmpLimit = limit('RTMP')
    // Every viewer of the studio's watch page arrives through its proxy from
    // 127.0.0.1, as do relays, the HLS/recording taps and the monitor: on HTTP-FLV that
    // address is held to the total cap only (or the 33rd watcher would be refused) and
    // has a reserve of its own; every other address, other loopback ones included, has
    // 32 at most — a viewer elsewhere gets a fair share, not whatever a flood left.
    const httpLimit = limit('HTTP-FLV', true)
    this.limits.push(rtmpLimit, httpLimit)
    rtmpLimit.attach(tcp)
    httpLimit.attach(http)
    const idleMs = this.options.idleMs ?? 10_000
    tcp.on('connection', (socket: Socket) => {
      const t = setTimeout(() => {
        this.timers.delete(t)
        if (socket.destroyed || this.socketIsActive(socket)) return
        this.refuse(
          'idle connections',
          `closed an RTMP connection from ${socket.remoteAddress ?? 'unknown'} that neither played nor published within ${idleMs / 1000} s`
        )
        socket.destroy()
      }, idleMs)
      this.timers.add(t)
      socket.once('close', () => {
        clearTimeout(t)
        this.timers.delete(t)
      })
    })
    // HTTP-FLV: wrap NMS's express app and the WebSocket upgrade.
    const requestListeners = http.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>
    http.removeAllListeners('request')
    http.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const why = this.httpRefusal(req, false)
      if (why) {
        this.refuse(
          'HTTP requests for nothing we serve',
          `refused HTTP ${String(req.method).slice(0, 10)} from ${req.socket.remoteAddress ?? 'unknown'}: ${why}`
        )
        res.writeHead(why.startsWith('method') ? 405 : 404, { 'Content-Type': 'text/plain', Connection: 'close' })
        res.end(why.startsWith('method') ? 'Only playing is allowed here.\n' : 'No such stream.\n')
        return
      }
      for (const l of requestListeners) l.call(http, req, res)
    })
    const upgradeListeners = http.listeners('upgrade') as Array<
      (req: IncomingMessage, socket: Duplex, head: Buffer) => void
    >
    http.removeAllListeners('upgrade')
    http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const why = this.httpRefusal(req, true)
      if (why) {
        this.refuse(
          'HTTP requests for nothing we serve',
          `refused a WebSocket from ${req.socket.remoteAddress ?? 'unknown'}: ${why}`
        )
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
        socket.destroy()
        return
      }
      for (const l of upgradeListeners) l.call(http, req, socket, head)
    })
  }

  /** Why an HTTP-FLV request must not reach NMS, or null when it is a play of a stream we carry. */
  private httpRefusal(req: IncomingMessage, websocket: boolean): string | null {
    const method = req.method ?? 'GET'
    if (!websocket && method !== 'GET' && method !== 'HEAD')
      return `method ${method.slice(0, 10)} (publishing over HTTP is not allowed)`
    if (websocket) {
      const proto = String(req.headers['sec-websocket-protocol'] ?? '').toLowerCase()
      if (/\b(post|publisher)\b/.test(proto)) return 'method publish over WebSocket (not allowed)'
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    const m = /^\/([A-Za-z0-9_-]+)\/([A-Za-z0-9_-]+)\.flv$/.exec(path)
    if (!m || m[1] !== STREAM_APP || !this.streams.has(m[2]!)) return 'no such stream'
    return null
  }

  /** True when the socket's NMS session is a publisher or a subscriber. */
  private socketIsActive(socket: Socket): boolean {
    for (const s of this.ctx.sessions.values()) {
      if (s.socket !== socket) continue
      if (s.isPublisher) return true
      const b = this.ctx.broadcasts.get(s.streamPath)
      return !!b && b.subscribers.has(s.id)
    }
    return false
  }

  /**
   * What viewers will see, measured where it is produced: a jump in the picture's
   * timestamps (a hole in the timeline) or the encoder going quiet for more than
   * half a second (a freeze), logged at a bounded rate so a bad hour cannot flood
   * the log.
   */
  private airWatch(
    stream: string
  ): ((p: { codec_type: number; flags: number; dts: number }) => void) & { close(): void } {
    const log = new RefusalLog({ burst: 10, write: (line) => this.options.log('warn', line) })
    let lastDts = -1
    let lastAt = 0
    const watch = (p: { codec_type: number; flags: number; dts: number }): void => {
      if (p.codec_type !== 9 || (p.flags !== 1 && p.flags !== 3 && p.flags !== 4)) return
      const now = Date.now()
      if (lastAt && now - lastAt > 500)
        log.refused('stalls', `stream ${stream}: no picture from the encoder for ${now - lastAt} ms (viewers froze)`)
      if (lastDts >= 0 && p.dts - lastDts > 250)
        log.refused(
          'gaps',
          `stream ${stream}: the picture's timeline jumped ${p.dts - lastDts} ms at ${(lastDts / 1000).toFixed(1)} s`
        )
      lastDts = p.dts
      lastAt = now
    }
    return Object.assign(watch, { close: () => log.close() })
  }

  /** Refusals, NMS sessions and streams, open connections: the media plane's diagnostics. */
  inspect(): { refused: number; sessions: number; broadcasts: number; openConnections: number } {
    return {
      refused: this.refusedCount,
      sessions: this.ctx.sessions.size,
      broadcasts: this.ctx.broadcasts.size,
      openConnections: this.openConnections
    }
  }

  /** Open connections on both listeners (tests, diagnostics). */
  get openConnections(): number {
    return this.limits.reduce((n, l) => n + l.open, 0)
  }

  /**
   * Publishes a stream from this process: the caller writes an FLV byte stream
   * (an encoder's stdout) and closes it when the encoder ends. A stream that
   * already has a publisher is refused. When a publisher closes, NMS keeps the
   * stream for its grace window and the next one opened on the same name
   * continues its timestamps, so viewers stay attached across encoder restarts.
   */
  openPublisher(stream: string): PublisherSink {
    if (!STREAM_NAME.test(stream))
      throw new StudioError('invalid_input', `Stream name "${stream}" may only use letters, digits, "-" and "_".`)
    const BaseSession = req('node-media-server/src/session/base_session.js') as NmsBaseSessionConstructor
    const Broadcast = req('node-media-server/src/server/broadcast_server.js') as NmsBroadcastConstructor
    const path = `/${STREAM_APP}/${stream}`
    const session = new BaseSession()
    // An empty ip marks an internal session to NMS (not counted as a client).
    session.ip = ''
    session.protocol = 'flv'
    session.streamApp = STREAM_APP
    session.streamName = stream
    session.streamPath = path
    const exp = Math.floor(Date.now() / 1000) + 30
    const hash = createHash('md5').update(`${path}-${exp}-${this.secret}`).digest('hex')
    session.streamQuery = { sign: `${exp}-${hash}` }
    session.isPublisher = true
    const broadcast = this.ctx.broadcasts.get(path) ?? new Broadcast(path)
    this.ctx.broadcasts.set(path, broadcast)
    const err = broadcast.postPublish(session)
    if (err !== null) {
      broadcast._destroyIfEmpty?.()
      throw new StudioError('conflict', `The local server already has a publisher for stream "${stream}".`)
    }
    this.streams.add(stream)
    this.ctx.sessions.set(session.id, session)
    const watch = this.airWatch(stream)
    const fanOutTo = broadcast as unknown as FanOutBroadcast
    const flv = new FlvTagSplitter((packet, tag) => {
      watch(packet)
      fanOut(fanOutTo, packet, tag)
    })
    let closed = false
    const sink: PublisherSink = {
      get closed() {
        return closed
      },
      write: (chunk) => {
        if (closed) return
        session.inBytes += chunk.length
        const e = flv.push(chunk)
        if (e !== null) {
          this.options.log(
            'error',
            `stream ${stream}: the encoder's FLV could not be parsed (${e}); closing this publish`
          )
          sink.close()
        }
      },
      close: () => {
        if (closed) return
        closed = true
        watch.close()
        broadcast.donePublish(session)
        this.ctx.sessions.delete(session.id)
      }
    }
    return sink
  }

  get host(): string {
    return this.options.bind === '0.0.0.0' ? '127.0.0.1' : this.options.bind
  }

  rtmpUrl(stream: string): string {
    return `rtmp://${this.host}:${this.options.rtmpPort}/${STREAM_APP}/${stream}`
  }

  flvUrl(stream: string): string {
    return `http://${this.host}:${this.options.httpPort}/${STREAM_APP}/${stream}.flv`
  }

  private broadcast(stream: string): NmsBroadcast | undefined {
    return this.ctx.broadcasts.get(`/${STREAM_APP}/${stream}`)
  }

  /** People watching the local stream (our own relays, tagged ?relay=…, are not counted). */
  viewers(stream: string): number {
    const b = this.broadcast(stream)
    if (!b) return 0
    let n = 0
    for (const s of b.subscribers.values()) {
      if (s.ip !== '' && !(s.streamQuery && 'relay' in s.streamQuery)) n += 1
    }
    return n
  }

  /** True once a publisher is attached and its first video (sequence header) has arrived. */
  hasVideo(stream: string): boolean {
    const b = this.broadcast(stream)
    return !!b && b.publisher !== null && b.rtmpVideoHeader !== null && b.getPublishStatus?.() !== 'reconnecting'
  }

  publisherBytes(stream: string): number {
    return this.broadcast(stream)?.publisher?.inBytes ?? 0
  }

  async stop(): Promise<void> {
    if (running === this) running = null
    this.removeAllListeners()
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    this.refusals.close()
    // NMS's emitter is process-wide and outlives this server.
    for (const [event, listener] of this.nmsListeners) this.ctx.eventEmitter.off(event, listener)
    await this.nms.stop()
    // Players left attached to a stopped server would keep a stale broadcast.
    this.ctx.broadcasts.clear()
  }
}

function hostOf(ip: string): string {
  return ip.replace(/:\d+$/, '')
}

/** A small fixed set of keys for NMS's error lines, so counting them cannot grow with what clients send. */
function nmsRefusalReason(line: string): string {
  if (/push .* authentication verification failed/.test(line)) return 'publishes without our signature'
  if (/already has a publisher/.test(line)) return 'publishes to a stream already published'
  if (/invalid stream path/.test(line)) return 'bad stream paths'
  if (/parserData error/.test(line)) return 'malformed protocol data'
  if (/socket error/.test(line)) return 'socket errors'
  return 'other server errors'
}

/** The address the studio's own clients (watch-page proxy, relays, taps) connect from. */
function isStudioAddress(address: string): boolean {
  return address === '127.0.0.1' || address === '::ffff:127.0.0.1' || address === '::1'
}
