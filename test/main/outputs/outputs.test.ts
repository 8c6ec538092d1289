import { mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import parsePrometheus from 'parse-prometheus-text-format'
import { asrunCsv, csvCell } from '../../../src/main/outputs/asrun'
import { projectGuide, toXmltv, xmltvTime } from '../../../src/main/outputs/guide'
import { pruneRecordings } from '../../../src/main/outputs/outputs'
import {
  FACEBOOK_INGEST,
  YOUTUBE_BACKUP,
  YOUTUBE_PRIMARY,
  checkFormat,
  parseSrtUrl,
  presetTarget
} from '../../../src/main/onair/presets'
import { destinationUrl } from '../../../src/main/onair/destinations'
import { hlsArgs, recordArgs } from '../../../src/main/outputs/copy-tap'
import { relayArgs } from '../../../src/main/onair/ffmpeg-args'
import type { StudioSnapshot, ChannelSnapshot } from '../../../src/main/outputs/snapshot'
import { renderPrometheus } from '../../../src/main/outputs/metrics'
import { healthOf } from '../../../src/main/outputs/health'
import { DEFAULT_HOUSE_FORMAT } from '../../../src/shared/house-format'
import type { StudioError } from '../../../src/shared/contract'
import type { AsrunEntry } from '../../../src/shared/contract/outputs'
import type { AirItem } from '../../../src/main/onair/timeline'
import { tempDir } from '../../helpers/tmp'

function channel(over: Partial<ChannelSnapshot> = {}): ChannelSnapshot {
  return {
    id: 1,
    name: 'News "24/7"\nline',
    stream: 'news',
    state: 'live',
    since: Date.now() - 1000,
    uptimeS: 60,
    kbps: 2100,
    speed: 1,
    droppedFrames: 0,
    restarts: 0,
    viewers: 3,
    runwayS: 120,
    now: 'a clip',
    ffmpegCpuSeconds: 1.5,
    destinations: [
      { id: 'd1', name: 'Twitch', kind: 'twitch', state: 'live', kbps: 2000, bytes: 123456, reconnects: 0, uptimeS: 50 }
    ],
    hls: { state: 'live', files: 6, bytes: 3_000_000 },
    recording: { state: 'live', files: 2, bytes: 9_000_000 },
    ...over
  }
}

function snap(channels: ChannelSnapshot[]): StudioSnapshot {
  return {
    at: Date.now(),
    version: '1.2.3',
    pid: 1,
    startedAt: Date.now() - 5000,
    process: { cpuSeconds: 1.25, rssBytes: 50e6, heapUsedBytes: 20e6 },
    server: { running: true, rtmpPort: 1935, httpPort: 8711 },
    channels,
    jobs: { queued: 2, failed: 1 },
    conformBacklog: 4
  }
}

describe('metrics (Prometheus text)', () => {
  it('parses with a Prometheus parser, one block per family, label values escaped', () => {
    const text = renderPrometheus(
      snap([
        channel(),
        channel({ id: 2, name: 'Off', stream: null, state: 'offline', destinations: [], hls: null, recording: null })
      ])
    )
    const families = parsePrometheus(text)
    const names = families.map((f) => f.name)
    expect(new Set(names).size).toBe(names.length)
    const live = families.find((f) => f.name === 'webtv_channel_live')!
    expect(live.metrics.map((m) => [m.labels!.channel, m.value])).toEqual([
      ['News "24/7"\nline', '1'],
      ['Off', '0']
    ])
    const state = families.find((f) => f.name === 'webtv_channel_state')!
    expect(state.metrics.filter((m) => m.value === '1').map((m) => m.labels!.state)).toEqual(['live', 'offline'])
    expect(families.find((f) => f.name === 'webtv_destination_bytes_total')!.type).toBe('COUNTER')
    expect(families.find((f) => f.name === 'webtv_output_up')!.metrics.map((m) => m.labels!.output)).toEqual([
      'hls',
      'recording'
    ])
    expect(
      families.find((f) => f.name === 'webtv_jobs')!.metrics.find((m) => m.labels!.state === 'queued')!.value
    ).toBe('2')
    expect(families.find((f) => f.name === 'webtv_conform_backlog')!.metrics[0]!.value).toBe('4')
  })
})

describe('health', () => {
  it('is ok when everything airs, degraded for a destination, failing (503) for a channel in error or stuck restarting', () => {
    expect(healthOf(snap([channel()])).status).toBe('ok')
    const d = healthOf(snap([channel({ destinations: [{ ...channel().destinations[0]!, state: 'reconnecting' }] })]))
    expect([d.status, d.httpStatus]).toEqual(['degraded', 200])
    expect(d.problems[0]).toMatch(/Twitch[\s\S]*reconnecting/)
    const e = healthOf(snap([channel({ state: 'error' })]))
    expect([e.status, e.httpStatus]).toEqual(['failing', 503])
    expect(healthOf(snap([channel({ state: 'reconnecting', since: Date.now() - 5000 })])).status).toBe('degraded')
    expect(healthOf(snap([channel({ state: 'reconnecting', since: Date.now() - 60_000 })])).status).toBe('failing')
  })
})

describe('destination presets', () => {
  it('builds the ingest URLs each platform expects', () => {
    const yt = presetTarget('youtube', {})
    expect(
      destinationUrl(
        { id: 'a', channelId: 1, kind: 'youtube', name: yt.name, target: yt.target, enabled: true },
        'abcd-1234'
      )
    ).toBe('rtmps://a.rtmps.youtube.com:443/live2/abcd-1234')
    expect(yt.target).toBe(YOUTUBE_PRIMARY)
    const backup = presetTarget('youtube', { backup: true })
    expect(backup.target).toBe(YOUTUBE_BACKUP)
    expect(
      destinationUrl(
        { id: 'b', channelId: 1, kind: 'youtube', name: backup.name, target: backup.target, enabled: true },
        'abcd-1234'
      )
    ).toBe('rtmps://b.rtmps.youtube.com:443/live2?backup=1/abcd-1234')
    const fb = presetTarget('facebook', {})
    expect(fb.target).toBe(FACEBOOK_INGEST)
    expect(
      destinationUrl({ id: 'c', channelId: 1, kind: 'facebook', name: 'f', target: fb.target, enabled: true }, 'FB-1-2')
    ).toBe('rtmps://live-api-s.facebook.com:443/rtmp/FB-1-2')
    const kick = presetTarget('kick', { url: 'rtmps://fa723fc1b171.global-contribute.live-video.net/app' })
    expect(kick.target).toBe('rtmps://fa723fc1b171.global-contribute.live-video.net/app')
    const srt = parseSrtUrl('srt://ingest.example.com:9000?streamid=#!::r=live/k1,m=publish&latency=200000')
    expect(srt).toEqual({ base: 'srt://ingest.example.com:9000?latency=200000', key: '#!::r=live/k1,m=publish' })
    expect(
      destinationUrl({ id: 'd', channelId: 1, kind: 'srt', name: 's', target: srt.base, enabled: true }, srt.key!)
    ).toBe('srt://ingest.example.com:9000?latency=200000&streamid=%23!%3A%3Ar%3Dlive%2Fk1%2Cm%3Dpublish')
    // SRT carries MPEG-TS, RTMP FLV.
    expect(relayArgs('srt://h:1', [], 'mpegts').join(' ')).toMatch(/-f mpegts srt:\/\/h:1$/)
    expect(relayArgs('rtmp://h/app/k').join(' ')).toMatch(/-f flv -flvflags no_duration_filesize rtmp:\/\/h\/app\/k$/)
  })

  it('refuses what cannot work with a message naming the fix', () => {
    const err = (f: () => unknown) => {
      try {
        f()
      } catch (e) {
        return e as StudioError
      }
      throw new Error('no error')
    }
    expect(err(() => presetTarget('kick', {})).message).toMatch(/Kick has no fixed ingest.*dashboard/)
    expect(err(() => parseSrtUrl('srt://host')).message).toMatch(/not host:port/)
    expect(err(() => parseSrtUrl('srt://h:1/path')).message).toMatch(/has a path/)
    expect(err(() => parseSrtUrl('srt://h:1?passphrase=x')).message).toMatch(/passphrase/)
    expect(err(() => parseSrtUrl('srt://h:1?mode=listener')).message).toMatch(/caller/)
    expect(err(() => parseSrtUrl('rtmp://h:1')).message).toMatch(/srt:\/\//)
    expect(err(() => presetTarget('facebook', { url: 'http://x/y' })).field).toBe('url')
  })

  it('checks the house format against each platform before Go Live', () => {
    expect(checkFormat('twitch', DEFAULT_HOUSE_FORMAT)).toEqual([])
    expect(checkFormat('youtube', DEFAULT_HOUSE_FORMAT)).toEqual([])
    expect(checkFormat('facebook', DEFAULT_HOUSE_FORMAT)).toEqual([])
    const big = { ...DEFAULT_HOUSE_FORMAT, width: 2560, height: 1440, fps: 30, videoKbps: 8000, videoMaxKbps: 9500 }
    const tw = checkFormat('twitch', big)
    expect(tw.join('\n')).toMatch(/6000 kbit\/s.*9500.*lower the channel's maximum video bitrate/)
    expect(tw.join('\n')).toMatch(/1920x1080.*2560x1440/)
    expect(checkFormat('youtube', big)).toEqual([])
    // Facebook's limit depends on size and rate: 720p30 takes 4000 kbit/s.
    const fb720 = checkFormat('facebook', {
      ...DEFAULT_HOUSE_FORMAT,
      width: 1280,
      height: 720,
      fps: 30,
      videoKbps: 4000,
      videoMaxKbps: 5000
    })
    expect(fb720).toHaveLength(1)
    expect(fb720[0]).toMatch(/at most 4000 kbit\/s of video at 1280x720@30/)
    expect(checkFormat('rtmp', big)).toEqual([])
  })
})

describe('HLS and recording arguments', () => {
  it('copy 2 s segments in a rolling window, and clock-aligned recording files', () => {
    const a = hlsArgs('http://127.0.0.1:1/live/s.flv?relay=hls', '/d/hls/s', { listSize: 6 }).join(' ')
    expect(a).toMatch(/-c copy -copyts -f hls -hls_time 2 -hls_list_size 6/)
    expect(a).toMatch(/delete_segments\+append_list\+discont_start\+omit_endlist\+temp_file/)
    expect(a).not.toMatch(/libx264|-c:v/)
    const r = recordArgs('http://x/live/s.flv', '/d/rec', 600).join(' ')
    expect(r).toMatch(/-c copy -f segment -segment_time 600 -segment_atclocktime 1 -segment_format mpegts/)
  })

  it('prunes the oldest recordings first to the size and age limits, never the file being written', () => {
    const t = tempDir()
    try {
      const dir = join(t.dir, 'rec')
      mkdirSync(dir)
      const names = ['20260101T000000Z.ts', '20260101T001000Z.ts', '20260101T002000Z.ts', '20260101T003000Z.ts']
      for (const n of names) writeFileSync(join(dir, n), Buffer.alloc(1000))
      writeFileSync(join(dir, 'notes.txt'), 'kept')
      expect(pruneRecordings(dir, 2500, 0)).toEqual(names.slice(0, 2))
      expect(readdirSync(dir).sort()).toEqual([...names.slice(2), 'notes.txt'].sort())
      const old = new Date(Date.now() - 3 * 3600_000)
      utimesSync(join(dir, names[2]!), old, old)
      utimesSync(join(dir, names[3]!), old, old)
      // Both too old, but the newest is the one being written.
      expect(pruneRecordings(dir, 1e9, 3600_000)).toEqual([names[2]])
    } finally {
      t.cleanup()
    }
  })
})

describe('as-run CSV', () => {
  const entry = (over: Partial<AsrunEntry>): AsrunEntry => ({
    id: 1,
    channelId: 1,
    channelName: 'Main',
    itemId: 5,
    shotId: 7,
    takeId: 9,
    label: 'plain',
    slate: false,
    startedAt: Date.UTC(2026, 11, 1, 18, 0, 0),
    endedAt: Date.UTC(2026, 11, 1, 18, 0, 2, 500),
    destinations: ['Twitch', 'YouTube'],
    ...over
  })
  it('escapes quotes, commas and line breaks and neutralises spreadsheet formulas', () => {
    expect(csvCell('a,b')).toBe('"a,b"')
    expect(csvCell('say "hi"')).toBe('"say ""hi"""')
    expect(csvCell('two\nlines')).toBe('"two\nlines"')
    for (const evil of ['=HYPERLINK("http://x")', '+1', '-2+3', '@SUM(A1)', '\tx', '\rx'])
      expect(csvCell(evil).replace(/^"/, '')[0]).toBe("'")
    expect(csvCell(-5)).toBe('-5')
    const csv = asrunCsv([
      entry({ id: 2, label: '=cmd|"/c calc"!A1', startedAt: Date.UTC(2026, 11, 1, 18, 0, 2, 500), endedAt: null }),
      entry({})
    ])
    const lines = csv.split('\r\n')
    expect(lines[1]).toBe('Main,2026-12-01T18:00:00.000Z,2026-12-01T18:00:02.500Z,2.500,plain,no,7,9,5,Twitch; YouTube')
    expect(lines[2]).toBe(`Main,2026-12-01T18:00:02.500Z,,,"'=cmd|""/c calc""!A1",no,7,9,5,Twitch; YouTube`)
  })
})

describe('program guide', () => {
  const items: AirItem[] = [1, 2, 3].map((n, i) => ({
    itemId: n,
    position: i,
    label: `clip ${n}`,
    tsPath: `/x/${n}.ts`,
    durationMs: n * 1000
  }))
  const base = {
    channelId: 1,
    name: 'Main & <Co>',
    stream: 'main',
    shotOf: (id: number) => id * 10,
    nextItemId: null,
    slateMs: 2000
  }
  it('starts with the clip on air and loops the timeline from it until the horizon', () => {
    const g = projectGuide({
      ...base,
      items,
      onAir: true,
      now: { itemId: 2, label: 'clip 2', durationMs: 2000, slate: false, startedAt: 1_000_000 },
      at: 1_000_500,
      hours: 11.5 / 3600
    })
    expect(g.entries.map((e) => [e.itemId, e.start - 1_000_000])).toEqual([
      [2, 0],
      [3, 2000],
      [1, 5000],
      [2, 6000],
      [3, 8000],
      [1, 11000]
    ])
    expect(g.entries[0]!.now).toBe(true)
    expect(g.entries[1]!.shotId).toBe(30)
    // A reorder shows at once: 1 moved after 2.
    const moved = [items[1]!, items[0]!, items[2]!].map((it, i) => ({ ...it, position: i }))
    const g2 = projectGuide({
      ...base,
      items: moved,
      onAir: true,
      now: { itemId: 2, label: 'clip 2', durationMs: 2000, slate: false, startedAt: 1_000_000 },
      at: 1_000_500,
      hours: 6 / 3600
    })
    expect(g2.entries.map((e) => e.itemId)).toEqual([2, 1, 3, 2])
    const empty = projectGuide({ ...base, items: [], onAir: true, now: null, at: 0, hours: 1 })
    expect(empty.entries).toEqual([
      { start: 0, stop: 3600_000, itemId: null, shotId: null, title: 'Standby', slate: true, now: false }
    ])
  })

  it('writes XMLTV with UTC times and escaped text', () => {
    const g = projectGuide({
      ...base,
      items: [{ ...items[0]!, label: 'rock & "roll" <live>\u0001' }],
      onAir: false,
      now: null,
      at: Date.UTC(2026, 11, 1, 18, 0, 0),
      hours: 2 / 3600
    })
    const x = toXmltv([g])
    expect(xmltvTime(Date.UTC(2026, 11, 1, 18, 5, 9))).toBe('20261201180509 +0000')
    expect(x).toContain('<display-name>Main &amp; &lt;Co&gt;</display-name>')
    expect(x).toContain('<title>rock &amp; &quot;roll&quot; &lt;live&gt;</title>')
    expect(x).toContain('<programme start="20261201180000 +0000" stop="20261201180001 +0000" channel="main.webtv">')
  })

  it('lists a show sequence once (title, synopsis), a loose clip on its own, and a short loop’s guide in a quarter of the bytes per hour', () => {
    // The short loop: two sequences of six 4-second shots, then one loose clip.
    const loop: AirItem[] = Array.from({ length: 13 }, (_, i) => ({
      itemId: i + 1,
      position: i,
      label: `shot ${i + 1}`,
      tsPath: `/x/${i + 1}.ts`,
      durationMs: 4000
    }))
    const seqs = [
      { id: 7, title: 'Dawn & the quay', synopsis: 'Boats come in <early>.' },
      { id: 8, title: 'Market day', synopsis: '' }
    ]
    const sequenceOf = (id: number) => (id <= 6 ? seqs[0]! : id <= 12 ? seqs[1]! : null)
    const day = { ...base, items: loop, onAir: false, now: null, at: Date.UTC(2026, 11, 1), hours: 24 }
    const before = projectGuide(day)
    const after = projectGuide({ ...day, sequenceOf })
    expect(after.entries.slice(0, 4).map((e) => [e.title, e.stop - e.start, e.itemId, e.sequenceId ?? null])).toEqual([
      ['Dawn & the quay', 24_000, 1, 7],
      ['Market day', 24_000, 7, 8],
      ['shot 13', 4000, 13, null],
      ['Dawn & the quay', 24_000, 1, 7]
    ])
    // Programmes edge to edge, a sequence once per pass of the loop.
    for (let i = 1; i < after.entries.length; i++) expect(after.entries[i]!.start).toBe(after.entries[i - 1]!.stop)
    const xBefore = toXmltv([before])
    const xAfter = toXmltv([after])
    expect(xAfter).toContain('<title>Dawn &amp; the quay</title>\n    <desc>Boats come in &lt;early&gt;.</desc>')
    expect(xAfter).toContain('<episode-num system="webtv-sequence">7</episode-num>')
    expect(xAfter).not.toContain('<desc></desc>')
    // Both stop at the entry cap before the day ends (2000 clips are 2.2 h); by sequence, each entry covers 4x the time.
    const hours = (g: typeof before) => (g.entries.at(-1)!.stop - day.at) / 3600_000
    expect(before.entries.length).toBe(2000)
    expect(after.entries.length).toBe(2000)
    const kbPerHour = (x: string, g: typeof before) => x.length / 1024 / hours(g)
    expect(kbPerHour(xAfter, after)).toBeLessThan(kbPerHour(xBefore, before) / 3)
    console.log(
      `guide, 52 s loop of 4 s shots (2 sequences of 6 + 1 loose clip), 24 h asked: per clip ${(xBefore.length / 1024).toFixed(0)} KB for ${hours(before).toFixed(1)} h (${kbPerHour(xBefore, before).toFixed(0)} KB/h); by sequence ${(xAfter.length / 1024).toFixed(0)} KB for ${hours(after).toFixed(1)} h (${kbPerHour(xAfter, after).toFixed(0)} KB/h)`
    )
    // A loop of one sequence is one programme per pass, not one endless programme.
    const one = projectGuide({ ...day, items: loop.slice(0, 6), hours: 0.02, sequenceOf: () => seqs[0]! })
    expect(one.entries.map((e) => e.stop - e.start)).toEqual([24_000, 24_000, 24_000])
  })
})
