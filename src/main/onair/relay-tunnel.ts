import { randomInt } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net'
import { connect as tlsConnect, rootCertificates } from 'node:tls'
import { tcpSocketBelongsTo } from './socket-owner'

/**
 * Keeps a destination's stream key out of every command line and environment.
 *
 * The relay's ffmpeg publishes to a one-connection RTMP endpoint on 127.0.0.1 that
 * this process owns, with a stand-in stream name of the key's exact length; the
 * tunnel opens the real connection (TCP for rtmp://, TLS for rtmps://) and, in the
 * client's command messages (releaseStream, FCPublish, publish), swaps the stand-in
 * for the key in place. Same length means no RTMP chunk or AMF length changes, so
 * ffmpeg stays the RTMP client (its handshake, flow control and error messages are
 * what every ingest is used to) and the tunnel only has to find chunk boundaries.
 * Everything the ingest sends back passes through untouched. Works the same on
 * Linux, macOS and Windows: plain sockets, no OS-specific secret passing.
 *
 * Only one connection is let through. On Linux the tunnel also checks that the
 * connecting socket belongs to the relay's own ffmpeg (its pid's open sockets), so
 * another local user who read the stand-in from `ps` and raced ffmpeg to the port
 * is turned away; elsewhere the first loopback connection wins, and a racer would
 * make ffmpeg fail to connect, which ends the attempt.
 */

export interface TunnelTarget {
  secure: boolean
  host: string
  port: number
  app: string
  /** What ffmpeg would send as the stream name: the key, with any query string. */
  playpath: string
}

export interface RelayTunnel {
  /** Where the relay's ffmpeg publishes (no secret in it). */
  readonly localUrl: string
  /** ffmpeg options that make it send the real app and tcUrl (neither is secret). */
  readonly ffmpegOptions: string[]
  /** The pid allowed to connect (Linux checks it). */
  expectPid(pid: number): void
  close(): void
}

const HANDSHAKE_BYTES = 1 + 1536 + 1536
const STANDIN_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'

/** No tunnel: ffmpeg writes to the URL itself (protocols the tunnel does not speak, e.g. SRT). */
export function directOutput(url: string): RelayTunnel {
  return { localUrl: url, ffmpegOptions: [], expectPid: () => undefined, close: () => undefined }
}

/**
 * Parses `rtmp[s]://host[:port]/app…/key[?query]` into a tunnel target. A query
 * before the key (YouTube's backup ingest, `…/live2?backup=1/KEY`) belongs to the
 * app, as ffmpeg reads it.
 */
export function tunnelTarget(url: string): TunnelTarget {
  const appQuery = /^(rtmps?:\/\/[^/?#]+\/[^?#]*)(\?[^#/]*)\/([^#/]+)$/i.exec(url)
  if (appQuery) {
    const t = tunnelTarget(`${appQuery[1]!.replace(/\/$/, '')}/${appQuery[3]!}`)
    return { ...t, app: t.app + appQuery[2]! }
  }
  const m = /^(rtmps?):\/\/([^/?#]+)(\/[^?#]*)(\?[^#]*)?$/i.exec(url)
  if (!m) throw new Error('The destination URL is not an rtmp:// or rtmps:// URL with an application and a key.')
  const secure = m[1]!.toLowerCase() === 'rtmps'
  const hp = /^(\[[0-9a-f:]+\]|[^:]+)(?::(\d+))?$/i.exec(m[2]!)
  if (!hp) throw new Error('The destination URL has no usable host.')
  const segments = m[3]!.split('/').filter(Boolean)
  if (segments.length < 2) throw new Error('The destination URL has no stream key (…/app/KEY).')
  return {
    secure,
    host: hp[1]!.replace(/^\[|\]$/g, ''),
    port: hp[2] ? Number(hp[2]) : secure ? 443 : 1935,
    app: segments.slice(0, -1).join('/'),
    playpath: segments[segments.length - 1]! + (m[4] ?? '')
  }
}

export interface TunnelOptions {
  target: TunnelTarget
  /** Called once with why the tunnel ended a connection early (for the relay's log). */
  onProblem?: (message: string) => void
  /** How long to wait for the relay's ffmpeg to connect. */
  acceptTimeoutMs?: number
}

/** Opens the local endpoint; resolves once it listens. */
export async function openRelayTunnel(opts: TunnelOptions): Promise<RelayTunnel> {
  const { target } = opts
  const key = Buffer.from(target.playpath, 'utf8')
  // The stand-in has the key's byte length, so every length field stays right.
  let standinText = ''
  for (let i = 0; i < key.length; i++) standinText += STANDIN_ALPHABET[randomInt(STANDIN_ALPHABET.length)]
  const standin = Buffer.from(standinText, 'utf8')
  let expectedPid: number | null = null
  let client: Socket | null = null
  let upstream: Socket | null = null
  let closed = false

  const server: Server = createServer({ pauseOnConnect: true })
  /** Connections that came before the relay's pid (it may be told from another thread): checked once it is. */
  const early: Socket[] = []
  const close = (): void => {
    if (closed) return
    closed = true
    clearTimeout(acceptTimer)
    server.close()
    for (const s of early.splice(0)) s.destroy()
    client?.destroy()
    upstream?.destroy()
  }
  const acceptTimer = setTimeout(() => {
    if (!client) {
      opts.onProblem?.('the relay never connected to its local tunnel')
      close()
    }
  }, opts.acceptTimeoutMs ?? 20_000)
  acceptTimer.unref?.()

  server.on('connection', (socket: Socket) => {
    if (process.platform === 'linux' && expectedPid === null && !closed) early.push(socket)
    else admit(socket)
  })

  const admit = (socket: Socket): void => {
    const from = socket.remoteAddress ?? ''
    const loopback = from === '::1' || from.startsWith('127.') || from.startsWith('::ffff:127.')
    // On Linux the connecting socket must be the relay ffmpeg's own (checked by pid).
    const checked = process.platform !== 'linux' || (expectedPid !== null && tcpSocketBelongsTo(expectedPid, socket))
    if (closed || client || !loopback || !checked) {
      socket.destroy()
      return
    }
    client = socket
    server.close() // one connection per tunnel
    clearTimeout(acceptTimer)
    pipe(socket)
  }

  const pipe = (down: Socket): void => {
    const up = target.secure
      ? tlsConnect({
          host: target.host,
          port: target.port,
          servername: /^[\d.]+$|:/.test(target.host) ? undefined : target.host,
          ca: extraCa()
        })
      : netConnect({ host: target.host, port: target.port })
    upstream = up
    up.setNoDelay(true)
    down.setNoDelay(true)
    const rewriter = new ClientStreamRewriter(standin, key)
    down.on('data', (d: Buffer) => {
      if (!up.write(rewriter.push(d))) down.pause()
    })
    up.on('drain', () => down.resume())
    up.on('data', (d: Buffer) => {
      if (!down.write(d)) up.pause()
    })
    down.on('drain', () => up.resume())
    const end = (): void => close()
    down.on('close', end)
    up.on('close', end)
    down.on('error', end)
    up.on('error', (err) => {
      opts.onProblem?.(`destination connection: ${err.message}`)
      end()
    })
    rewriter.onError = (message) => {
      opts.onProblem?.(message)
      end()
    }
    down.resume()
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as { port: number }).port
  const tcUrl = `${target.secure ? 'rtmps' : 'rtmp'}://${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}/${target.app}`
  return {
    localUrl: `rtmp://127.0.0.1:${port}/${target.app}/${standinText}`,
    ffmpegOptions: ['-rtmp_app', target.app, '-rtmp_playpath', standinText, '-rtmp_tcurl', tcUrl],
    expectPid: (pid) => {
      expectedPid = pid
      for (const s of early.splice(0)) admit(s)
    },
    close
  }
}

/**
 * The client-to-server half of an RTMP connection after the handshake: finds each
 * chunk's header and payload, collects command messages (AMF0/AMF3 invokes) whole,
 * swaps the stand-in for the key inside them, and passes every byte on in order.
 */
export class ClientStreamRewriter {
  onError: (message: string) => void = () => {}
  private handshakeLeft = HANDSHAKE_BYTES
  private buf: Buffer = Buffer.alloc(0)
  private chunkSize = 128
  private readonly streams = new Map<
    number,
    { length: number; type: number; extended: boolean; left: number; raw: Buffer[]; payload: Buffer[] }
  >()
  private failed = false

  constructor(
    private readonly find: Buffer,
    private readonly replace: Buffer
  ) {}

  push(data: Buffer): Buffer {
    if (this.failed) return Buffer.alloc(0)
    const out: Buffer[] = []
    let d = data
    if (this.handshakeLeft > 0) {
      const n = Math.min(this.handshakeLeft, d.length)
      out.push(d.subarray(0, n))
      this.handshakeLeft -= n
      d = d.subarray(n)
    }
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d
    for (;;) {
      const chunk = this.nextChunk()
      if (chunk === null) break
      if (chunk === 'error') {
        this.failed = true
        this.onError('the relay sent RTMP data the tunnel could not follow')
        return Buffer.concat(out)
      }
      out.push(...chunk)
    }
    return Buffer.concat(out)
  }

  /** One chunk's bytes to pass on (or held until a command message is whole); null when more data is needed. */
  private nextChunk(): Buffer[] | null | 'error' {
    const b = this.buf
    if (b.length < 1) return null
    const fmt = b[0]! >> 6
    let csid = b[0]! & 0x3f
    let pos = 1
    if (csid === 0) {
      if (b.length < 2) return null
      csid = 64 + b[1]!
      pos = 2
    } else if (csid === 1) {
      if (b.length < 3) return null
      csid = 64 + b[1]! + b[2]! * 256
      pos = 3
    }
    const headerLen = [11, 7, 3, 0][fmt]!
    if (b.length < pos + headerLen) return null
    let st = this.streams.get(csid)
    const fresh = !st || st.left === 0
    let tsField = 0
    if (fmt <= 2) tsField = b.readUIntBE(pos, 3)
    let length = st?.length ?? 0
    let type = st?.type ?? 0
    if (fmt <= 1) {
      length = b.readUIntBE(pos + 3, 3)
      type = b[pos + 6]!
    }
    pos += headerLen
    const extended = fmt <= 2 ? tsField === 0xffffff : (st?.extended ?? false)
    if (extended) {
      if (b.length < pos + 4) return null
      pos += 4
    }
    if (!st) {
      if (fmt !== 0 && fmt !== 1) return 'error'
      st = { length, type, extended, left: 0, raw: [], payload: [] }
      this.streams.set(csid, st)
    }
    if (fresh) {
      st.length = length
      st.type = type
      st.left = length
      st.raw = []
      st.payload = []
    }
    st.extended = extended
    const n = Math.min(this.chunkSize, st.left)
    if (b.length < pos + n) return null
    const raw = b.subarray(0, pos + n)
    const payload = raw.subarray(pos)
    this.buf = b.subarray(pos + n)
    st.left -= n
    const isCommand = st.type === 20 || st.type === 17
    if (st.type === 1 && st.left === 0) {
      const whole = Buffer.concat([...st.payload, payload])
      if (whole.length >= 4) this.chunkSize = Math.max(1, whole.readUInt32BE(0) & 0x7fffffff)
    }
    if (!isCommand) {
      if (st.type === 1) st.payload.push(Buffer.from(payload))
      return [Buffer.from(raw)]
    }
    // Command messages are small: hold their chunks until the message is whole.
    st.raw.push(Buffer.from(raw))
    st.payload.push(Buffer.from(payload))
    if (st.left > 0) return []
    return this.rewrite(st.raw, st.payload)
  }

  /** Replaces the stand-in in the message payload, writing the change back into the held chunks. */
  private rewrite(raw: Buffer[], payload: Buffer[]): Buffer[] {
    const whole = Buffer.concat(payload)
    let at = whole.indexOf(this.find)
    if (at < 0) return raw
    while (at >= 0) {
      this.replace.copy(whole, at)
      at = whole.indexOf(this.find, at + this.find.length)
    }
    // Copy the payload back into each chunk, after its header.
    let off = 0
    for (let i = 0; i < raw.length; i++) {
      const p = payload[i]!
      const headerLen = raw[i]!.length - p.length
      whole.copy(raw[i]!, headerLen, off, off + p.length)
      off += p.length
    }
    return raw
  }
}

/**
 * The ingest's certificate is always verified (the key goes inside that TLS). An
 * RTMPS ingest behind a private CA (a self-hosted origin) is trusted by naming
 * its CA's PEM file in WEBTV_TLS_CA_FILE, on top of Node's public roots.
 */
function extraCa(): string[] | undefined {
  const file = process.env.WEBTV_TLS_CA_FILE
  if (!file) return undefined
  try {
    return [...rootCertificates, readFileSync(file, 'utf8')]
  } catch (err) {
    throw new Error(
      `WEBTV_TLS_CA_FILE names a file that cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}); point it at a PEM certificate or unset it.`
    )
  }
}
