import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Backoff, DEFAULT_BACKOFF } from '../../../src/main/core/backoff'
import { StateMachine } from '../../../src/main/onair/state'
import {
  playoutArgs,
  teeFileName,
  teeOptionValue,
  teeSlaveFailure,
  relayArgs,
  airClipEncodeArgs,
  synthClipArgs,
  seedPlayoutArgs
} from '../../../src/main/onair/ffmpeg-args'
import { EncoderProgressParser, type EncoderProgress, LineSplitter } from '../../../src/main/media/ffmpeg-progress'
import { parseRtmpUrl, validateIngestHost, destinationUrl } from '../../../src/main/onair/destinations'
import { nextInOrder, streamNameFor, type AirItem } from '../../../src/main/onair/timeline'
import { classifyRelayFailure } from '../../../src/main/onair/relay'
import { Redactor } from '../../../src/main/onair/redact-log'
import { DEFAULT_HOUSE_FORMAT } from '../../../src/shared/house-format'
import { StudioError } from '../../../src/shared/contract'
import { repoRoot } from '../../helpers/cli'

describe('backoff policy', () => {
  it('2 s, ×1.5, capped near 60 s, jitter ≤ 5 %', () => {
    const noJitter = new Backoff(DEFAULT_BACKOFF, () => 0)
    const delays = Array.from({ length: 12 }, () => noJitter.next().delayMs)
    expect(delays.slice(0, 5)).toEqual([2000, 3000, 4500, 6750, 10125])
    expect(Math.max(...delays)).toBe(60_000)
    const fullJitter = new Backoff(DEFAULT_BACKOFF, () => 0.999999)
    expect(fullJitter.next().delayMs).toBe(2100)
    for (let i = 0; i < 20; i++) fullJitter.next()
    expect(fullJitter.next().delayMs).toBeLessThanOrEqual(63_000)
  })
  it('counts attempts, unlimited, and resets only after a stable connection', () => {
    const b = new Backoff(DEFAULT_BACKOFF, () => 0)
    for (let i = 0; i < 100; i++) b.next()
    expect(b.attempts).toBe(100)
    b.connectionEnded(5_000)
    expect(b.next()).toEqual({ attempt: 101, delayMs: 60_000 })
    b.connectionEnded(DEFAULT_BACKOFF.stableMs)
    expect(b.next()).toEqual({ attempt: 1, delayMs: 2000 })
  })
})

describe('state machine', () => {
  it('follows offline → starting → live → reconnecting → live → stopping → offline and reports each change', () => {
    const seen: string[] = []
    const m = new StateMachine((c) => seen.push(`${c.from}>${c.to}${c.attempt ? `#${c.attempt}` : ''}`))
    m.go('starting')
    m.go('live')
    m.go('reconnecting', { attempt: 1, nextRetryAt: 5 })
    m.go('live')
    m.go('stopping')
    m.go('offline')
    expect(seen).toEqual([
      'offline>starting',
      'starting>live',
      'live>reconnecting#1',
      'reconnecting>live',
      'live>stopping',
      'stopping>offline'
    ])
  })
  it('refuses impossible transitions', () => {
    const m = new StateMachine()
    expect(() => m.go('live')).toThrow(/offline → live/)
    m.go('starting')
    m.go('error', { message: 'x' })
    expect(m.details.message).toBe('x')
    expect(m.canGo('live')).toBe(false)
    expect(m.canGo('starting')).toBe(true)
  })
})

describe('ffmpeg argument builders', () => {
  it('playout copies MPEG-TS from stdin to FLV, paced, with a short probe', () => {
    const a = playoutArgs()
    expect(a.join(' ')).toContain('-re -f mpegts -i pipe:0')
    // FLV to stdout, published in-process: no URL, so no credential on the command line.
    expect(a.join(' ')).toContain('-c copy -f flv -flvflags no_duration_filesize pipe:1')
    expect(a.join(' ')).not.toMatch(/rtmp:|sign=/)
    expect(a[a.indexOf('-progress') + 1]).toBe('pipe:2')
    expect(a[a.indexOf('-analyzeduration') + 1]).toBe('500000')
    expect(a).toContain('-progress')
    expect(a).not.toContain('-nostdin')
  })
  it('playout with HLS on tees what airs and the HLS window: air never ignorable, HLS relative to the data folder', () => {
    const a = playoutArgs({ tee: { hls: { dir: 'hls/news', listSize: 6 } } })
    expect(a.slice(a.indexOf('-c'), a.indexOf('-f', a.indexOf('-c')))).toEqual([
      '-c',
      'copy',
      '-tag:v',
      '7',
      '-tag:a',
      '10'
    ])
    expect(a.at(-2)).toBe('tee')
    const [air, hls, ...more] = a.at(-1)!.split('|')
    expect(more).toEqual([])
    expect(air).toBe('[f=flv:flvflags=no_duration_filesize]pipe:1')
    expect(hls).toMatch(/^\[f=hls:onfail=ignore:max_delay=700000:hls_time=2:hls_list_size=6:/)
    expect(hls).toContain(':hls_segment_filename=hls/news/seg-%d.ts]hls/news/index.m3u8')
    // The same HLS muxer options as the copy tap's.
    expect(hls).toContain(
      'hls_flags=delete_segments+append_list+discont_start+omit_endlist+temp_file+program_date_time+independent_segments'
    )
    // Nothing teed: exactly the plain FLV playout.
    expect(playoutArgs({ tee: {} })).toEqual(playoutArgs())
  })
  it("tee escaping: a file name once (slaves split at '|'), an option value twice (':' and ']' end it)", () => {
    const dir = "/data/a:b|c[d]e\\f'g"
    expect(teeFileName(`${dir}/index.m3u8`)).toBe("/data/a:b\\|c[d]e\\\\f\\'g/index.m3u8")
    expect(teeOptionValue(`${dir}/seg-%d.ts`)).toBe("/data/a\\\\:b\\|c[d\\\\]e\\\\\\\\f\\\\\\'g/seg-%d.ts")
    // av_get_token's unescape, as tee applies it: once for the file name, twice for an option value.
    const unescape = (s: string): string => s.replace(/\\(.)/g, '$1')
    expect(unescape(teeFileName(dir))).toBe(dir)
    expect(unescape(unescape(teeOptionValue(dir)))).toBe(dir)
  })
  it('names the tee slave that ffmpeg reports dropped', () => {
    const tee = { hls: { dir: 'hls/s' } }
    const line = '[tee @ 0x5] Slave muxer #1 failed: No such file or directory, continuing with 1/2 slaves.'
    expect(teeSlaveFailure(line, tee)).toEqual({ slave: 'hls', message: 'No such file or directory' })
    expect(teeSlaveFailure(line.replace('#1', '#0'), tee)?.slave).toBe('air')
    expect(teeSlaveFailure(line, {})).toBeNull()
    expect(teeSlaveFailure('[hls @ 0x5] Failed to open file', tee)).toBeNull()
  })
  it('relay reads FLV on stdin, copies, and bounds network stalls', () => {
    const a = relayArgs('rtmps://ingest/app/KEY')
    expect(a.join(' ')).toContain('-f flv -i pipe:0')
    expect(a[a.indexOf('-rw_timeout') + 1]).toBe('10000000')
    expect(a.at(-1)).toBe('rtmps://ingest/app/KEY')
    expect(a).not.toContain('-nostdin')
    // Reading the local HTTP-FLV itself: a long read timeout on the input, the output's as before.
    const u = relayArgs('rtmp://h/app/k', [], 'flv', 'http://127.0.0.1:8711/live/s.flv?relay=d1').join(' ')
    expect(u).toContain('-rw_timeout 30000000 -f flv -i http://127.0.0.1:8711/live/s.flv?relay=d1 -map 0')
    expect(u).toContain('-c copy -rw_timeout 10000000')
    expect(u).not.toContain('-nostdin') // "q" on stdin ends it cleanly
  })
  it('house encode: closed GOP of fps×2, capped rate, AAC 48 kHz stereo', () => {
    const a = airClipEncodeArgs({ ...DEFAULT_HOUSE_FORMAT, fps: 30 }).join(' ')
    expect(a).toContain('-g 60 -keyint_min 60 -sc_threshold 0')
    expect(a).toContain('-b:v 2000k -maxrate 2500k')
    expect(a).toContain('-c:a aac -b:a 128k -ar 48000 -ac 2 -max_delay 100000 -f mpegts')
    // Same H.264 level as conformed clips (one SPS on air): 1024x576@30 → 4.0.
    expect(a).toContain('-profile:v high -level:v 4.0')
    const s = synthClipArgs({
      format: DEFAULT_HOUSE_FORMAT,
      frames: 30,
      video: 'testsrc2',
      toneHz: 0,
      output: 'o.ts',
      text: "it's $(x)"
    }).join(' ')
    expect(s).toContain('testsrc2=size=1024x576:rate=24:duration=1.250000')
    expect(s).toContain("drawtext=text='its x'")
    // Both sources end together (30 frames = 1.25 s); -frames:v would cut the audio short.
    expect(s).toContain('atrim=duration=1.250000')
    expect(s).not.toContain('-frames:v')
  })
  it('the seed baseline re-encodes a concat list', () => {
    expect(seedPlayoutArgs('list.txt', 'rtmp://h/a/b').join(' ')).toContain(
      '-f concat -safe 0 -i list.txt -loglevel error -c:v libx264 -preset veryfast'
    )
  })
})

describe('progress parsing (captured ffmpeg -progress output)', () => {
  const captured = readFileSync(join(repoRoot, 'test', 'fixtures', 'onair', 'playout-progress.txt'), 'utf8')
  it('yields one block per progress= line, in any chunking', () => {
    const whole: EncoderProgress[] = []
    new EncoderProgressParser((b) => whole.push(b)).push(captured)
    const bytewise: EncoderProgress[] = []
    const p = new EncoderProgressParser((b) => bytewise.push(b))
    for (let i = 0; i < captured.length; i += 7) p.push(captured.slice(i, i + 7))
    expect(whole.length).toBe((captured.match(/^progress=/gm) ?? []).length)
    expect(bytewise).toEqual(whole)
    expect(whole.at(-1)!.end).toBe(true)
    expect(whole[0]!.speed).toBeNaN() // N/A before the first second
    const last = whole.at(-1)!
    expect(last.outTimeUs).toBeGreaterThan(3_500_000)
    expect(last.totalSize).toBeGreaterThan(500_000)
    expect(last.speed).toBeCloseTo(1, 1)
    for (let i = 1; i < whole.length; i++) expect(whole[i]!.outTimeUs).toBeGreaterThanOrEqual(whole[i - 1]!.outTimeUs)
  })
  it('splits stderr lines across chunks and carriage returns', () => {
    const lines: string[] = []
    const s = new LineSplitter((l) => lines.push(l))
    s.push('a\r\nb')
    s.push('c\rd\n')
    s.push('tail')
    s.flush()
    expect(lines).toEqual(['a', 'bc', 'd', 'tail'])
  })
})

describe('destinations: URLs and keys', () => {
  it('splits the key off rtmp/rtmps URLs', () => {
    expect(parseRtmpUrl('rtmp://a.rtmp.youtube.com/live2/abcd-efgh')).toEqual({
      base: 'rtmp://a.rtmp.youtube.com/live2',
      key: 'abcd-efgh'
    })
    expect(parseRtmpUrl('RTMPS://h:443/app')).toEqual({ base: 'rtmps://h:443/app', key: null })
    expect(parseRtmpUrl('rtmp://h/app/k?bandwidthtest=true')).toEqual({
      base: 'rtmp://h/app',
      key: 'k?bandwidthtest=true'
    })
  })
  it.each([
    ['http://h/app/k', /only rtmp/],
    ['h/app/k', /does not start/],
    ['rtmp://h/app/k k', /spaces/],
    ['rtmp://h:0/app/k', /port 0/],
    ['rtmp://h', /application path/],
    ['rtmp://bad_host!/app/k', /not a host/]
  ])('refuses %s with invalid_input on the field', (url, why) => {
    try {
      parseRtmpUrl(url, 'to.0')
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(StudioError)
      expect((e as StudioError).field).toBe('to.0')
      expect((e as StudioError).message).toMatch(why)
    }
  })
  it('builds Twitch URLs from the ingest host', () => {
    expect(validateIngestHost('rtmp://fra05.contribute.live-video.net/app')).toBe('fra05.contribute.live-video.net')
    expect(() => validateIngestHost('not a host')).toThrow(/ingest server/)
    expect(
      destinationUrl(
        { id: 'x', channelId: 1, kind: 'twitch', name: 'T', target: 'ingest.example', enabled: true },
        'live_k'
      )
    ).toBe('rtmp://ingest.example/app/live_k')
    expect(
      destinationUrl({ id: 'x', channelId: 1, kind: 'rtmp', name: 'R', target: 'rtmps://h/app', enabled: true }, 'k')
    ).toBe('rtmps://h/app/k')
  })
  it('classifies refusals', () => {
    expect(classifyRelayFailure('NetStream.Publish.BadName')).toBe('rejected')
    expect(classifyRelayFailure('Connection refused')).toBe('network')
  })
  it('redacts known secrets, signatures and URL keys', () => {
    const r = new Redactor()
    r.add('live_secret_123')
    const out = r.text('x live_secret_123 rtmp://h/app/otherkey y rtmp://127.0.0.1:1/live/s?sign=99-abcdef z')
    expect(out).not.toMatch(/live_secret_123|otherkey|abcdef/)
    expect(out).toContain('[redacted]')
  })
})

describe('timeline: next in order', () => {
  const item = (itemId: number, position: number): AirItem => ({
    itemId,
    position,
    label: String(itemId),
    tsPath: '/x',
    durationMs: 1000
  })
  const items = [item(1, 0), item(2, 1), item(3, 2)]
  it('loops, starts at the first, and survives removal of the cursor item', () => {
    expect(nextInOrder(items, null)!.itemId).toBe(1)
    expect(nextInOrder(items, { itemId: 2, position: 1 })!.itemId).toBe(3)
    expect(nextInOrder(items, { itemId: 3, position: 2 })!.itemId).toBe(1)
    expect(nextInOrder([item(1, 0), item(3, 1)], { itemId: 2, position: 1 })!.itemId).toBe(3)
    expect(nextInOrder([item(1, 0)], { itemId: 9, position: 5 })!.itemId).toBe(1)
    expect(nextInOrder([], null)).toBeNull()
    expect(nextInOrder(items, { itemId: 1, position: 0 }, new Set([2]))!.itemId).toBe(3)
  })
  it('makes NMS-safe stream names', () => {
    expect(streamNameFor({ id: 3, name: 'Café Nights! 24/7' })).toBe('cafe-nights-24-7')
    expect(streamNameFor({ id: 3, name: '日本' })).toBe('channel-3')
  })
})
