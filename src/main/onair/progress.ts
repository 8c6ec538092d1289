/**
 * Parser for ffmpeg's `-progress` output: blocks of key=value lines, each ending
 * with `progress=continue` or `progress=end`.
 */
export interface ProgressBlock {
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

export function parseProgressBlock(fields: Map<string, string>): ProgressBlock {
  const outUs = num(fields.get('out_time_us') ?? fields.get('out_time_ms'))
  return {
    frame: num(fields.get('frame')) || 0,
    fps: num(fields.get('fps')) || 0,
    totalSize: num(fields.get('total_size')) || 0,
    // out_time_us is negative (or N/A) before the first packet is muxed.
    outTimeUs: Number.isFinite(outUs) && outUs > 0 ? outUs : 0,
    dupFrames: num(fields.get('dup_frames')) || 0,
    dropFrames: num(fields.get('drop_frames')) || 0,
    speed: num(fields.get('speed')?.replace(/x$/, '')),
    bitrateKbps: num(fields.get('bitrate')?.replace(/kbits\/s$/, '')),
    end: fields.get('progress') === 'end'
  }
}

/** Incremental parser: feed it stdout chunks, it calls back once per complete block. */
export class ProgressParser {
  private buffer = ''
  private fields = new Map<string, string>()
  constructor(private readonly onBlock: (block: ProgressBlock) => void) {}

  push(chunk: string | Buffer): void {
    this.buffer += chunk.toString()
    let nl: number
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).trim()
      this.buffer = this.buffer.slice(nl + 1)
      const eq = line.indexOf('=')
      if (eq <= 0) continue
      const key = line.slice(0, eq)
      this.fields.set(key, line.slice(eq + 1).trim())
      if (key === 'progress') {
        this.onBlock(parseProgressBlock(this.fields))
        this.fields = new Map()
      }
    }
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
