import { spawn, type ChildProcess, type SpawnOptions, type StdioOptions } from 'node:child_process'
import { setPriority } from 'node:os'

/**
 * Every child process the studio starts (ffmpeg, ffprobe) goes through here, so that
 * none outlives the studio however it dies — SIGKILL, a crash, the OOM killer.
 *
 * Why a wrapper: Node cannot ask Linux for PDEATHSIG, macOS has nothing like it, and
 * ffmpeg does not exit when its stdin closes (it only reads keys from it; an encode
 * with stdin at EOF runs to the end). So, on POSIX, the child is started by a tiny
 * Node watchdog (this same Node/Electron binary, code passed with -e: nothing to
 * unpack from an asar) connected to us by an IPC channel. When this process dies,
 * the kernel closes our end, the watchdog sees 'disconnect', SIGKILLs the tool and
 * exits. The tool inherits the watchdog's stdin/stdout/stderr, so data flows
 * between us and the tool directly, not through the watchdog.
 *
 * On Windows libuv already puts every child in a job object with
 * JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE, so Windows kills the tool with us: no wrapper.
 *
 * A child whose only input is a pipe from us that it reads as media (the playout and
 * relay encoders: `-i pipe:0`) ends on its own when that pipe closes; those pass
 * `lifeline: 'stdin'` and are spawned directly. So does a child whose only input is
 * a server inside this process (the HLS and recording taps read the local HTTP-FLV,
 * with a read timeout): our death closes its connection and it ends —
 * `lifeline: 'input'`. Spawned directly, their `pid` is the tool's own, which the
 * studio's CPU figures read.
 */
export interface SpawnChildOptions {
  stdio?: StdioOptions
  env?: NodeJS.ProcessEnv
  cwd?: string
  /** Aborting kills the child (SIGKILL). */
  signal?: AbortSignal | undefined
  /** Background work: nice 10 (set by the watchdog before exec, so it is inherited). */
  lowPriority?: boolean
  /**
   * 'watchdog' (default): a watchdog process kills the child when we die.
   * 'stdin': the child reads its input from our pipe on stdin and exits at EOF.
   * 'input': the child reads from a server in this process and exits when that connection ends.
   */
  lifeline?: 'watchdog' | 'stdin' | 'input'
}

// Runs in the watchdog (plain JS, no imports beyond Node's): argv = [cmd, nice (0 = as is), ...args].
const WATCHDOG_SOURCE = `
const { spawn } = require('child_process');
const os = require('os');
const [cmd, low, ...args] = process.argv.slice(1);
if (Number(low) > 0) { try { os.setPriority(Number(low)); } catch {} }
const env = { ...process.env };
delete env.NODE_CHANNEL_FD; delete env.NODE_CHANNEL_SERIALIZATION_MODE; delete env.ELECTRON_RUN_AS_NODE;
let child;
try { child = spawn(cmd, args, { stdio: 'inherit', env }); } catch (e) { process.stderr.write(String(e && e.message) + '\\n'); process.exit(127); }
const forward = (sig) => { try { child.kill(sig); } catch {} };
process.on('disconnect', () => { forward('SIGKILL'); process.exit(137); });
process.on('message', (m) => { if (m && typeof m.signal === 'string') forward(m.signal); });
for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(s, () => forward(s));
child.on('error', (e) => { process.stderr.write(cmd + ': ' + e.message + '\\n'); if (process.connected) process.send({ spawnError: e.code || e.message }); process.exit(127); });
child.on('exit', (code, sig) => {
  if (sig) { process.removeAllListeners(sig); try { process.kill(process.pid, sig); } catch {} }
  process.exit(code === null ? 1 : code);
});
`

/**
 * The nice value of background work. 10 keeps conform and generation from taking
 * CPU time the playout and the studio's own process need on a busy machine
 * (bench/busy.bench.ts measures it against 0, which it sets through here).
 */
let backgroundNice = 10

export function setBackgroundNice(nice: number): void {
  backgroundNice = Math.max(0, Math.min(19, Math.round(nice)))
}

const useWatchdog = (lifeline: SpawnChildOptions['lifeline']): boolean =>
  lifeline !== 'stdin' && lifeline !== 'input' && process.platform !== 'win32'

/**
 * spawn() with a lifeline. Returns the ChildProcess (of the watchdog, on POSIX):
 * its stdio are the tool's, its 'exit'/'close' report the tool's exit code or signal,
 * and kill(signal) reaches the tool. `pid` is the watchdog's.
 */
export function spawnChild(command: string, args: readonly string[], opts: SpawnChildOptions = {}): ChildProcess {
  const stdio = normaliseStdio(opts.stdio)
  const base: SpawnOptions = {
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    windowsHide: true
  }
  let child: ChildProcess
  if (!useWatchdog(opts.lifeline)) {
    child = spawn(command, [...args], { ...base, stdio })
    if (opts.lowPriority && child.pid !== undefined) renice(child.pid)
  } else {
    child = spawn(
      process.execPath,
      ['-e', WATCHDOG_SOURCE, '--', command, String(opts.lowPriority ? backgroundNice : 0), ...args],
      {
        ...base,
        stdio: [...stdio, 'ipc'],
        // In Electron, process.execPath is the app: this makes it a plain Node.
        env: { ...(opts.env ?? process.env), ELECTRON_RUN_AS_NODE: '1' }
      }
    )
    const killWatchdog = child.kill.bind(child)
    // SIGKILL on the watchdog itself would orphan the tool: ask the watchdog to deliver it.
    child.kill = (sig?: NodeJS.Signals | number): boolean => {
      if (child.exitCode !== null || child.signalCode !== null) return false
      if (child.connected) {
        try {
          child.send({ signal: sig ?? 'SIGTERM' })
          return true
        } catch {
          /* channel closing: fall through */
        }
      }
      return killWatchdog(sig === 'SIGKILL' || sig === 9 ? 'SIGTERM' : sig)
    }
    // The IPC channel must not keep a CLI alive on its own; the child's pipes and exit do.
    child.channel?.unref()
    child.on('message', (m: unknown) => {
      if (m && typeof m === 'object' && 'spawnError' in m) {
        const code = String((m as { spawnError: unknown }).spawnError)
        const err = Object.assign(new Error(`spawn ${command} ${code}`), { code, path: command })
        child.emit('error', err)
      }
    })
  }
  if (opts.signal) {
    const signal = opts.signal
    const onAbort = (): void => {
      child.kill('SIGKILL')
    }
    if (signal.aborted) queueMicrotask(onAbort)
    else {
      signal.addEventListener('abort', onAbort, { once: true })
      child.once('exit', () => signal.removeEventListener('abort', onAbort))
    }
  }
  return child
}

function normaliseStdio(stdio: StdioOptions | undefined): Array<'pipe' | 'ignore' | 'inherit'> {
  if (stdio === undefined) return ['pipe', 'pipe', 'pipe']
  if (typeof stdio === 'string') return [stdio, stdio, stdio] as Array<'pipe' | 'ignore' | 'inherit'>
  const out = stdio.slice(0, 3).map((s) => (s === 'pipe' || s === 'ignore' || s === 'inherit' ? s : 'pipe'))
  while (out.length < 3) out.push('pipe')
  return out
}

function renice(pid: number): void {
  if (backgroundNice === 0) return
  try {
    setPriority(pid, backgroundNice)
  } catch {
    /* not permitted here: it just runs at normal priority */
  }
}

export interface ExecResult {
  stdout: string
  stderr: string
}

export class ChildExitError extends Error {
  constructor(
    message: string,
    readonly code: number | string | null,
    readonly signal: NodeJS.Signals | null,
    readonly killed: boolean
  ) {
    super(message)
    this.name = 'ChildExitError'
  }
}

/**
 * execFile() through spawnChild: collect stdout/stderr, kill on timeout or abort,
 * callback(err, stdout, stderr) like node's execFile.
 */
export function execChild(
  command: string,
  args: readonly string[],
  opts: { signal?: AbortSignal | undefined; timeout?: number; maxBuffer?: number; lowPriority?: boolean },
  callback: (err: ChildExitError | null, stdout: string, stderr: string) => void
): ChildProcess {
  const child = spawnChild(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    signal: opts.signal,
    lowPriority: opts.lowPriority
  })
  const max = opts.maxBuffer ?? 1024 * 1024
  let stdout = ''
  let stderr = ''
  let killed = false
  let done = false
  const finish = (err: ChildExitError | null): void => {
    if (done) return
    done = true
    if (timer) clearTimeout(timer)
    callback(err, stdout, stderr)
  }
  const timer = opts.timeout
    ? setTimeout(() => {
        killed = true
        child.kill('SIGKILL')
      }, opts.timeout)
    : null
  child.stdout?.setEncoding('utf8')
  child.stderr?.setEncoding('utf8')
  child.stdout?.on('data', (d: string) => {
    stdout += d
    if (stdout.length > max) {
      killed = true
      child.kill('SIGKILL')
    }
  })
  child.stderr?.on('data', (d: string) => {
    stderr = (stderr + d).slice(-max)
  })
  child.on('error', (err: NodeJS.ErrnoException) =>
    finish(new ChildExitError(err.message, err.code ?? null, null, false))
  )
  child.on('close', (code, sig) => {
    if (code === 0 && !killed) return finish(null)
    finish(
      new ChildExitError(`${command} exited with ${sig ?? code}`, code, sig, killed || opts.signal?.aborted === true)
    )
  })
  return child
}
