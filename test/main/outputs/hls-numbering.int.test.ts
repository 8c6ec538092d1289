import { execFileSync, spawn } from 'node:child_process'
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { M3U8Parser } from 'hls.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toolPath } from '../../../src/main/media/ffmpeg-path'
import { hlsArgs } from '../../../src/main/outputs/copy-tap'
import { HlsCaptions } from '../../../src/main/outputs/subtitles'
import { tempDir } from '../../helpers/tmp'

let tmp: ReturnType<typeof tempDir>
let flv: string

beforeAll(() => {
  tmp = tempDir()
  // What the HLS tap reads from the local server: FLV, H.264 with the house 2 s GOP, AAC.
  flv = join(tmp.dir, 'in.flv')
  execFileSync(toolPath('ffmpeg'), [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=160x90:rate=25',
    '-f',
    'lavfi',
    '-i',
    'sine',
    '-t',
    '8',
    '-c:v',
    'libx264',
    '-g',
    '50',
    '-keyint_min',
    '50',
    '-sc_threshold',
    '0',
    '-c:a',
    'aac',
    '-f',
    'flv',
    flv
  ])
})
afterAll(() => tmp?.cleanup())

/** The HLS tap's own ffmpeg command on the file, at its real pace (-re): the window slides as on air. */
function tap(dir: string, onTick: () => void): Promise<void> {
  const args = hlsArgs(flv, dir, { listSize: 3 })
  args.splice(args.indexOf('-i'), 0, '-re')
  const child = spawn(toolPath('ffmpeg'), args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let err = ''
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  // As the studio's 0.5 s tick, oftener: every version of the playlist is seen.
  const timer = setInterval(onTick, 100)
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('exit', (code) => {
      clearInterval(timer)
      onTick()
      if (code === 0) resolve()
      else reject(new Error(`ffmpeg exited ${code}: ${err}`))
    })
  })
}

/** What hls.js counts: each fragment's discontinuity number (cc) by its media sequence number. */
function ccOf(text: string): { startCC: number; cc: Map<number, number> } {
  const d = M3U8Parser.parseLevelPlaylist(text, 'http://127.0.0.1/hls/x/p.m3u8', 0, 'main' as never, 0, null)
  return { startCC: d.startCC, cc: new Map(d.fragments.map((f) => [f.sn as number, f.cc])) }
}

describe('the captions’ playlists number discontinuities for the life of the window', () => {
  it('after seg-0 slides out and after a tap restart, video and subtitle playlists agree on every segment’s cc, at every reload', async () => {
    const dir = join(tmp.dir, 'hls')
    mkdirSync(dir)
    const captions = new HlsCaptions(() => dir)
    type Seen = { ffmpeg: string; video: string; subs: string }
    const seen: Seen[] = []
    const read = (name: string): string => {
      try {
        return readFileSync(join(dir, name), 'utf8')
      } catch {
        return ''
      }
    }
    const tick = () => {
      captions.update()
      const s = { ffmpeg: read('index.m3u8'), video: read('video.m3u8'), subs: read('subs.m3u8') }
      if (s.video && s.video !== seen.at(-1)?.video) seen.push(s)
    }
    // On air 8 s (seg-0 slides out of a 3-segment window), then the tap restarts (append_list adds a tag).
    await tap(dir, tick)
    await tap(dir, tick)

    expect(readFileSync(join(dir, 'master.m3u8'), 'utf8')).toMatch(/SUBTITLES="subs"\nvideo\.m3u8\n/)
    const first = new Map<number, number>()
    const ffmpegFirst = new Map<number, number>()
    let ffmpegShifted = 0
    for (const s of seen) {
      const video = ccOf(s.video)
      const subs = ccOf(s.subs)
      // The same window, the same numbers, the same sequence.
      expect(video.startCC, s.video + s.subs).toBe(subs.startCC)
      expect([...subs.cc], s.subs).toEqual([...video.cc])
      expect([...video.cc.keys()], s.ffmpeg).toEqual([...ccOf(s.ffmpeg).cc.keys()])
      expect(s.video).toMatch(/#EXT-X-DISCONTINUITY-SEQUENCE:\d+\n|#EXT-X-MEDIA-SEQUENCE:0\n/)
      // …and a segment keeps its number at every reload: a player's first load may be any of these.
      for (const [sn, cc] of video.cc) {
        if (!first.has(sn)) first.set(sn, cc)
        expect(cc, `seg-${sn} in\n${s.video}`).toBe(first.get(sn))
      }
      for (const [sn, cc] of ccOf(s.ffmpeg).cc) {
        if (!ffmpegFirst.has(sn)) ffmpegFirst.set(sn, cc)
        else if (ffmpegFirst.get(sn) !== cc) ffmpegShifted++
      }
    }
    // The window did slide: seg-0 left, the restart's segments came.
    const last = ccOf(seen.at(-1)!.video)
    expect(last.cc.has(0)).toBe(false)
    expect(Math.max(...last.cc.keys())).toBeGreaterThanOrEqual(6)
    // seg-0 is 2 (the header's and its own tag), the restart's first segment one more.
    expect(first.get(0)).toBe(2)
    expect(first.get(1)).toBe(2)
    expect(Math.max(...first.values())).toBe(3)
    // What this guards against: ffmpeg's own playlist renumbers segments as the window slides.
    expect(ffmpegShifted).toBeGreaterThan(0)

    // Another writer on the same window (captions switched off and on): the numbers stand.
    const before = read('video.m3u8')
    new HlsCaptions(() => dir).update()
    expect(read('video.m3u8')).toBe(before)
    expect(ccOf(read('subs.m3u8')).cc).toEqual(last.cc)
  }, 60_000)
})
