import { randomInt } from 'node:crypto'
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram'
import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import { udpSocketBelongsTo } from './socket-owner'
import type { RelayTunnel } from './relay-tunnel'

/**
 * Keeps an SRT destination's streamid (the platforms' stream key) out of every
 * command line and environment, the way relay-tunnel.ts does for RTMP.
 *
 * The relay's ffmpeg calls a UDP endpoint on 127.0.0.1 that this process owns,
 * with a random stand-in streamid of the key's exact byte length. The tunnel
 * forwards every datagram both ways between that one ffmpeg and the real
 * receiver; in the caller's conclusion handshake it replaces the stand-in in the
 * Stream ID extension (SRT_CMD_SID) with the key. Same length means the
 * extension's length and padding do not change, and SRT handshakes carry no
 * checksum or signature over it, so ffmpeg (libsrt) stays the SRT caller: its
 * congestion control, retransmission and error messages are unchanged. Plain
 * UDP sockets, so it works the same on Linux, macOS and Windows, with any ffmpeg
 * built with libsrt (no ffmpeg option files, which only ffmpeg 7 has).
 *
 * Encrypted SRT (a passphrase) cannot go this way — the passphrase never crosses
 * the wire, it keys the caller's own crypto — and is refused when the destination
 * is added (presets.ts).
 *
 * Only one peer is let through: on Linux the first datagram must come from a UDP
 * socket of the relay's own ffmpeg (checked by pid); elsewhere the first loopback
 * sender wins. Datagrams from anyone else are dropped.
 */

export interface SrtTunnelTarget {
  host: string
  port: number
  /** The URL's other options (latency, …), passed to ffmpeg as they were. */
  options: URLSearchParams
  /** The streamid (the key). */
  streamid: string
}

const STANDIN_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
/** SRT's limit for a Stream ID (SRT_STREAMID_MAX, bytes). */
const STREAMID_MAX = 512
/** Handshake control packet: header (16 bytes) + fixed handshake fields (48 bytes), then extensions. */
const HS_EXT_OFFSET = 64
const SRT_CMD_SID = 5

/** Parses `srt://host:port?…streamid=KEY…` (the form destinationUrl() builds). */
export function srtTunnelTarget(url: string): SrtTunnelTarget {
  const m = /^srt:\/\/(\[[0-9a-f:]+\]|[^:/?#]+):(\d{1,5})\/?(?:\?(.*))?$/i.exec(url)
  if (!m) throw new Error('The destination URL is not an srt://host:port URL.')
  const options = new URLSearchParams(m[3] ?? '')
  const streamid = options.get('streamid')
  if (!streamid) throw new Error('The SRT destination has no streamid to protect.')
  options.delete('streamid')
  if (options.has('passphrase')) throw new Error('Encrypted SRT (passphrase) is not supported.')
  if (Buffer.byteLength(streamid, 'utf8') > STREAMID_MAX)
    throw new Error(`The SRT streamid is longer than SRT allows (${STREAMID_MAX} bytes).`)
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]), options, streamid }
}

/** How a Stream ID travels: zero-padded to 32-bit words, each word's bytes reversed (libsrt sends it as little-endian words). */
export function sidWireBytes(streamid: Buffer): Buffer {
  const padded = Buffer.alloc(Math.ceil(streamid.length / 4) * 4)
  streamid.copy(padded)
  for (let i = 0; i < padded.length; i += 4) {
    const w = padded.readUInt32LE(i)
    padded.writeUInt32BE(w, i)
  }
  return padded
}

/**
 * In one datagram from the caller: if it is a handshake carrying a Stream ID
 * extension equal to `from`, writes `to` over it (in place). Returns whether it did.
 */
export function swapStreamId(packet: Buffer, from: Buffer, to: Buffer): boolean {
  // Control packet (first bit set), type 0 = handshake.
  if (packet.length < HS_EXT_OFFSET || (packet[0]! & 0x80) === 0 || (packet.readUInt16BE(0) & 0x7fff) !== 0)
    return false
  let off = HS_EXT_OFFSET
  let swapped = false
  while (off + 4 <= packet.length) {
    const type = packet.readUInt16BE(off)
    const words = packet.readUInt16BE(off + 2)
    const start = off + 4
    const end = start + words * 4
    if (end > packet.length) break
    if (type === SRT_CMD_SID && words * 4 === from.length && packet.subarray(start, end).equals(from)) {
      to.copy(packet, start)
      swapped = true
    }
    off = end
  }
  return swapped
}

export interface SrtTunnelOptions {
  target: SrtTunnelTarget
  onProblem?: (message: string) => void
  /** How long to wait for the relay's ffmpeg to send its first datagram. */
  acceptTimeoutMs?: number
}

/** Opens the local endpoint (and the socket towards the receiver); resolves once both are bound. */
export async function openSrtTunnel(opts: SrtTunnelOptions): Promise<RelayTunnel> {
  const { target } = opts
  const key = Buffer.from(target.streamid, 'utf8')
  let standinText = ''
  for (let i = 0; i < key.length; i++) standinText += STANDIN_ALPHABET[randomInt(STANDIN_ALPHABET.length)]
  const fromWire = sidWireBytes(Buffer.from(standinText, 'utf8'))
  const toWire = sidWireBytes(key)

  const address = isIP(target.host) ? target.host : (await lookup(target.host)).address
  const family = isIP(address) === 6 ? 'udp6' : 'udp4'
  const local: Socket = createSocket('udp4')
  const upstream: Socket = createSocket(family)
  let expectedPid: number | null = null
  let peer: RemoteInfo | null = null
  let closed = false

  const close = (): void => {
    if (closed) return
    closed = true
    clearTimeout(acceptTimer)
    local.close()
    upstream.close()
  }
  const acceptTimer = setTimeout(() => {
    if (!peer) {
      opts.onProblem?.('the relay never reached its local SRT tunnel')
      close()
    }
  }, opts.acceptTimeoutMs ?? 20_000)
  acceptTimer.unref?.()

  const isPeer = (r: RemoteInfo): boolean => !!peer && r.address === peer.address && r.port === peer.port
  local.on('message', (msg, rinfo) => {
    if (closed) return
    if (!peer) {
      const loopback = rinfo.address.startsWith('127.')
      // On Linux the sender must be the relay ffmpeg's own socket (checked by pid).
      const checked =
        process.platform !== 'linux' || (expectedPid !== null && udpSocketBelongsTo(expectedPid, rinfo.port))
      if (!loopback || !checked) return
      peer = rinfo
      clearTimeout(acceptTimer)
    } else if (!isPeer(rinfo)) return
    swapStreamId(msg, fromWire, toWire)
    upstream.send(msg, target.port, address)
  })
  upstream.on('message', (msg, rinfo) => {
    if (closed || !peer || rinfo.port !== target.port || rinfo.address !== address) return
    local.send(msg, peer.port, peer.address)
  })
  const onError = (err: Error): void => {
    opts.onProblem?.(`SRT tunnel: ${err.message}`)
    close()
  }
  local.on('error', onError)
  upstream.on('error', onError)
  await Promise.all([
    new Promise<void>((resolve, reject) => {
      local.once('error', reject)
      local.bind(0, '127.0.0.1', () => resolve())
    }),
    new Promise<void>((resolve, reject) => {
      upstream.once('error', reject)
      upstream.bind(0, () => resolve())
    })
  ])
  const port = local.address().port
  const query = new URLSearchParams(target.options)
  query.set('mode', 'caller')
  query.set('streamid', standinText)
  return {
    localUrl: `srt://127.0.0.1:${port}?${query.toString()}`,
    ffmpegOptions: [],
    expectPid: (pid) => {
      expectedPid = pid
    },
    close
  }
}
