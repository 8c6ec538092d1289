import { createHash } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { createServer, type Server as NetServer } from 'node:net'
import type { Server as HttpServer } from 'node:http'
import { createRequire } from 'node:module'
import { StudioError } from '../../shared/contract'

/**
 * The embedded node-media-server (4.x): RTMP + HTTP-FLV, bound to 127.0.0.1 unless
 * the user opts into the LAN. Publishing needs a per-install secret (NMS's signed
 * URLs); playing is open. NMS keeps its configuration in a module-level singleton,
 * so there is at most one server per process.
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
  publishSecret: string
  log: ServerLog
}

// Minimal shapes of the NMS internals we rely on (read from its source, 4.4.x).
interface NmsSession {
  id: string
  ip: string
  protocol: string
  streamPath: string
  streamName: string
  streamQuery: Record<string, unknown> | null
  inBytes: number
  close(): void
}
interface NmsBroadcast {
  publisher: NmsSession | null
  subscribers: Map<string, NmsSession>
  rtmpVideoHeader: Buffer | null
  getPublishStatus?: () => string
}
interface NmsContext {
  broadcasts: Map<string, NmsBroadcast>
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
  private constructor(
    private readonly nms: NmsInstance,
    private readonly ctx: NmsContext,
    readonly options: RtmpServerOptions
  ) {
    super()
    // One listener per channel on air; dozens are normal.
    this.setMaxListeners(0)
  }

  static get current(): LocalRtmpServer | null {
    return running
  }

  static async start(options: RtmpServerOptions): Promise<LocalRtmpServer> {
    if (running) throw new StudioError('conflict', 'The local RTMP server is already running in this process.')
    if (options.rtmpPort === options.httpPort) {
      throw new StudioError('invalid_input', `The RTMP and HTTP-FLV ports are both ${options.rtmpPort}; choose two different ports.`, 'httpPort')
    }
    await assertPortFree(options.bind, options.rtmpPort, 'RTMP', 'rtmpPort')
    await assertPortFree(options.bind, options.httpPort, 'HTTP-FLV', 'httpPort')

    // NMS prints every session (and used to print query strings) with console.log
    // at debug level; route its logger through ours so nothing leaves unredacted.
    const logger = req('node-media-server/src/core/logger.js') as NmsLogger
    logger.log = (message: string, level = 'info') => options.log(level as NmsLogLevel, String(message))
    const Nms = req('node-media-server') as NmsConstructor
    const ctx = req('node-media-server/src/core/context.js') as NmsContext
    const nms = new Nms({
      bind: options.bind,
      rtmp: { port: options.rtmpPort },
      http: { port: options.httpPort },
      webadmin: { enable: false },
      auth: { publish: true, play: false, secret: options.publishSecret }
    })
    const server = new LocalRtmpServer(nms, ctx, options)
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
    this.onNms('postPlay', (session) => this.emit('viewersChanged', session.streamName))
    this.onNms('donePlay', (session) => this.emit('viewersChanged', session.streamName))
  }

  get host(): string {
    return this.options.bind === '0.0.0.0' ? '127.0.0.1' : this.options.bind
  }

  /**
   * NMS's signed publish URL: sign=<expiry>-md5("/live/<stream>-<expiry>-<secret>").
   * The signature only matters while connecting; each (re)connect signs afresh.
   */
  publishUrl(stream: string, secret = this.options.publishSecret, validForS = 24 * 3600): string {
    const exp = Math.floor(Date.now() / 1000) + validForS
    const hash = createHash('md5').update(`/${STREAM_APP}/${stream}-${exp}-${secret}`).digest('hex')
    return `rtmp://${this.host}:${this.options.rtmpPort}/${STREAM_APP}/${stream}?sign=${exp}-${hash}`
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
    // NMS's emitter is process-wide and outlives this server.
    for (const [event, listener] of this.nmsListeners) this.ctx.eventEmitter.off(event, listener)
    await this.nms.stop()
    // Players left attached to a stopped server would keep a stale broadcast.
    this.ctx.broadcasts.clear()
  }
}
