/**
 * ffmpeg's live HLS media playlist, read and written again with discontinuity numbers
 * that hold for the life of the window (RFC 8216 §4.3.3.3, §6.2.1).
 *
 * Players number discontinuities (hls.js: a fragment's cc) from the playlist's
 * EXT-X-DISCONTINUITY-SEQUENCE plus one per EXT-X-DISCONTINUITY tag above it, and keep
 * the numbers of their first load. ffmpeg 5.1's hls muxer never writes that sequence:
 * once its first segment (two tags above it, from discont_start) or a restart's segment
 * (append_list adds one) slides out of the window, every segment listed after it drops
 * in number between two reloads. A player whose video and subtitle playlists were first
 * loaded on either side of that slide then pairs no subtitle fragment with a video one
 * and shows no caption. The studio therefore serves its own copy of the video playlist,
 * numbered here once per segment, and the subtitle playlist with the same numbers.
 */

export interface VideoSegment {
  /** N of seg-N.ts */
  n: number
  durationS: number
  /** EXT-X-PROGRAM-DATE-TIME in ms, when ffmpeg wrote one. */
  pdt: number | null
  /** How many EXT-X-DISCONTINUITY tags precede it (discont_start writes two before the first segment). */
  discontinuities: number
}

export interface MediaPlaylist {
  version: number
  targetDuration: number
  mediaSequence: number
  discontinuitySequence: number
  independentSegments: boolean
  segments: VideoSegment[]
}

/** A segment with its discontinuity number (cc): the same in every playlist the studio writes, at every reload. */
export interface NumberedSegment extends VideoSegment {
  cc: number
}

/** The parts of ffmpeg's live media playlist the studio's playlists mirror (segments named seg-N.ts). */
export function parseMediaPlaylist(text: string): MediaPlaylist {
  const out: MediaPlaylist = {
    version: 3,
    targetDuration: 2,
    mediaSequence: 0,
    discontinuitySequence: 0,
    independentSegments: false,
    segments: []
  }
  let pending: Omit<VideoSegment, 'n'> = { durationS: 0, pdt: null, discontinuities: 0 }
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    const tag = /^#(EXT[A-Z0-9-]*)(?::(.*))?$/.exec(line)
    if (tag) {
      const [, name, value = ''] = tag
      if (name === 'EXT-X-VERSION') out.version = Number(value)
      else if (name === 'EXT-X-TARGETDURATION') out.targetDuration = Number(value)
      else if (name === 'EXT-X-MEDIA-SEQUENCE') out.mediaSequence = Number(value)
      else if (name === 'EXT-X-DISCONTINUITY-SEQUENCE') out.discontinuitySequence = Number(value)
      else if (name === 'EXT-X-INDEPENDENT-SEGMENTS') out.independentSegments = true
      else if (name === 'EXT-X-DISCONTINUITY') pending.discontinuities++
      else if (name === 'EXTINF') pending.durationS = parseFloat(value)
      // ffmpeg writes the zone as +0000; Date.parse wants +00:00.
      else if (name === 'EXT-X-PROGRAM-DATE-TIME')
        pending.pdt = Date.parse(value.replace(/([+-]\d\d)(\d\d)$/, '$1:$2')) || null
      continue
    }
    const seg = /^seg-(\d+)\.ts$/.exec(line)
    if (seg) {
      out.segments.push({ n: Number(seg[1]), ...pending })
      pending = { durationS: 0, pdt: null, discontinuities: 0 }
    }
  }
  return out
}

/**
 * Gives each segment of a live window its discontinuity number once, the first time it
 * is listed, and keeps it while the segment stays listed: a segment listed after one
 * already numbered counts the tags above it from there. Fed every version of the
 * playlist in turn (the captions' 0.5 s tick sees every 2 s segment arrive).
 */
export class DiscontinuityNumbering {
  private readonly known = new Map<number, number>()
  private last: { n: number; cc: number } | null = null

  number(video: MediaPlaylist): NumberedSegment[] {
    const out: NumberedSegment[] = []
    let prev: number | null = null
    for (const s of video.segments) {
      let cc = this.known.get(s.n)
      if (cc === undefined) {
        if (prev !== null) cc = prev + s.discontinuities
        // The first window seen: the playlist's own numbers (what a player that loaded it alone counted).
        else if (!this.last) cc = video.discontinuitySequence + s.discontinuities
        else if (s.n === this.last.n + 1) cc = this.last.cc + s.discontinuities
        // Segments came and went unseen: one more, so no two runs of segments share a number.
        else cc = this.last.cc + Math.max(1, s.discontinuities)
        this.known.set(s.n, cc)
      }
      out.push({ ...s, cc })
      prev = cc
    }
    const newest = out.at(-1)
    if (newest && (!this.last || newest.n > this.last.n)) this.last = { n: newest.n, cc: newest.cc }
    // What left the window is never listed again.
    const oldest = out[0]?.n ?? Infinity
    for (const n of this.known.keys()) if (n < oldest) this.known.delete(n)
    return out
  }
}

/**
 * A media playlist of the numbered segments, each named by `uri`: EXT-X-DISCONTINUITY-SEQUENCE
 * is the first segment's number less the tags kept above it, so every player counts the
 * numbers given here, whichever version it loads first.
 */
export function numberedPlaylist(
  video: MediaPlaylist,
  listed: readonly NumberedSegment[],
  opts: { version: number; independentSegments: boolean; uri: (n: number) => string }
): string {
  const out = [
    '#EXTM3U',
    `#EXT-X-VERSION:${opts.version}`,
    `#EXT-X-TARGETDURATION:${video.targetDuration}`,
    `#EXT-X-MEDIA-SEQUENCE:${video.mediaSequence}`
  ]
  const sequence = listed.length ? listed[0]!.cc - listed[0]!.discontinuities : video.discontinuitySequence
  if (sequence) out.push(`#EXT-X-DISCONTINUITY-SEQUENCE:${sequence}`)
  if (opts.independentSegments) out.push('#EXT-X-INDEPENDENT-SEGMENTS')
  for (const s of listed) {
    for (let i = 0; i < s.discontinuities; i++) out.push('#EXT-X-DISCONTINUITY')
    if (s.pdt !== null) out.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(s.pdt).toISOString()}`)
    out.push(`#EXTINF:${s.durationS.toFixed(6)},`, opts.uri(s.n))
  }
  return out.join('\n') + '\n'
}
