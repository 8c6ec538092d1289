import { createRequire } from 'node:module'

/**
 * The publish path of the studio's own encoders into node-media-server, cut to what it
 * must do for each packet (bench/channels.bench.ts profiled it with 20 channels on air).
 * NMS's own path, per packet: its FLV parser copies the tag into a scratch buffer, then
 * broadcastMessage allocates and fills an FLV message (a second copy) and an RTMP message
 * (a third, chunked) whether or not anyone plays over RTMP, and keeps both in two GOP
 * caches. Here, an encoder's FLV tag — which is already byte for byte the FLV message NMS
 * would build — is copied once out of the pipe's chunk and sent as is to HTTP-FLV viewers;
 * an RTMP message is built only while an RTMP viewer is attached, and a joining RTMP
 * viewer's GOP is built from the FLV GOP when it joins. Everything else follows NMS 4.4's
 * broadcastMessage: resumed publishes continue the timeline (dts offset), the sequence
 * headers and metadata are kept for joiners, the GOP cache restarts at each keyframe.
 */

const req = createRequire(__filename)

export interface NmsPacket {
  codec_type: number
  codec_id: number
  flags: number
  dts: number
  pts: number
  size: number
  data: Buffer
}

interface Subscriber {
  protocol: string
  sendBuffer(b: Buffer): void
}

/** The NMS broadcast fields this path reads and writes (node-media-server 4.4.x). */
export interface FanOutBroadcast {
  publisher: Record<string, unknown> | null
  subscribers: Map<string, Subscriber>
  _dtsOffset: Record<number, number>
  _lastDts: Record<number, number>
  flvMetaData: Buffer | null
  rtmpMetaData: Buffer | null
  flvAudioHeader: Buffer | null
  rtmpAudioHeader: Buffer | null
  flvVideoHeader: Buffer | null
  rtmpVideoHeader: Buffer | null
  flvGopCache: Set<Buffer> | null
  rtmpGopCache: GopView | Set<Buffer> | null
}

interface NmsFlvStatic {
  parserTag(type: number, time: number, size: number, data: Buffer): NmsPacket
}
interface NmsRtmpStatic {
  createMessage(packet: Pick<NmsPacket, 'codec_type' | 'dts' | 'size' | 'data'>): Buffer
}

const Flv = req('node-media-server/src/protocol/flv.js') as NmsFlvStatic
const Rtmp = req('node-media-server/src/protocol/rtmp.js') as NmsRtmpStatic
const { decodeAmf0Data } = req('node-media-server/src/protocol/amf.js') as {
  decodeAmf0Data(data: Buffer): { cmd?: string; dataObj: Record<string, unknown> | null }
}

const TAG_HEADER = 11
const FLV_FILE_HEADER = 13 // 'FLV', version, flags, header size, and the first PreviousTagSize
/** NMS drops a GOP cache that grew past this many packets (a stream without keyframes). */
const GOP_CACHE_MAX = 4096

function tagTime(tag: Buffer): number {
  return ((tag[4]! << 16) | (tag[5]! << 8) | tag[6]! | (tag[7]! << 24)) >>> 0
}

function setTagTime(tag: Buffer, ms: number): void {
  tag[4] = (ms >> 16) & 0xff
  tag[5] = (ms >> 8) & 0xff
  tag[6] = ms & 0xff
  tag[7] = (ms >> 24) & 0xff
}

/** The RTMP message of an FLV message (tag + PreviousTagSize), as NMS's Rtmp.createMessage makes it. */
function rtmpOf(tag: Buffer): Buffer {
  const size = tag.readUIntBE(1, 3)
  return Rtmp.createMessage({
    codec_type: tag[0]!,
    dts: tagTime(tag),
    size,
    data: tag.subarray(TAG_HEADER, TAG_HEADER + size)
  })
}

/**
 * The RTMP GOP cache NMS's RTMP play reads (forEach) and its publish end clears: a view
 * of the FLV GOP cache, turned into RTMP messages only when an RTMP viewer joins.
 */
export class GopView {
  constructor(private readonly broadcast: FanOutBroadcast) {}
  get size(): number {
    return this.broadcast.flvGopCache?.size ?? 0
  }
  forEach(fn: (message: Buffer) => void): void {
    for (const tag of this.broadcast.flvGopCache ?? []) fn(rtmpOf(tag))
  }
  add(): void {
    /* the FLV cache is the one kept */
  }
  clear(): void {
    /* cleared with the FLV cache */
  }
}

/** Sends one packet (its FLV message `tag`) to every viewer, and keeps what joiners need. */
export function fanOut(b: FanOutBroadcast, packet: NmsPacket, tag: Buffer): void {
  if (!(b.rtmpGopCache instanceof GopView)) b.rtmpGopCache = new GopView(b)
  const offset = b._dtsOffset[packet.codec_type] ?? 0
  if (offset > 0 && (packet.flags === 1 || packet.flags === 3 || packet.flags === 4)) {
    packet.dts += offset
    packet.pts += offset
    setTagTime(tag, packet.dts)
  }
  if (packet.codec_type === 8 || packet.codec_type === 9) b._lastDts[packet.codec_type] = packet.dts
  let rtmp: Buffer | null = null
  const rtmpMessage = (): Buffer => (rtmp ??= rtmpOf(tag))
  switch (packet.flags) {
    case 0:
      b.flvAudioHeader = tag
      b.rtmpAudioHeader = rtmpMessage()
      break
    case 2:
      b.flvVideoHeader = tag
      b.rtmpVideoHeader = rtmpMessage()
      break
    case 5: {
      const metadata = decodeAmf0Data(packet.data)
      const d = metadata.dataObj
      if (b.publisher && d !== null && (metadata.cmd === '@setDataFrame' || metadata.cmd === 'onMetaData'))
        Object.assign(b.publisher, {
          audioCodec: d.audiocodecid,
          audioChannels: d.stereo ? 2 : 1,
          audioSamplerate: d.audiosamplerate,
          audioDatarate: d.audiodatarate,
          videoCodec: d.videocodecid,
          videoWidth: d.width,
          videoHeight: d.height,
          videoFramerate: d.framerate,
          videoDatarate: d.videodatarate
        })
      b.flvMetaData = tag
      b.rtmpMetaData = rtmpMessage()
      break
    }
    case 3:
      b.flvGopCache = new Set([tag])
      break
    case 1:
    case 4:
      b.flvGopCache?.add(tag)
      break
  }
  if (b.flvGopCache && b.flvGopCache.size > GOP_CACHE_MAX) b.flvGopCache.clear()
  for (const s of b.subscribers.values()) {
    if (s.protocol === 'flv') s.sendBuffer(tag)
    else if (s.protocol === 'rtmp') s.sendBuffer(rtmpMessage())
  }
}

/**
 * Splits an encoder's FLV byte stream into tags, each copied once into a buffer of its own
 * holding exactly the FLV message (tag and PreviousTagSize), with NMS's packet fields.
 * Returns an error (as NMS's parser would) when the stream is not FLV.
 */
export class FlvTagSplitter {
  private headerLeft = FLV_FILE_HEADER
  /** The tag being assembled when it spans chunks. */
  private pending: Buffer | null = null
  private pendingFilled = 0
  /** A tag header split across chunks. */
  private head = Buffer.alloc(TAG_HEADER)
  private headFilled = 0

  constructor(private readonly onTag: (packet: NmsPacket, tag: Buffer) => void) {}

  push(chunk: Buffer): string | null {
    let i = 0
    if (this.headerLeft > 0) {
      const n = Math.min(this.headerLeft, chunk.length)
      if (this.headerLeft === FLV_FILE_HEADER && chunk.length >= 3 && chunk.toString('latin1', 0, 3) !== 'FLV')
        return 'not an FLV stream'
      this.headerLeft -= n
      i += n
    }
    while (i < chunk.length) {
      if (this.pending) {
        const n = Math.min(this.pending.length - this.pendingFilled, chunk.length - i)
        chunk.copy(this.pending, this.pendingFilled, i, i + n)
        this.pendingFilled += n
        i += n
        if (this.pendingFilled < this.pending.length) return null
        const tag = this.pending
        this.pending = null
        const e = this.emit(tag)
        if (e) return e
        continue
      }
      if (this.headFilled > 0 || chunk.length - i < TAG_HEADER) {
        const n = Math.min(TAG_HEADER - this.headFilled, chunk.length - i)
        chunk.copy(this.head, this.headFilled, i, i + n)
        this.headFilled += n
        i += n
        if (this.headFilled < TAG_HEADER) return null
        this.headFilled = 0
        const tag = Buffer.allocUnsafe(TAG_HEADER + this.head.readUIntBE(1, 3) + 4)
        this.head.copy(tag, 0)
        this.pending = tag
        this.pendingFilled = TAG_HEADER
        continue
      }
      const total = TAG_HEADER + chunk.readUIntBE(i + 1, 3) + 4
      const tag = Buffer.allocUnsafe(total)
      const n = Math.min(total, chunk.length - i)
      chunk.copy(tag, 0, i, i + n)
      i += n
      if (n < total) {
        this.pending = tag
        this.pendingFilled = n
        return null
      }
      const e = this.emit(tag)
      if (e) return e
    }
    return null
  }

  private emit(tag: Buffer): string | null {
    const size = tag.length - TAG_HEADER - 4
    if (tag.readUInt32BE(TAG_HEADER + size) !== TAG_HEADER + size) return 'flv tag parser error'
    // The stream id (bytes 8-10) is always 0 in an FLV message; ffmpeg writes it so.
    const packet = Flv.parserTag(tag[0]!, tagTime(tag), size, tag.subarray(TAG_HEADER, TAG_HEADER + size))
    this.onTag(packet, tag)
    return null
  }
}
