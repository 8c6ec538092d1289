import { spawnSync, type ChildProcess } from 'node:child_process'
import { execChild, spawnChild, type ChildExitError, type SpawnChildOptions } from '../process/spawn-child'
import { toolPath, type ToolName } from './ffmpeg-path'
import { ProgressParser, progressPercent } from './ffmpeg-progress'

/**
 * The one way the studio starts ffmpeg and ffprobe (a test fails if any other file
 * does): every tool is resolved here (WEBTV_FFMPEG / WEBTV_FFPROBE, bundled,
 * PATH) and started through `spawnChild`, so none outlives the studio. Callers
 * build argument lists; they never name a binary or import child_process.
 *
 * - `startFfmpeg`: a long-running ffmpeg the caller supervises (playout, relays, taps).
 * - `runFfmpeg`: ffmpeg to completion, with progress and abort (conform, looks, slates, generation).
 * - `execTool`: a tool's output collected, bounded in time and size (ffprobe, doctor).
 * - `runToolSync`: a capability listing answered in milliseconds (`ffmpeg -protocols`).
 * - `ffmpegPreamble`: the quiet/-progress options every one of them starts with.
 */

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

export interface PreambleOptions {
  /** stderr verbosity; left out: ffmpeg's default (info). */
  loglevel?: 'error' | 'warning' | 'info'
  /** Where `-progress` key=value blocks go (see ffmpeg-progress.ts); left out: no progress. */
  progress?: 'stdout' | 'stderr'
  /** Seconds between progress blocks (ffmpeg's default is 0.5). */
  statsPeriodS?: number
  /** One-shot runs: never read keys from stdin, overwrite the (temp) output. */
  batch?: boolean
}

/**
 * The options every studio ffmpeg starts with: no banner, no human stats line (the
 * progress blocks replace it), a quiet stderr whose last lines are the error.
 */
export function ffmpegPreamble(opts: PreambleOptions = {}): string[] {
  return [
    '-hide_banner',
    ...(opts.batch ? ['-nostdin', '-y'] : []),
    ...(opts.loglevel ? ['-loglevel', opts.loglevel] : []),
    '-nostats',
    ...(opts.progress ? ['-progress', opts.progress === 'stdout' ? 'pipe:1' : 'pipe:2'] : []),
    ...(opts.progress && opts.statsPeriodS !== undefined ? ['-stats_period', String(opts.statsPeriodS)] : [])
  ]
}

/** A long-running ffmpeg; the caller reads its pipes and supervises it. */
export function startFfmpeg(args: readonly string[], opts: SpawnChildOptions = {}): ChildProcess {
  return spawnChild(toolPath('ffmpeg'), args, opts)
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

export interface ExecToolOptions {
  signal?: AbortSignal | undefined
  /** Killed after this long (ms). */
  timeout?: number
  /** Killed when stdout grows past this (bytes); stderr keeps its last this many. */
  maxBuffer?: number
  /** A binary already resolved (the doctor checks the one it found); default: the studio's. */
  path?: string
}

/** A tool's whole output, like node's execFile, through the watchdog; bounded in time and size. */
export function execTool(
  tool: ToolName,
  args: readonly string[],
  opts: ExecToolOptions,
  callback: (err: ChildExitError | null, stdout: string, stderr: string) => void
): ChildProcess {
  const { path, ...rest } = opts
  return execChild(path ?? toolPath(tool), args, rest, callback)
}

/** execTool as a promise that never rejects: ok is a zero exit. */
export function execToolResult(
  tool: ToolName,
  args: readonly string[],
  opts: ExecToolOptions
): Promise<{ ok: boolean; stdout: string; stderr: string; error: ChildExitError | null }> {
  return new Promise((resolve) => {
    execTool(tool, args, opts, (error, stdout, stderr) => resolve({ ok: error === null, stdout, stderr, error }))
  })
}

/**
 * A capability listing (`ffmpeg -protocols`) that synchronous checks need. It is
 * answered in milliseconds and blocks this process while it runs, so it cannot
 * outlive us the way a long run could: no watchdog needed, and a timeout bounds it.
 */
export function runToolSync(tool: ToolName, args: readonly string[], timeoutMs: number): string {
  const r = spawnSync(toolPath(tool), [...args], { encoding: 'utf8', timeout: timeoutMs, windowsHide: true })
  if (r.error) throw r.error
  if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} exited with ${r.signal ?? r.status}`)
  return r.stdout
}
