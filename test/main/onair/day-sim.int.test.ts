import { afterAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import type { HouseFormat } from '../../../src/shared/house-format'
import { ChannelPlayout, type PublishTarget } from '../../../src/main/onair/playout'
import type { PublisherSink } from '../../../src/main/onair/rtmp-server'
import { ensureSlate, makeHouseClip } from '../../../src/main/onair/slate'
import { FilePlaylistSource } from '../../../src/main/onair/timeline'
import { tempDir } from '../../helpers/tmp'

/**
 * Extra of issue 12: a simulated day of clip boundaries through the playout's real
 * TS path (the feeder, the encoder's `-f mpegts -i pipe:0 -c copy -f flv pipe:1`),
 * unpaced so 24 h of air pass in about a minute, with the timeline edited all the
 * while. The encoder's FLV is read as it is produced (the bytes a viewer or a file
 * would get; a day of it is ~0.5 GB, so it is checked on the fly rather than kept):
 * DTS never goes back, no video or audio gap beyond two frames, and the audio/video
 * offset at the end is within one frame of the start. `WEBTV_SIM_HOURS` shortens it.
 */
const DAY_MS = Number(process.env.WEBTV_SIM_HOURS ?? 24) * 3600 * 1000
// The smallest house format with near-empty pictures and silence: a day is ~1 GB of TS.
const FORMAT: HouseFormat = {
  width: 160,
  height: 90,
  fps: 24,
  videoKbps: 300,
  videoMaxKbps: 300,
  audioKbps: 64,
  audioRate: 48000,
  gopSeconds: 2
}
const FRAME_MS = 1000 / FORMAT.fps
// Not multiples of the 48-frame GOP: a keyframe step other than 2 s marks a clip start.
const FRAMES = [250, 274, 298, 322]

/** Streams FLV tags out of a byte stream and checks each stream's timestamps. */
class FlvTimeline {
  private buf: Buffer = Buffer.alloc(0)
  readonly bigAudioSteps: Array<[number, number]> = []
  private headerLeft = 13
  readonly last = { 8: -1, 9: -1 } as Record<number, number>
  readonly first = { 8: -1, 9: -1 } as Record<number, number>
  backwards = 0
  maxVideoStep = 0
  maxAudioStep = 0
  tags = 0
  keyframes = 0
  private lastKey = -1
  private lastAudio = -1
  /**
   * At each clip start (a keyframe whose step from the one before is not the 2 s
   * GOP): how far the sound has got relative to the picture, i.e. the end of the
   * audio muxed so far minus the new clip's first keyframe. Audio running ahead or
   * falling behind over the day would make this grow.
   */
  readonly clipOffsets: number[] = []

  private onVideoKey(ts: number): void {
    const step = this.lastKey < 0 ? 0 : ts - this.lastKey
    this.lastKey = ts
    if (step !== 0 && Math.abs(step - 2000) > 2 && this.lastAudio >= 0)
      this.clipOffsets.push(Math.round(this.lastAudio + (1024 * 1000) / 48000 - ts))
  }

  private onAudio(ts: number): void {
    this.lastAudio = ts
  }

  push(d: Buffer): void {
    if (this.headerLeft > 0) {
      const n = Math.min(this.headerLeft, d.length)
      this.headerLeft -= n
      d = d.subarray(n)
    }
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d
    let p = 0
    while (this.buf.length - p >= 15) {
      const type = this.buf[p]!
      const size = this.buf.readUIntBE(p + 1, 3)
      if (this.buf.length - p < 15 + size) break
      const ts = (this.buf.readUIntBE(p + 4, 3) | (this.buf[p + 7]! << 24)) >>> 0
      if (type === 8 || type === 9) {
        // Sequence headers (AVC/AAC config) repeat at each encoder start; count media only.
        const isConfig = type === 9 ? this.buf[p + 12] === 0 : this.buf[p + 12] === 0
        if (!isConfig) {
          if (type === 9 && this.buf[p + 11]! >> 4 === 1) {
            this.keyframes += 1
            this.onVideoKey(ts)
          }
          if (type === 8) this.onAudio(ts)
          const prev = this.last[type]!
          if (this.first[type]! < 0) this.first[type] = ts
          if (prev >= 0) {
            if (ts < prev) this.backwards += 1
            const step = ts - prev
            if (type === 9) this.maxVideoStep = Math.max(this.maxVideoStep, step)
            else {
              this.maxAudioStep = Math.max(this.maxAudioStep, step)
              if (step > 50 && this.bigAudioSteps.length < 20) this.bigAudioSteps.push([prev, step])
            }
          }
          this.last[type] = ts
          this.tags += 1
        }
      }
      p += 15 + size
    }
    this.buf = this.buf.subarray(p)
  }
}

describe('on air: a simulated day of boundaries and edits through the playout TS path', () => {
  const tmp = tempDir()
  afterAll(() => tmp.cleanup())

  it(
    '24 h of air: DTS monotonic, no gap over two frames, A/V offset at the end within one frame of the start',
    async () => {
      const clips = await Promise.all(
        FRAMES.map((frames, i) =>
          makeHouseClip({ format: FORMAT, frames, video: 'color', toneHz: 0, output: join(tmp.dir, `c${i}.ts`) })
        )
      )
      await ensureSlate(tmp.dir, FORMAT)
      const source = new FilePlaylistSource(join(tmp.dir, 'playlists'))
      const items = clips.map((path, i) => ({ itemId: i + 1, path, durationMs: Math.round(FRAMES[i]! * FRAME_MS) }))
      const channel = { id: 1, name: 'day', format: FORMAT }
      source.write({ ...channel, items })

      const flv = new FlvTimeline()
      let live = false
      const target: PublishTarget = {
        hasVideo: () => live,
        openPublisher: (): PublisherSink => {
          let closed = false
          return {
            get closed() {
              return closed
            },
            write: (d) => {
              live = true
              flv.push(d)
            },
            close: () => {
              closed = true
            }
          }
        }
      }
      let boundaries = 0
      const playout = new ChannelPlayout({
        channel,
        stream: 'day',
        source,
        target,
        slatePath: () => ensureSlate(tmp.dir, FORMAT),
        log: () => {},
        onClip: (phase) => {
          if (phase === 'queued') boundaries += 1
        },
        realtime: false
      })
      // Edits all day long: reorder, drop a clip, bring it back, as a user would.
      let edits = 0
      const editor = setInterval(() => {
        edits += 1
        const order = [...items]
        const k = edits % order.length
        const rotated = [...order.slice(k), ...order.slice(0, k)]
        source.write({ ...channel, items: edits % 5 === 0 ? rotated.slice(1) : rotated })
      }, 100)
      const t0 = Date.now()
      try {
        await playout.start()
        while (flv.last[9]! < DAY_MS && Date.now() - t0 < 8 * 60_000) {
          expect(playout.state.state).not.toBe('error')
          await new Promise((r) => setTimeout(r, 200))
        }
      } finally {
        clearInterval(editor)
        await playout.stop()
      }
      const wallS = (Date.now() - t0) / 1000
      // A/V offset at each clip start (see FlvTimeline.clipOffsets), first against last. The
      // last start seen is cut by the stop (its audio is not all muxed yet), so it is left out.
      const settled = flv.clipOffsets.slice(0, -1)
      const startOffset = settled[0]!
      const endOffset = settled[settled.length - 1]!
      const worstOffset = settled.reduce(
        (w, o) => (Math.abs(o - startOffset) > Math.abs(w - startOffset) ? o : w),
        startOffset
      )
      console.log(
        `[day-sim] ${(flv.last[9]! / 3600_000).toFixed(2)} h of air in ${wallS.toFixed(0)} s: ${boundaries} boundaries, ${edits} edits, ` +
          `${flv.tags} packets; max step video ${flv.maxVideoStep} ms, audio ${flv.maxAudioStep} ms; A/V offset at clip starts: first ${startOffset} ms, last ${endOffset} ms, furthest ${worstOffset} ms over ${flv.clipOffsets.length} clips; last offsets ${JSON.stringify(flv.clipOffsets.slice(-4))}; restarts ${playout.stats().restarts}; audio steps > 50 ms: ${JSON.stringify(flv.bigAudioSteps)}`
      )
      expect(flv.last[9]).toBeGreaterThanOrEqual(DAY_MS)
      expect(boundaries).toBeGreaterThan(DAY_MS / (Math.max(...FRAMES) * FRAME_MS))
      expect(edits).toBeGreaterThan(10)
      expect(playout.stats().restarts).toBe(0)
      expect(flv.backwards).toBe(0)
      expect(flv.maxVideoStep).toBeLessThanOrEqual(2 * FRAME_MS + 1)
      // No hole in the sound at boundaries: at most two AAC frames (1024 samples at 48 kHz each).
      expect(flv.maxAudioStep).toBeLessThanOrEqual(Math.ceil((2 * 1024 * 1000) / 48000))
      expect(flv.clipOffsets.length).toBeGreaterThan(boundaries / 2)
      expect(Math.abs(endOffset - startOffset)).toBeLessThanOrEqual(FRAME_MS + 1)
      expect(Math.abs(worstOffset - startOffset)).toBeLessThanOrEqual(FRAME_MS + 1)
    },
    10 * 60_000
  )
})
