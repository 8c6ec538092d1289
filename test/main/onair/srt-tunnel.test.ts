import { describe, expect, it } from 'vitest'
import { sidWireBytes, srtTunnelTarget, swapStreamId } from '../../../src/main/onair/srt-tunnel'
import { readStreamId } from '../../fixtures/srt-ingest'

/** A caller's conclusion handshake as libsrt lays it out: header, fixed fields, HSREQ, then the Stream ID. */
function conclusion(streamid: string): Buffer {
  const head = Buffer.alloc(64)
  head.writeUInt16BE(0x8000, 0) // control, type 0 = handshake
  const hsreq = Buffer.alloc(4 + 12)
  hsreq.writeUInt16BE(1, 0)
  hsreq.writeUInt16BE(3, 2)
  const sid = sidWireBytes(Buffer.from(streamid, 'utf8'))
  const ext = Buffer.alloc(4)
  ext.writeUInt16BE(5, 0)
  ext.writeUInt16BE(sid.length / 4, 2)
  return Buffer.concat([head, hsreq, ext, sid])
}

describe('SRT key tunnel: the Stream ID swap', () => {
  it('replaces the stand-in in a caller handshake with the key, as the receiver decodes it', () => {
    const key = '#!::r=live/abc,m=publish'
    const standin = 'x'.repeat(Buffer.byteLength(key))
    const pkt = conclusion(standin)
    expect(readStreamId(pkt)).toBe(standin)
    expect(swapStreamId(pkt, sidWireBytes(Buffer.from(standin)), sidWireBytes(Buffer.from(key)))).toBe(true)
    expect(readStreamId(pkt)).toBe(key)
  })

  it('leaves data packets and other streamids alone', () => {
    const data = Buffer.alloc(200, 7)
    data[0] = 0x00 // data packet
    const copy = Buffer.from(data)
    expect(swapStreamId(data, sidWireBytes(Buffer.from('aaaa')), sidWireBytes(Buffer.from('bbbb')))).toBe(false)
    expect(data.equals(copy)).toBe(true)
    const other = conclusion('zzzzzz')
    expect(swapStreamId(other, sidWireBytes(Buffer.from('yyyyyy')), sidWireBytes(Buffer.from('kkkkkk')))).toBe(false)
    expect(readStreamId(other)).toBe('zzzzzz')
  })

  it('reads the destination URL the studio builds, keeping the other options', () => {
    const t = srtTunnelTarget('srt://ingest.example.com:9000?latency=2000000&streamid=%23!%3A%3Ar%3Dlive%2Fk')
    expect(t).toMatchObject({ host: 'ingest.example.com', port: 9000, streamid: '#!::r=live/k' })
    expect(t.options.toString()).toBe('latency=2000000')
    expect(srtTunnelTarget('srt://[::1]:9000?streamid=k').host).toBe('::1')
  })

  it('refuses what it cannot carry, naming why', () => {
    expect(() => srtTunnelTarget('srt://h:9000')).toThrow(/no streamid/)
    expect(() => srtTunnelTarget('srt://h:9000?streamid=k&passphrase=0123456789')).toThrow(/passphrase/)
    expect(() => srtTunnelTarget(`srt://h:9000?streamid=${'k'.repeat(513)}`)).toThrow(/longer than SRT allows/)
    expect(() => srtTunnelTarget('rtmp://h/app/k')).toThrow(/not an srt:\/\/host:port URL/)
  })
})
