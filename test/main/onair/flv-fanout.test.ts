import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import {
  fanOut,
  FlvTagSplitter,
  GopView,
  type FanOutBroadcast,
  type NmsPacket
} from '../../../src/main/onair/flv-fanout'
import { ffmpeg } from '../../helpers/ffmpeg'

const req = createRequire(__filename)
const NmsFlv = req('node-media-server/src/protocol/flv.js') as {
  new (): { parserData(b: Buffer): string | null; onPacketCallback: (p: NmsPacket) => void }
  createMessage(p: NmsPacket): Buffer
}
const Rtmp = req('node-media-server/src/protocol/rtmp.js') as { createMessage(p: NmsPacket): Buffer }

/** Three seconds of a real encoder's FLV (H.264 with a keyframe a second, AAC), as the playout writes it. */
function encoderFlv(): Buffer {
  return ffmpeg([
    '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=24:duration=3',
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=3',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '24', '-c:a', 'aac',
    '-f', 'flv', '-flvflags', 'no_duration_filesize', 'pipe:1'
  ]) // prettier-ignore
}

/** What NMS's own parser and broadcastMessage make of the same bytes: each packet and its FLV message. */
function nmsMessages(flv: Buffer): Array<{ packet: NmsPacket; tag: Buffer; rtmp: Buffer }> {
  const out: Array<{ packet: NmsPacket; tag: Buffer; rtmp: Buffer }> = []
  const parser = new NmsFlv()
  parser.onPacketCallback = (p) =>
    out.push({ packet: { ...p }, tag: NmsFlv.createMessage(p), rtmp: Rtmp.createMessage(p) })
  expect(parser.parserData(flv)).toBeNull()
  return out
}

function broadcast(): FanOutBroadcast & { sent: Map<string, Buffer[]> } {
  const sent = new Map<string, Buffer[]>([
    ['flv', []],
    ['rtmp', []]
  ])
  return {
    sent,
    publisher: {},
    subscribers: new Map(),
    _dtsOffset: {},
    _lastDts: {},
    flvMetaData: null,
    rtmpMetaData: null,
    flvAudioHeader: null,
    rtmpAudioHeader: null,
    flvVideoHeader: null,
    rtmpVideoHeader: null,
    flvGopCache: null,
    rtmpGopCache: null
  }
}

describe('the publish path (flv-fanout)', () => {
  const flv = encoderFlv()
  const expected = nmsMessages(flv)

  it('splits an encoder stream cut anywhere into the FLV messages and packets NMS makes', () => {
    expect(expected.length).toBeGreaterThan(100)
    for (const cut of [1, 7, 11, 188, 4096, 65536]) {
      const got: Array<{ packet: NmsPacket; tag: Buffer }> = []
      const splitter = new FlvTagSplitter((packet, tag) => got.push({ packet, tag }))
      for (let i = 0; i < flv.length; i += cut) expect(splitter.push(flv.subarray(i, i + cut))).toBeNull()
      expect(got.length).toBe(expected.length)
      got.forEach((g, k) => {
        const e = expected[k]!
        expect(g.tag.equals(e.tag)).toBe(true)
        expect({ ...g.packet, data: null }).toEqual({ ...e.packet, data: null })
        // (NMS's packet data is its parser's scratch buffer, overwritten since: compare with its message.)
        expect(g.packet.data.equals(e.tag.subarray(11, 11 + e.packet.size))).toBe(true)
      })
    }
  })

  it('refuses a stream that is not FLV, or whose tag sizes do not match', () => {
    expect(new FlvTagSplitter(() => {}).push(Buffer.from('GIF89a not a video at all'))).toMatch(/not an FLV/)
    const bad = Buffer.from(flv)
    bad.writeUInt32BE(7, 13 + 11 + bad.readUIntBE(13 + 1, 3)) // the first tag's PreviousTagSize
    expect(new FlvTagSplitter(() => {}).push(bad)).toMatch(/parser error/)
  })

  it('sends HTTP-FLV viewers the FLV messages and builds RTMP messages only for RTMP viewers', () => {
    const b = broadcast()
    b.subscribers.set('f', { protocol: 'flv', sendBuffer: (m) => b.sent.get('flv')!.push(m) })
    const splitter = new FlvTagSplitter((p, tag) => fanOut(b, p, tag))
    splitter.push(flv.subarray(0, Math.floor(flv.length / 2)))
    // An RTMP viewer joins mid-stream: it gets the GOP so far (built now, from the FLV GOP), then every packet.
    expect(b.rtmpGopCache).toBeInstanceOf(GopView)
    const gop: Buffer[] = []
    b.rtmpGopCache!.forEach((m) => gop.push(m))
    const keyAt = expected.findLastIndex((e, k) => e.packet.flags === 3 && b.sent.get('flv')!.length > k)
    expect(gop.length).toBe(b.sent.get('flv')!.length - keyAt)
    gop.forEach((m, k) => expect(m.equals(expected[keyAt + k]!.rtmp)).toBe(true))
    const before = b.sent.get('flv')!.length
    b.subscribers.set('r', { protocol: 'rtmp', sendBuffer: (m) => b.sent.get('rtmp')!.push(m) })
    splitter.push(flv.subarray(Math.floor(flv.length / 2)))
    expect(b.sent.get('flv')!.map((m) => m.equals(expected[b.sent.get('flv')!.indexOf(m)]!.tag))).not.toContain(false)
    expect(b.sent.get('rtmp')!.length).toBe(expected.length - before)
    b.sent.get('rtmp')!.forEach((m, k) => expect(m.equals(expected[before + k]!.rtmp)).toBe(true))
    // The sequence headers and metadata are kept for joiners, in both protocols.
    expect(b.flvVideoHeader?.equals(expected.find((e) => e.packet.flags === 2)!.tag)).toBe(true)
    expect(b.rtmpAudioHeader?.equals(expected.find((e) => e.packet.flags === 0)!.rtmp)).toBe(true)
    expect(b.flvMetaData?.equals(expected.find((e) => e.packet.flags === 5)!.tag)).toBe(true)
  })

  it('continues the timeline of a resumed publish (NMS dts offset) in what viewers get', () => {
    const b = broadcast()
    b._dtsOffset = { 8: 5000, 9: 5000 }
    const got: Buffer[] = []
    b.subscribers.set('f', { protocol: 'flv', sendBuffer: (m) => got.push(m) })
    new FlvTagSplitter((p, tag) => fanOut(b, p, tag)).push(flv)
    const frames = expected.filter((e) => e.packet.flags === 3 || e.packet.flags === 4 || e.packet.flags === 1)
    const shifted = got.filter((_, k) => [1, 3, 4].includes(expected[k]!.packet.flags))
    expect(shifted.length).toBe(frames.length)
    shifted.forEach((m, k) => {
      const ts = ((m[4]! << 16) | (m[5]! << 8) | m[6]! | (m[7]! << 24)) >>> 0
      expect(ts).toBe(frames[k]!.packet.dts + 5000)
    })
    expect(b._lastDts[9]).toBe(frames.filter((f) => f.packet.codec_type === 9).at(-1)!.packet.dts + 5000)
  })
})
