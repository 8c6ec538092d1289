/**
 * A light viewer for many channels at once: one HTTP-FLV connection per channel in
 * this process, reading only the FLV tag headers (type and timestamp) of what
 * arrives — no decoding, no ffmpeg per viewer — so a hundred channels can be
 * watched without the watching costing more than the airing. It pulls every byte
 * (the server sends it all, as to a real player) and keeps, per channel, each
 * picture's media time and the wall-clock time it arrived.
 */
import { get, type ClientRequest } from 'node:http'

export interface Sample {
  /** Media time of a video tag, ms (the FLV timestamp). */
  ts: number
  /** Arrival, ms (Date.now()). */
  at: number
}

export interface FlvSampler {
  readonly url: string
  /** Video tags in arrival order (the oldest are dropped past an hour's worth). */
  readonly samples: Sample[]
  readonly bytes: number
  readonly ended: boolean
  close(): void
}

const FLV_HEADER = 9 + 4 // the file header and the first PreviousTagSize
const TAG_HEADER = 11
const MAX_SAMPLES = 24 * 3600

export function sampleFlv(url: string): FlvSampler {
  const samples: Sample[] = []
  let bytes = 0
  let ended = false
  /** Bytes still to skip of the current tag body (and its PreviousTagSize). */
  let skip = FLV_HEADER
  /** A tag header split across chunks. */
  let partial = Buffer.alloc(0)
  const onData = (chunk: Buffer): void => {
    const at = Date.now()
    bytes += chunk.length
    let buf = partial.length ? Buffer.concat([partial, chunk]) : chunk
    partial = Buffer.alloc(0)
    let i = 0
    while (i < buf.length) {
      if (skip > 0) {
        const n = Math.min(skip, buf.length - i)
        skip -= n
        i += n
        continue
      }
      if (buf.length - i < TAG_HEADER) {
        partial = Buffer.from(buf.subarray(i))
        break
      }
      const type = buf[i]! & 0x1f
      const size = buf.readUIntBE(i + 1, 3)
      const ts = (buf.readUIntBE(i + 4, 3) | (buf[i + 7]! << 24)) >>> 0
      if (type === 9) {
        samples.push({ ts, at })
        if (samples.length > MAX_SAMPLES) samples.splice(0, samples.length - MAX_SAMPLES)
      }
      i += TAG_HEADER
      skip = size + 4
    }
    buf = Buffer.alloc(0)
  }
  let req: ClientRequest | null = get(url, (res) => {
    if (res.statusCode !== 200) {
      ended = true
      res.resume()
      return
    }
    res.on('data', onData)
    res.on('end', () => (ended = true))
    res.on('error', () => (ended = true))
  })
  req.on('error', () => (ended = true))
  return {
    url,
    samples,
    get bytes() {
      return bytes
    },
    get ended() {
      return ended
    },
    close: () => {
      req?.destroy()
      req = null
      ended = true
    }
  }
}

export interface Pace {
  /** Media seconds per wall second over the window, fitted to every picture (least squares): 1.00 is real time. */
  speed: number
  /** Media seconds received in the window. */
  mediaS: number
  /** Longest wall-clock wait between two pictures, s. */
  longestWaitS: number
  pictures: number
}

/** How one channel advanced between two wall-clock times. */
export function paceOf(samples: readonly Sample[], fromMs: number, toMs: number): Pace {
  const seen = samples.filter((s) => s.at >= fromMs && s.at <= toMs)
  if (seen.length < 2) return { speed: 0, mediaS: 0, longestWaitS: (toMs - fromMs) / 1000, pictures: seen.length }
  const n = seen.length
  const mx = seen.reduce((a, s) => a + s.at, 0) / n
  const my = seen.reduce((a, s) => a + s.ts, 0) / n
  let num = 0
  let den = 0
  let longest = seen[0]!.at - fromMs
  for (let k = 0; k < n; k++) {
    const s = seen[k]!
    num += (s.at - mx) * (s.ts - my)
    den += (s.at - mx) ** 2
    if (k > 0) longest = Math.max(longest, s.at - seen[k - 1]!.at)
  }
  longest = Math.max(longest, toMs - seen[n - 1]!.at)
  return {
    speed: den > 0 ? num / den : 0,
    mediaS: (seen[n - 1]!.ts - seen[0]!.ts) / 1000,
    longestWaitS: longest / 1000,
    pictures: n
  }
}
