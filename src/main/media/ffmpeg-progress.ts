/**
 * The studio's one decoder of ffmpeg's `-progress` output: blocks of key=value lines,
 * each ending with `progress=continue` or `progress=end`. Pure: feed it text in
 * whatever chunks the pipe delivers and it hands back complete blocks. Batch runs
 * read a percentage from it; the on-air encoders and relays read the counters
 * on-air stats show (`EncoderProgress`: dup/drop frames, bitrate, speed).
 */

export interface ProgressBlock {
  /** Output position in microseconds (ffmpeg's out_time_us; out_time_ms is also µs despite its name). */
  outTimeUs: number | null
  frame: number | null
  fps: number | null
  /** e.g. 1.93 for "1.93x"; null when ffmpeg prints N/A. */
  speed: number | null
  totalSize: number | null
  /** Frames ffmpeg duplicated / dropped to hold the output rate (encoders; 0 with -c copy). */
  dupFrames: number | null
  dropFrames: number | null
  /** Average bitrate, kbit/s ("1234.5kbits/s"); null when N/A. */
  bitrateKbps: number | null
  done: boolean
  raw: Record<string, string>
}

function num(v: string | undefined): number | null {
  if (v === undefined) return null
  const n = Number(v.trim().replace(/(x|kbits\/s)$/, ''))
  return Number.isFinite(n) ? n : null
}

function toBlock(raw: Record<string, string>): ProgressBlock {
  // Older ffmpeg prints only out_time_ms (in µs) or the hh:mm:ss out_time.
  let outTimeUs = num(raw.out_time_us) ?? num(raw.out_time_ms)
  if (outTimeUs === null && raw.out_time) {
    const m = /^(-?)(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(raw.out_time.trim())
    if (m) outTimeUs = (Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4])) * 1e6 * (m[1] ? -1 : 1)
  }
  if (outTimeUs !== null && outTimeUs < 0) outTimeUs = 0 // ffmpeg prints negative times before the first packet
  return {
    outTimeUs,
    frame: num(raw.frame),
    fps: num(raw.fps),
    speed: num(raw.speed),
    totalSize: num(raw.total_size),
    dupFrames: num(raw.dup_frames),
    dropFrames: num(raw.drop_frames),
    bitrateKbps: num(raw.bitrate),
    done: raw.progress === 'end',
    raw
  }
}

export class ProgressParser {
  private pending = ''
  private current: Record<string, string> = {}

  /** Feed a chunk of ffmpeg's progress output; returns the blocks it completed. */
  push(chunk: string): ProgressBlock[] {
    const blocks: ProgressBlock[] = []
    const text = this.pending + chunk
    const lines = text.split(/\r?\n/)
    this.pending = lines.pop() ?? ''
    for (const line of lines) {
      const eq = line.indexOf('=')
      if (eq <= 0) continue
      const key = line.slice(0, eq).trim()
      const value = line.slice(eq + 1).trim()
      this.current[key] = value
      if (key === 'progress') {
        blocks.push(toBlock(this.current))
        this.current = {}
      }
    }
    return blocks
  }
}

/** Parse a whole captured progress text at once. */
export function parseProgress(text: string): ProgressBlock[] {
  const p = new ProgressParser()
  return p.push(text.endsWith('\n') ? text : text + '\n')
}

/** 0–100, clamped; `durationUs` is the expected output length. */
export function progressPercent(block: ProgressBlock, durationUs: number): number {
  if (block.done) return 100
  if (block.outTimeUs === null || durationUs <= 0) return 0
  return Math.max(0, Math.min(99.9, (block.outTimeUs / durationUs) * 100))
}

/**
 * What the on-air engine reads from its encoders' and relays' progress blocks: the
 * counters on-air stats show, zeros where ffmpeg has not counted yet and NaN where
 * it reports N/A (speed, bitrate).
 */
export interface EncoderProgress {
  /** Packets (with -c copy) or frames written for the first video stream. */
  frame: number
  fps: number
  /** Bytes written to the output so far. */
  totalSize: number
  /** Output time reached, in microseconds. */
  outTimeUs: number
  dupFrames: number
  dropFrames: number
  /** Realtime multiple (1 = real time); NaN while ffmpeg reports N/A. */
  speed: number
  /** Average bitrate ffmpeg reports, kbit/s; NaN when N/A. */
  bitrateKbps: number
  end: boolean
}

export function encoderProgress(block: ProgressBlock): EncoderProgress {
  return {
    frame: block.frame ?? 0,
    fps: block.fps ?? 0,
    totalSize: block.totalSize ?? 0,
    outTimeUs: block.outTimeUs ?? 0,
    dupFrames: block.dupFrames ?? 0,
    dropFrames: block.dropFrames ?? 0,
    speed: block.speed ?? NaN,
    bitrateKbps: block.bitrateKbps ?? NaN,
    end: block.done
  }
}

/** Incremental: feed it output chunks, it calls back once per complete block. */
export class EncoderProgressParser {
  private readonly blocks = new ProgressParser()
  constructor(private readonly onBlock: (progress: EncoderProgress) => void) {}

  push(chunk: string | Buffer): void {
    for (const block of this.blocks.push(chunk.toString())) this.onBlock(encoderProgress(block))
  }
}

/** Splits a stream into lines (ffmpeg's stderr), keeping a partial last line until it completes. */
export class LineSplitter {
  private buffer = ''
  constructor(private readonly onLine: (line: string) => void) {}
  push(chunk: string | Buffer): void {
    this.buffer += chunk.toString()
    const parts = this.buffer.split(/\r?\n|\r/)
    this.buffer = parts.pop() ?? ''
    for (const p of parts) if (p.trim()) this.onLine(p)
  }
  flush(): void {
    if (this.buffer.trim()) this.onLine(this.buffer)
    this.buffer = ''
  }
}
