import { spawnChild } from '../process/spawn-child'
import { toolPath } from './ffmpeg-path'
import { ProgressParser, progressPercent } from './ffmpeg-progress'

export class FfmpegError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly stderr: string
  ) {
    super(message)
    this.name = 'FfmpegError'
  }
}

export class AbortedError extends Error {
  constructor(message = 'cancelled') {
    super(message)
    this.name = 'AbortError'
  }
}

export interface RunFfmpegOptions {
  signal?: AbortSignal | undefined
  /** Expected output length, for percent; progress needs `-progress pipe:1` in args. */
  durationUs?: number
  onProgress?: ((percent: number) => void) | undefined
  /**
   * Background work (conform, offline rendering): run at a lower CPU priority so it
   * never starves what is live — the playout and relays, the studio's own process.
   */
  lowPriority?: boolean
}

const STDERR_KEEP = 16 * 1024

/**
 * Run ffmpeg to completion. On abort ffmpeg is killed (SIGKILL: its outputs are
 * temp files we throw away anyway) and the promise rejects with AbortedError.
 * Resolves with the tail of stderr (warnings the caller may inspect).
 */
export function runFfmpeg(args: string[], opts: RunFfmpegOptions = {}): Promise<{ stderr: string }> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(new AbortedError())
    const child = spawnChild(toolPath('ffmpeg'), args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      lowPriority: opts.lowPriority === true
    })
    const parser = new ProgressParser()
    let stderr = ''
    child.stdout!.setEncoding('utf8')
    child.stdout!.on('data', (chunk: string) => {
      if (!opts.onProgress || !opts.durationUs) return
      for (const block of parser.push(chunk)) opts.onProgress(progressPercent(block, opts.durationUs))
    })
    child.stderr!.setEncoding('utf8')
    child.stderr!.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_KEEP)
    })
    const onAbort = (): void => {
      child.kill('SIGKILL')
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true })
    child.on('error', (err) => {
      opts.signal?.removeEventListener('abort', onAbort)
      reject(new FfmpegError(`ffmpeg could not start: ${err.message}`, null, ''))
    })
    child.on('close', (code, sig) => {
      opts.signal?.removeEventListener('abort', onAbort)
      if (opts.signal?.aborted) return reject(new AbortedError())
      if (code === 0) return resolve({ stderr })
      const last = stderr.trim().split('\n').slice(-3).join(' | ')
      reject(new FfmpegError(`ffmpeg failed (${code ?? sig}): ${last || 'no message'}`, code, stderr))
    })
  })
}
