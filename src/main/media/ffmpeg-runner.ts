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

/**
 * A folder as the literal start of an output pattern: image sequences (`f%03d.pgm`),
 * HLS segments (`seg-%d.ts`) and strftime names read every `%` in the whole path, so
 * a data folder named `100%` or `a%d` would be taken for a pattern; `%%` is a literal
 * `%` to all three.
 */
export function patternFolder(dir: string): string {
  return dir.replace(/%/g, '%%')
}

/**
 * One still image to a file named as given: without `-update 1` the image2 muxer
 * reads a `%d` anywhere in the path (a data folder named `a%d`) as a frame number.
 */
export const SINGLE_IMAGE: readonly string[] = ['-update', '1']

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
  /**
   * Killed when its output position stops advancing for this long (ms). Needs
   * `-progress pipe:1` in args; runs without it are not watched. Default
   * DEFAULT_STALL_MS; 0 turns the guard off.
   */
  stallMs?: number
}

const STDERR_KEEP = 16 * 1024

/**
 * A batch run whose output has not moved for two minutes is hung, not slow: a
 * low-priority conform on a saturated two-core machine still advances every few
 * seconds, while a deadlocked filter graph or an input that never delivers holds a
 * job slot (and the runway behind it) forever.
 */
export const DEFAULT_STALL_MS = 120_000

/** Whether args send progress blocks to stdout, where runFfmpeg reads them. */
function progressOnStdout(args: readonly string[]): boolean {
  const i = args.indexOf('-progress')
  return i >= 0 && args[i + 1] === 'pipe:1'
}

function clock(us: number | null): string {
  if (us === null) return 'before its first output'
  const s = us / 1e6
  return `at ${Math.floor(s / 60)}:${(s % 60).toFixed(1).padStart(4, '0')} of output`
}

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
    const stallMs = progressOnStdout(args) ? (opts.stallMs ?? DEFAULT_STALL_MS) : 0
    let lastPosition: string | null = null
    let lastOutUs: number | null = null
    let stalled = false
    let watchdog: NodeJS.Timeout | undefined
    const armWatchdog = (): void => {
      if (stallMs <= 0) return
      clearTimeout(watchdog)
      watchdog = setTimeout(() => {
        stalled = true
        child.kill('SIGKILL')
      }, stallMs)
    }
    armWatchdog()
    child.stdout!.setEncoding('utf8')
    child.stdout!.on('data', (chunk: string) => {
      for (const block of parser.push(chunk)) {
        // Progress blocks keep coming while ffmpeg is stuck; only a moving position counts.
        const position = `${block.outTimeUs}/${block.frame}/${block.totalSize}`
        if (position !== lastPosition) {
          lastPosition = position
          lastOutUs = block.outTimeUs
          armWatchdog()
        }
        if (opts.onProgress && opts.durationUs) opts.onProgress(progressPercent(block, opts.durationUs))
      }
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
      clearTimeout(watchdog)
      opts.signal?.removeEventListener('abort', onAbort)
      reject(new FfmpegError(`ffmpeg could not start: ${err.message}`, null, ''))
    })
    child.on('close', (code, sig) => {
      clearTimeout(watchdog)
      opts.signal?.removeEventListener('abort', onAbort)
      if (opts.signal?.aborted) return reject(new AbortedError())
      if (stalled) {
        const seconds = Math.round(stallMs / 100) / 10
        const message =
          `ffmpeg made no progress for ${seconds} s (${clock(lastOutUs)}) and was stopped. ` +
          'The input may be damaged or still being written; try again, and if it repeats, replace the file.'
        return reject(new FfmpegError(message, null, stderr))
      }
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
