import { spawnChild } from '../process/spawn-child'
import { toolPath } from '../media/ffmpeg-path'
import { AbortedError, runFfmpeg as runMediaFfmpeg } from '../media/run-ffmpeg'
import { GenerationError } from './errors'

export interface FfmpegRunOptions {
  signal?: AbortSignal | undefined
  /** Expected output duration, to turn ffmpeg's out_time into a percentage. */
  durationSeconds?: number | undefined
  onPercent?: ((percent: number) => void) | undefined
}

/**
 * Run ffmpeg to completion with machine-readable progress (-progress pipe:1), at a
 * lower CPU priority (generation is background work). Aborting kills the process
 * and rejects with a 'canceled' GenerationError; a non-zero exit rejects with the
 * last lines ffmpeg printed.
 */
export async function runFfmpeg(args: string[], opts: FfmpegRunOptions = {}): Promise<void> {
  const durationSeconds = opts.durationSeconds
  const onPercent = opts.onPercent
  try {
    await runMediaFfmpeg(['-hide_banner', '-nostdin', '-y', '-progress', 'pipe:1', '-nostats', ...args], {
      signal: opts.signal,
      lowPriority: true,
      ...(durationSeconds && onPercent ? { durationUs: durationSeconds * 1e6, onProgress: (p: number) => onPercent(Math.round(p)) } : {})
    })
  } catch (err) {
    if (err instanceof AbortedError || opts.signal?.aborted) throw new GenerationError('canceled', 'Canceled.')
    throw new GenerationError('permanent', err instanceof Error ? err.message : String(err))
  }
}

/** Run ffprobe and return the duration of a media file in seconds. */
export function probeDuration(path: string, signal?: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawnChild(
      toolPath('ffprobe'),
      ['-v', 'error', '-show_entries', 'format=duration', '-of', 'default=noprint_wrappers=1:nokey=1', path],
      { stdio: ['ignore', 'pipe', 'pipe'], signal }
    )
    let out = ''
    let err = ''
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => {
      const n = Number(out.trim())
      if (code === 0 && Number.isFinite(n) && n > 0) resolve(n)
      else reject(new GenerationError('permanent', `Could not read the duration of ${path}: ${err.trim() || out.trim() || 'no duration'}`))
    })
  })
}
