import { describe, expect, it } from 'vitest'
import {
  airedCues,
  masterPlaylist,
  parseMediaPlaylist,
  segmentVtt,
  subtitlePlaylist
} from '../../../src/main/outputs/subtitles'

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
      { n: 41, durationS: 2, pdt: T0, discontinuity: false },
      { n: 42, durationS: 2, pdt: T0 + 2000, discontinuity: true }
    ])
    expect(subtitlePlaylist(v, v.segments)).toBe(
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
    expect(masterPlaylist(2_500_000)).toContain('#EXT-X-STREAM-INF:BANDWIDTH=2500000,SUBTITLES="subs"\nindex.m3u8')
  })

  it('times cues from the airing on the segment date, mapped onto its video PTS; a cut clip cuts its cue', () => {
    const cues = airedCues([
      { at: T0 + 500, durationMs: 3000, cues: [{ start: 0.2, end: 2.9, text: 'A <b> & c', speaker: 'n' }] },
      // The next clip began early (a skip): the previous cue ends there.
      { at: T0 + 2500, durationMs: 4000, cues: [{ start: 1, end: 9, text: 'two', speaker: 'n' }] }
    ])
    expect(cues).toEqual([
      { start: T0 + 700, end: T0 + 2500, text: 'A <b> & c' },
      { start: T0 + 3500, end: T0 + 6500, text: 'two' }
    ])
    const first = segmentVtt({ pdt: T0, durationS: 2, pts: 900_000 }, cues)
    expect(first).toBe(
      'WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:01:00:00.000\n\n01:00:00.700 --> 01:00:02.500\nA &lt;b&gt; &amp; c\n\n'
    )
    // In the next segment the same cue keeps the same place on the video timeline (players keep one copy).
    const second = segmentVtt({ pdt: T0 + 2000, durationS: 2, pts: 900_000 + 180_000 }, cues)
    expect(second).toContain('00:59:58.700 --> 01:00:00.500\nA &lt;b&gt; &amp; c')
    expect(second).toContain('01:00:01.500 --> 01:00:04.500\ntwo')
  })
})
