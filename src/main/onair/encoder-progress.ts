import { ProgressParser } from '../media/ffmpeg-progress'

/**
 * What the on-air engine reads from its encoders' and relays' `-progress` output:
 * a view of the one ffmpeg progress parser's blocks (media/ffmpeg-progress.ts)
 * with the counters on-air stats show (dup/drop frames, bitrate), zeros where
 * ffmpeg has not counted yet and NaN where it reports N/A.
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

function num(v: string | undefined): number {
  if (v === undefined) return NaN
  const n = Number.parseFloat(v)
  return Number.isFinite(n) ? n : NaN
}

export function encoderProgress(fields: Readonly<Record<string, string>>): EncoderProgress {
  const outUs = num(fields.out_time_us ?? fields.out_time_ms)
  return {
    frame: num(fields.frame) || 0,
    fps: num(fields.fps) || 0,
    totalSize: num(fields.total_size) || 0,
    // out_time_us is negative (or N/A) before the first packet is muxed.
    outTimeUs: Number.isFinite(outUs) && outUs > 0 ? outUs : 0,
    dupFrames: num(fields.dup_frames) || 0,
    dropFrames: num(fields.drop_frames) || 0,
    speed: num(fields.speed?.replace(/x$/, '')),
    bitrateKbps: num(fields.bitrate?.replace(/kbits\/s$/, '')),
    end: fields.progress === 'end'
  }
}

/** Incremental: feed it output chunks, it calls back once per complete block. */
export class EncoderProgressParser {
  private readonly blocks = new ProgressParser()
  constructor(private readonly onBlock: (progress: EncoderProgress) => void) {}

  push(chunk: string | Buffer): void {
    for (const block of this.blocks.push(chunk.toString())) this.onBlock(encoderProgress(block.raw))
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
