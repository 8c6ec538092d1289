import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs'
import { join } from 'node:path'
import { HLS_PTS_OFFSET } from './copy-tap'
import { parseShotSound } from '../show/sound'
import {
  DiscontinuityNumbering,
  numberedPlaylist,
  parseMediaPlaylist,
  type MediaPlaylist,
  type NumberedSegment
} from './hls-playlist'
import type { Cue } from '../voice/narrate'

/**
 * The captions of a channel's HLS as a WebVTT rendition (RFC 8216 §3.5, §4.3.4.1):
 * beside ffmpeg's index.m3u8 a subtitle playlist (subs.m3u8) with one sub-N.vtt per
 * video segment seg-N.ts — same media sequence, durations, discontinuities and
 * program date-times — a copy of the video playlist (video.m3u8) numbering its
 * discontinuities as the subtitle playlist does, for the life of the window
 * (hls-playlist.ts: ffmpeg's own numbers shift as segments slide out), and a master
 * playlist tying those two together.
 *
 * The cues come from what aired: each clip's start on the playout's output timeline
 * (airStartUs of its onair.clip airing event) plus the cues its take was made with, so
 * an edit on air moves them with the picture. Each segment's cues are placed on the
 * video's own timeline: X-TIMESTAMP-MAP pairs the segment's first video PTS (read from
 * the .ts) with a local time, and that PTS is the playout's output time plus
 * HLS_PTS_OFFSET, whether the playout's tee wrote the segment or a copy tap did (it keeps
 * the local server's timestamps, -copyts). No wall clock
 * is involved: the cached GOP the local server replays to a new tap, and the playout's
 * progress reports arriving up to a second late, leave the captions where the picture is.
 */

/** What aired: where on the playout's output timeline (seconds), and the caption cues of its take (seconds from its start). */
export interface AiredClip {
  outS: number
  durationMs: number
  cues: readonly Cue[]
}

/** The PTS (90 kHz) of the first video PES in an MPEG-TS file, read from its first 256 KiB; null if none. */
export function firstVideoPts(file: string): number | null {
  const buf = Buffer.alloc(256 * 1024)
  const fd = openSync(file, 'r')
  let len: number
  try {
    len = readSync(fd, buf, 0, buf.length, 0)
  } finally {
    closeSync(fd)
  }
  for (let at = 0; at + 188 <= len; at += 188) {
    if (buf[at] !== 0x47) return null
    const pusi = (buf[at + 1]! & 0x40) !== 0
    const afc = (buf[at + 3]! >> 4) & 3
    if (!pusi || !(afc & 1)) continue
    const p = at + 4 + (afc & 2 ? 1 + buf[at + 4]! : 0)
    if (p + 14 > at + 188) continue
    const isPes = buf[p] === 0 && buf[p + 1] === 0 && buf[p + 2] === 1
    const streamId = buf[p + 3]!
    if (!isPes || streamId < 0xe0 || streamId > 0xef || !(buf[p + 7]! & 0x80)) continue
    const b = buf.subarray(p + 9, p + 14)
    // 33 bits: multiplication, not shifts, past 32 bits.
    return ((b[0]! >> 1) & 7) * 2 ** 30 + (b[1]! << 22) + ((b[2]! >> 1) << 15) + (b[3]! << 7) + (b[4]! >> 1)
  }
  return null
}

/** Local time of a segment's start in its WebVTT file: an hour in, so a cue begun before the segment stays positive. */
const LOCAL_ZERO_S = 3600

function vttTime(s: number): string {
  const ms = Math.max(0, Math.round(s * 1000))
  const p = (n: number, w = 2) => String(n).padStart(w, '0')
  return `${p(Math.floor(ms / 3600_000))}:${p(Math.floor(ms / 60_000) % 60)}:${p(Math.floor(ms / 1000) % 60)}.${p(ms % 1000, 3)}`
}

const vttText = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/-->/g, '→').replace(/\n+/g, ' ')

/** Every cue that aired, in seconds of output time, each ending no later than the next clip began. */
export function airedCues(aired: readonly AiredClip[]): Array<{ start: number; end: number; text: string }> {
  const out: Array<{ start: number; end: number; text: string }> = []
  aired.forEach((a, i) => {
    const next = aired[i + 1]
    const stop = Math.min(a.outS + a.durationMs / 1000, next ? next.outS : Infinity)
    for (const c of a.cues) {
      const start = a.outS + c.start
      const end = Math.min(a.outS + c.end, stop)
      if (end > start) out.push({ start, end, text: c.text })
    }
  })
  return out
}

/** PTS are 33 bits: they wrap every 26.5 h of output. */
const PTS_WRAP_S = 2 ** 33 / 90_000

/**
 * The output time (s) a segment's first PTS shows: PTS − HLS_PTS_OFFSET, unwrapped to
 * the turn of the 33-bit clock nearest `nearS` (what aired last), so a channel on air
 * for days still finds its cues.
 */
export function outputTimeOfPts(pts: number, nearS: number): number {
  const base = (pts - HLS_PTS_OFFSET) / 90_000
  return base + Math.round((nearS - base) / PTS_WRAP_S) * PTS_WRAP_S
}

/** One segment's WebVTT: the cues overlapping it (output time), mapped onto its video PTS. */
export function segmentVtt(
  seg: { outS: number; durationS: number; pts: number },
  cues: ReadonlyArray<{ start: number; end: number; text: string }>
): string {
  const lines = ['WEBVTT', `X-TIMESTAMP-MAP=MPEGTS:${seg.pts},LOCAL:${vttTime(LOCAL_ZERO_S)}`, '']
  const end = seg.outS + seg.durationS
  for (const c of cues) {
    if (c.end <= seg.outS || c.start >= end) continue
    // The whole cue, in every segment it touches (same times each time: players keep one).
    const local = (t: number) => vttTime(LOCAL_ZERO_S + t - seg.outS)
    lines.push(`${local(c.start)} --> ${local(c.end)}`, vttText(c.text), '')
  }
  return lines.join('\n') + '\n'
}

/** The video playlist the master names: the studio's numbered copy of ffmpeg's index.m3u8. */
export const VIDEO_PLAYLIST = 'video.m3u8'

export function masterPlaylist(bandwidth: number): string {
  return [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="Captions",LANGUAGE="en",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="subs.m3u8"',
    `#EXT-X-STREAM-INF:BANDWIDTH=${Math.round(bandwidth)},SUBTITLES="subs"`,
    VIDEO_PLAYLIST,
    ''
  ].join('\n')
}

/** The subtitle playlist: one sub-N.vtt per listed seg-N.ts, numbered as the video's copy. */
export function subtitlePlaylist(video: MediaPlaylist, listed: readonly NumberedSegment[]): string {
  return numberedPlaylist(video, listed, { version: 3, independentSegments: false, uri: (n) => `sub-${n}.vtt` })
}

/**
 * The studio's copy of ffmpeg's video playlist, which the master playlist names: the same
 * segments, with the discontinuity numbers the subtitle playlist has (hls-playlist.ts).
 */
export function videoPlaylist(video: MediaPlaylist, listed: readonly NumberedSegment[]): string {
  return numberedPlaylist(video, listed, {
    version: video.version,
    independentSegments: video.independentSegments,
    uri: (n) => `seg-${n}.ts`
  })
}

/** Write by rename: the HTTP route may be reading the previous version right now. */
function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp`
  writeFileSync(tmp, text)
  renameSync(tmp, path)
}

/** How long what aired is kept (output seconds): well past the HLS window. */
const KEEP_AIRED_S = 10 * 60
const TICK_MS = 500

/**
 * Keeps one channel's WebVTT rendition beside its HLS: told what airs (aired), it
 * follows ffmpeg's index.m3u8 on a short timer and writes the subtitle segments, the
 * subtitle playlist and the master playlist into the same folder.
 */
export class HlsCaptions {
  private aired: AiredClip[] = []
  private readonly pts = new Map<number, number | null>()
  private readonly written = new Map<number, string>()
  private numbering = new DiscontinuityNumbering()
  /** ffmpeg's media sequence last read: lower means a new window (its segments numbered from 0 again). */
  private mediaSequence = -1
  private bandwidth = 0
  private timer: ReturnType<typeof setInterval> | null = null

  constructor(
    private readonly folder: () => string | undefined,
    private readonly log: (line: string) => void = () => {}
  ) {}

  /** A clip went on air at `outS` (output time); its cues are the take's, fixed now (later edits don't rewrite what aired). */
  airing(clip: AiredClip): void {
    // Before it on the output timeline only: an encoder restart starts that timeline again.
    this.aired = this.aired.filter((a) => a.outS > clip.outS - KEEP_AIRED_S && a.outS < clip.outS)
    this.aired.push(clip)
  }

  start(): void {
    if (this.timer) return
    this.timer = setInterval(() => {
      try {
        this.update()
      } catch (err) {
        this.log(`[captions] ${err instanceof Error ? err.message : String(err)}`)
      }
    }, TICK_MS)
    this.timer.unref?.()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  /** One pass: the subtitle segments of the video segments listed now, then the playlists. */
  update(): void {
    const dir = this.folder()
    if (!dir || !existsSync(join(dir, 'index.m3u8'))) return
    const video = parseMediaPlaylist(readFileSync(join(dir, 'index.m3u8'), 'utf8'))
    const mirror = join(dir, VIDEO_PLAYLIST)
    if (video.mediaSequence < this.mediaSequence) {
      this.numbering = new DiscontinuityNumbering()
      this.pts.clear()
      this.written.clear()
    } else if (this.mediaSequence < 0 && existsSync(mirror)) {
      // A copy written before (captions switched off and on, the studio restarted): its numbers stand.
      this.numbering.number(parseMediaPlaylist(readFileSync(mirror, 'utf8')))
    }
    this.mediaSequence = video.mediaSequence
    const listed = this.numbering.number(video)
    const cues = airedCues(this.aired)
    for (const s of listed) {
      const file = join(dir, `seg-${s.n}.ts`)
      if (!this.pts.has(s.n) && existsSync(file)) {
        this.pts.set(s.n, firstVideoPts(file))
        const bps = (statSync(file).size * 8) / Math.max(s.durationS, 0.5)
        this.bandwidth = Math.max(this.bandwidth, bps * 1.1)
      }
      const pts = this.pts.get(s.n)
      const lastS = this.aired.at(-1)?.outS
      // A segment without a PTS (or before anything aired) gets an empty WebVTT: the playlists stay aligned.
      const text =
        pts != null && lastS !== undefined
          ? segmentVtt({ outS: outputTimeOfPts(pts, lastS), durationS: s.durationS, pts }, cues)
          : 'WEBVTT\n\n'
      if (this.written.get(s.n) !== text) {
        writeAtomic(join(dir, `sub-${s.n}.vtt`), text)
        this.written.set(s.n, text)
      }
    }
    if (listed.length === 0) return
    // The video's copy first: a player reading the master next finds both.
    writeAtomic(mirror, videoPlaylist(video, listed))
    writeAtomic(join(dir, 'subs.m3u8'), subtitlePlaylist(video, listed))
    const master = join(dir, 'master.m3u8')
    const masterText = masterPlaylist(this.bandwidth || 3_000_000)
    if (!existsSync(master) || readFileSync(master, 'utf8') !== masterText) writeAtomic(master, masterText)
    // What left the video window leaves this one too.
    const keep = new Set(listed.map((s) => s.n))
    for (const n of [...this.written.keys()]) {
      if (keep.has(n)) continue
      this.written.delete(n)
      this.pts.delete(n)
      rmSync(join(dir, `sub-${n}.vtt`), { force: true })
    }
    for (const f of readdirSync(dir)) {
      const m = /^sub-(\d+)\.vtt$/.exec(f)
      if (m && !keep.has(Number(m[1]))) rmSync(join(dir, f), { force: true })
    }
  }
}

/** The cues of what an item airs now: its chosen take's, else its shot's line (a take made before takes kept cues). */
export function cuesOfItem(
  lib: {
    itemShotAndTake(itemId: number): { shotId: number; takeId: number | null } | null
    takeCues(takeId: number): Cue[] | null
    shotSoundJson(shotId: number): string | null
  },
  itemId: number
): Cue[] {
  const at = lib.itemShotAndTake(itemId)
  if (!at) return []
  const own = at.takeId !== null ? lib.takeCues(at.takeId) : null
  return own ?? parseShotSound(lib.shotSoundJson(at.shotId))?.narration?.cues ?? []
}
