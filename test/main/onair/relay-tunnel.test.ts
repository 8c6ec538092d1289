import { describe, expect, it } from 'vitest'
import { ClientStreamRewriter, tunnelTarget } from '../../../src/main/onair/relay-tunnel'

/** One RTMP message as chunks: a type-0 (or type-1) first chunk, type-3 continuations. */
function chunks(o: { csid: number; fmt: 0 | 1; ts: number; type: number; payload: Buffer; chunkSize: number }): Buffer {
  const ext = o.ts >= 0xffffff
  const parts: Buffer[] = []
  for (let off = 0; off < o.payload.length || off === 0; off += o.chunkSize) {
    const first = off === 0
    const h: number[] = [((first ? o.fmt : 3) << 6) | o.csid]
    if (first) {
      const t = ext ? 0xffffff : o.ts
      h.push((t >> 16) & 0xff, (t >> 8) & 0xff, t & 0xff)
      h.push((o.payload.length >> 16) & 0xff, (o.payload.length >> 8) & 0xff, o.payload.length & 0xff, o.type)
      if (o.fmt === 0) h.push(1, 0, 0, 0)
    }
    const hb = Buffer.from(h)
    const eb = Buffer.alloc(ext ? 4 : 0)
    if (ext) eb.writeUInt32BE(o.ts)
    parts.push(hb, eb, o.payload.subarray(off, off + o.chunkSize))
    if (o.payload.length === 0) break
  }
  return Buffer.concat(parts)
}

function amfString(s: string): Buffer {
  const b = Buffer.alloc(3 + Buffer.byteLength(s))
  b[0] = 2
  b.writeUInt16BE(Buffer.byteLength(s), 1)
  b.write(s, 3)
  return b
}

function publish(name: string): Buffer {
  const num = Buffer.alloc(9)
  num[0] = 0
  num.writeDoubleBE(5, 1)
  return Buffer.concat([amfString('publish'), num, Buffer.from([5]), amfString(name), amfString('live')])
}

describe('relay tunnel: swapping the stand-in for the key in the RTMP client stream', () => {
  const key = 'FB-' + 'x'.repeat(150) + '?s_bl=1&a=b'
  const standin = 'S'.repeat(Buffer.byteLength(key))

  function stream(name: string): Buffer {
    const handshake = Buffer.alloc(1 + 1536 + 1536, 7)
    const video = Buffer.alloc(300, 9)
    const setChunk = Buffer.alloc(4)
    setChunk.writeUInt32BE(4096)
    return Buffer.concat([
      handshake,
      // The publish command spans two 128-byte chunks; the stand-in straddles the boundary.
      chunks({ csid: 3, fmt: 0, ts: 0, type: 20, payload: publish(name), chunkSize: 128 }),
      // A video message past 4.66 h: extended timestamps on every chunk, continuations too.
      chunks({ csid: 6, fmt: 0, ts: 0x1234567, type: 9, payload: video, chunkSize: 128 }),
      chunks({ csid: 2, fmt: 0, ts: 0, type: 1, payload: setChunk, chunkSize: 128 }),
      chunks({ csid: 6, fmt: 1, ts: 40, type: 9, payload: Buffer.alloc(5000, 3), chunkSize: 4096 }),
      chunks({ csid: 3, fmt: 1, ts: 0, type: 20, payload: publish(name), chunkSize: 4096 })
    ])
  }

  it('replaces it inside command messages only, byte for byte, however the bytes arrive', () => {
    const input = stream(standin)
    const expected = stream(key)
    expect(expected.length).toBe(input.length)
    for (const piece of [input.length, 1, 7, 100, 1000]) {
      const rw = new ClientStreamRewriter(Buffer.from(standin), Buffer.from(key))
      const out: Buffer[] = []
      for (let i = 0; i < input.length; i += piece) out.push(rw.push(input.subarray(i, i + piece)))
      const all = Buffer.concat(out)
      expect(all.length, `piece ${piece}`).toBe(expected.length)
      expect(all.equals(expected), `piece ${piece}`).toBe(true)
    }
  })

  it('leaves a stand-in-looking sequence in media data alone', () => {
    const handshake = Buffer.alloc(3073)
    const media = chunks({ csid: 6, fmt: 0, ts: 0, type: 9, payload: Buffer.from(`xx${standin}yy`), chunkSize: 128 })
    const input = Buffer.concat([handshake, media])
    const rw = new ClientStreamRewriter(Buffer.from(standin), Buffer.from(key))
    expect(rw.push(input).equals(input)).toBe(true)
  })

  it('reads destination URLs: TLS port 443 by default, multi-part apps, query strings kept with the key', () => {
    expect(tunnelTarget('rtmps://live.twitch.tv/app/live_1?bandwidthtest=true')).toEqual({
      secure: true,
      host: 'live.twitch.tv',
      port: 443,
      app: 'app',
      playpath: 'live_1?bandwidthtest=true'
    })
    expect(tunnelTarget('rtmp://[::1]:1936/a/b/KEY')).toEqual({
      secure: false,
      host: '::1',
      port: 1936,
      app: 'a/b',
      playpath: 'KEY'
    })
    expect(() => tunnelTarget('rtmp://host/app')).toThrow(/no stream key/)
  })

  it("reads YouTube's backup ingest, whose query sits before the key, as ffmpeg does (app?backup=1, then the key)", () => {
    expect(tunnelTarget('rtmps://b.rtmps.youtube.com:443/live2?backup=1/abcd-efgh')).toEqual({
      secure: true,
      host: 'b.rtmps.youtube.com',
      port: 443,
      app: 'live2?backup=1',
      playpath: 'abcd-efgh'
    })
  })
})
