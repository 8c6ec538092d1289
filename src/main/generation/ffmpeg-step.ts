import { probe, videoDurationSec } from '../media/probe'
import { AbortedError, ffmpegPreamble, runFfmpeg } from '../media/ffmpeg-runner'
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
export async function runFfmpegStep(args: string[], opts: FfmpegRunOptions = {}): Promise<void> {
  const durationSeconds = opts.durationSeconds
  const onPercent = opts.onPercent
  try {
    await runFfmpeg([...ffmpegPreamble({ batch: true, progress: 'stdout' }), ...args], {
      signal: opts.signal,
      lowPriority: true,
      ...(durationSeconds && onPercent
        ? { durationUs: durationSeconds * 1e6, onProgress: (p: number) => onPercent(Math.round(p)) }
        : {})
    })
  } catch (err) {
    if (err instanceof AbortedError || opts.signal?.aborted) throw new GenerationError('canceled', 'Canceled.')
    throw new GenerationError('permanent', err instanceof Error ? err.message : String(err))
  }
}

/** The duration of a media file in seconds, read with the studio's one ffprobe runner (media/probe). */
export async function probeDuration(path: string, signal?: AbortSignal): Promise<number> {
  let seconds: number | null
  try {
    const info = await probe(path, signal)
    seconds = info.formatDurationSec ?? (info.video ? videoDurationSec(info) : (info.audio?.durationSec ?? null))
  } catch (err) {
    throw new GenerationError(
      'permanent',
      `Could not read the duration of ${path}: ${err instanceof Error ? err.message : String(err)}`
    )
  }
  if (seconds === null || !Number.isFinite(seconds) || seconds <= 0) {
    throw new GenerationError('permanent', `Could not read the duration of ${path}: no duration`)
  }
  return seconds
}
