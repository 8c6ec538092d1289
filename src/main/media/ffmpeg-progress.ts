/**
 * Parser for ffmpeg's `-progress pipe:1` output: blocks of key=value lines, each
 * block ending with `progress=continue` or `progress=end`. Pure: feed it text in
 * whatever chunks the pipe delivers and it hands back complete blocks.
 */

export interface ProgressBlock {
  /** Output position in microseconds (ffmpeg's out_time_us; out_time_ms is also µs despite its name). */
  outTimeUs: number | null
  frame: number | null
  fps: number | null
  /** e.g. 1.93 for "1.93x"; null when ffmpeg prints N/A. */
  speed: number | null
  totalSize: number | null
  done: boolean
  raw: Record<string, string>
}

function num(v: string | undefined): number | null {
  if (v === undefined) return null
  const n = Number(v.trim().replace(/x$/, ''))
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
