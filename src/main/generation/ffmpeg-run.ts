import { spawn } from 'node:child_process'
import { toolPath } from '../media/ffmpeg-path'
import { GenerationError } from './errors'

export interface FfmpegRunOptions {
  signal?: AbortSignal | undefined
  /** Expected output duration, to turn ffmpeg's out_time into a percentage. */
  durationSeconds?: number | undefined
  onPercent?: ((percent: number) => void) | undefined
}

/**
 * Run ffmpeg to completion with machine-readable progress (-progress pipe:1).
 * Aborting kills the process and rejects with a 'canceled' GenerationError; a
 * non-zero exit rejects with the last lines ffmpeg printed.
 */
export function runFfmpeg(args: string[], opts: FfmpegRunOptions = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(new GenerationError('canceled', 'Canceled.'))
      return
    }
    const child = spawn(toolPath('ffmpeg'), ['-hide_banner', '-nostdin', '-y', '-progress', 'pipe:1', '-nostats', ...args], {
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stderrTail = ''
    let stdoutBuf = ''
    child.stderr.on('data', (d: Buffer) => {
      stderrTail = (stderrTail + d.toString()).slice(-4000)
    })
    child.stdout.on('data', (d: Buffer) => {
      stdoutBuf += d.toString()
      let nl: number
      while ((nl = stdoutBuf.indexOf('\n')) >= 0) {
        const line = stdoutBuf.slice(0, nl).trim()
        stdoutBuf = stdoutBuf.slice(nl + 1)
        const m = /^out_time_us=(\d+)/.exec(line)
        if (m && opts.durationSeconds && opts.onPercent) {
          const pct = Math.min(100, (Number(m[1]) / 1e6 / opts.durationSeconds) * 100)
          opts.onPercent(Math.round(pct))
        }
      }
    })
    const onAbort = (): void => {
      child.kill('SIGKILL')
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true })
    child.on('error', (err) => {
      opts.signal?.removeEventListener('abort', onAbort)
      reject(err)
    })
    child.on('close', (code, sig) => {
      opts.signal?.removeEventListener('abort', onAbort)
      if (opts.signal?.aborted) reject(new GenerationError('canceled', 'Canceled.'))
      else if (code === 0) resolve()
      else {
        const tail = stderrTail.trim().split('\n').slice(-4).join(' | ')
        reject(new GenerationError('permanent', `ffmpeg failed (${code ?? sig}): ${tail}`))
      }
    })
  })
}

/** Run ffprobe and return the duration of a media file in seconds. */
export function probeDuration(path: string, signal?: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      toolPath('ffprobe'),
      ['-v', 'error', '-show_entries', 'format=duration', '-of', 'default=noprint_wrappers=1:nokey=1', path],
      { stdio: ['ignore', 'pipe', 'pipe'], signal }
    )
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => {
      const n = Number(out.trim())
      if (code === 0 && Number.isFinite(n) && n > 0) resolve(n)
      else reject(new GenerationError('permanent', `Could not read the duration of ${path}: ${err.trim() || out.trim() || 'no duration'}`))
    })
  })
}
