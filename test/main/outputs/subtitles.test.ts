import { describe, expect, it } from 'vitest'
import {
  airedCues,
  masterPlaylist,
  outputTimeOfPts,
  segmentVtt,
  subtitlePlaylist,
  videoPlaylist
} from '../../../src/main/outputs/subtitles'
import { DiscontinuityNumbering, parseMediaPlaylist } from '../../../src/main/outputs/hls-playlist'
import { HLS_PTS_OFFSET } from '../../../src/main/outputs/copy-tap'

// As ffmpeg's hls muxer writes it (EXTINF before the date).
const FFMPEG_PLAYLIST = `#EXTM3U
#EXT-X-VERSION:6
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:41
#EXT-X-INDEPENDENT-SEGMENTS
#EXTINF:2.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-12-06T12:00:00.000+0000
seg-41.ts
#EXT-X-DISCONTINUITY
#EXTINF:2.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-12-06T12:00:02.000+0000
seg-42.ts
`
const T0 = Date.UTC(2026, 11, 6, 12, 0, 0)

describe('the WebVTT rendition of the HLS', () => {
  it('mirrors the video playlist: sequence, durations, discontinuities, dates', () => {
    const v = parseMediaPlaylist(FFMPEG_PLAYLIST)
    expect(v.mediaSequence).toBe(41)
    expect(v.segments).toEqual([
      { n: 41, durationS: 2, pdt: T0, discontinuities: 0 },
      { n: 42, durationS: 2, pdt: T0 + 2000, discontinuities: 1 }
    ])
    const listed = new DiscontinuityNumbering().number(v)
    expect(listed.map((s) => s.cc)).toEqual([0, 1])
    expect(subtitlePlaylist(v, listed)).toBe(
      [
        '#EXTM3U',
        '#EXT-X-VERSION:3',
        '#EXT-X-TARGETDURATION:2',
        '#EXT-X-MEDIA-SEQUENCE:41',
        '#EXT-X-PROGRAM-DATE-TIME:2026-12-06T12:00:00.000Z',
        '#EXTINF:2.000000,',
        'sub-41.vtt',
        '#EXT-X-DISCONTINUITY',
        '#EXT-X-PROGRAM-DATE-TIME:2026-12-06T12:00:02.000Z',
        '#EXTINF:2.000000,',
        'sub-42.vtt',
        ''
      ].join('\n')
    )
    // The master names the studio's copy of the video playlist: the same segments, numbered as the subtitles.
    expect(masterPlaylist(2_500_000)).toContain('#EXT-X-STREAM-INF:BANDWIDTH=2500000,SUBTITLES="subs"\nvideo.m3u8')
    expect(videoPlaylist(v, listed)).toBe(
      [
        '#EXTM3U',
        '#EXT-X-VERSION:6',
        '#EXT-X-TARGETDURATION:2',
        '#EXT-X-MEDIA-SEQUENCE:41',
        '#EXT-X-INDEPENDENT-SEGMENTS',
        '#EXT-X-PROGRAM-DATE-TIME:2026-12-06T12:00:00.000Z',
        '#EXTINF:2.000000,',
        'seg-41.ts',
        '#EXT-X-DISCONTINUITY',
        '#EXT-X-PROGRAM-DATE-TIME:2026-12-06T12:00:02.000Z',
        '#EXTINF:2.000000,',
        'seg-42.ts',
        ''
      ].join('\n')
    )
  })

  it('repeats every discontinuity tag before a segment: ffmpeg’s discont_start writes two, hls.js counts both (cc)', () => {
    // ffmpeg 5.1's first window: one tag in the header (discont_start), one on seg-0.
    const v = parseMediaPlaylist(
      [
        '#EXTM3U',
        '#EXT-X-VERSION:6',
        '#EXT-X-TARGETDURATION:2',
        '#EXT-X-MEDIA-SEQUENCE:0',
        '#EXT-X-DISCONTINUITY',
        '#EXT-X-INDEPENDENT-SEGMENTS',
        '#EXT-X-DISCONTINUITY',
        '#EXTINF:2.000000,',
        '#EXT-X-PROGRAM-DATE-TIME:2026-12-06T12:00:00.000+0000',
        'seg-0.ts',
        '#EXTINF:2.000000,',
        '#EXT-X-PROGRAM-DATE-TIME:2026-12-06T12:00:02.000+0000',
        'seg-1.ts',
        ''
      ].join('\n')
    )
    expect(v.segments.map((s) => s.discontinuities)).toEqual([2, 0])
    const subs = subtitlePlaylist(v, new DiscontinuityNumbering().number(v))
    expect(subs.split('\n').slice(4, 7)).toEqual([
      '#EXT-X-DISCONTINUITY',
      '#EXT-X-DISCONTINUITY',
      '#EXT-X-PROGRAM-DATE-TIME:2026-12-06T12:00:00.000Z'
    ])
  })

  it('times cues on the playout’s output time, mapped onto the segment’s video PTS; a cut clip cuts its cue', () => {
    const cues = airedCues([
      { outS: 100.5, durationMs: 3000, cues: [{ start: 0.2, end: 2.9, text: 'A <b> & c', speaker: 'n' }] },
      // The next clip began early (a skip): the previous cue ends there.
      { outS: 102.5, durationMs: 4000, cues: [{ start: 1, end: 9, text: 'two', speaker: 'n' }] }
    ])
    expect(cues).toEqual([
      { start: 100.7, end: 102.5, text: 'A <b> & c' },
      { start: 103.5, end: 106.5, text: 'two' }
    ])
    // With -copyts the segment starting at output time 100 s has PTS 100 × 90 kHz + the muxer's 1.4 s.
    const pts = 100 * 90_000 + HLS_PTS_OFFSET
    expect(outputTimeOfPts(pts, 102.5)).toBeCloseTo(100, 9)
    const first = segmentVtt({ outS: 100, durationS: 2, pts }, cues)
    expect(first).toBe(
      `WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:${pts},LOCAL:01:00:00.000\n\n01:00:00.700 --> 01:00:02.500\nA &lt;b&gt; &amp; c\n\n`
    )
    // In the next segment the same cue keeps the same place on the video timeline (players keep one copy).
    const second = segmentVtt({ outS: 102, durationS: 2, pts: pts + 180_000 }, cues)
    expect(second).toContain('00:59:58.700 --> 01:00:00.500\nA &lt;b&gt; &amp; c')
    expect(second).toContain('01:00:01.500 --> 01:00:04.500\ntwo')
  })

  it('unwraps the 33-bit PTS: a channel a day and a half on air still finds its cues', () => {
    const wrapS = 2 ** 33 / 90_000
    const outS = wrapS + 50 // 26.5 h + 50 s of output
    const pts = (Math.round(outS * 90_000) + HLS_PTS_OFFSET) % 2 ** 33
    expect(outputTimeOfPts(pts, outS + 3)).toBeCloseTo(outS, 4)
    expect(outputTimeOfPts(pts, outS - 600)).toBeCloseTo(outS, 4)
    // Early on air no turn is added.
    expect(outputTimeOfPts(HLS_PTS_OFFSET + 90_000, 4)).toBe(1)
  })
})
