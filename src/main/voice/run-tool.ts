import { spawnChild } from '../process/spawn-child'
import { VoiceError } from './types'

/** Longest a speech program may take for one sentence before it is stopped. */
export const TOOL_TIMEOUT_MS = 60_000

/**
 * Run a speech program as its own process (GPL engines stay out of ours). The text
 * goes in on stdin or in a file, never on the command line.
 */
export function runTool(
  command: string,
  args: string[],
  opts: { stdin?: string; env?: NodeJS.ProcessEnv; signal?: AbortSignal | undefined; name: string }
): Promise<void> {
  return new Promise((resolve, reject) => {
    const timeout = AbortSignal.timeout(TOOL_TIMEOUT_MS)
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout
    let child
    try {
      child = spawnChild(command, args, {
        stdio: ['pipe', 'ignore', 'pipe'],
        signal,
        lowPriority: true,
        ...(opts.env ? { env: opts.env } : {})
      })
    } catch (err) {
      reject(new VoiceError(`${opts.name} could not be started: ${(err as Error).message}`))
      return
    }
    let stderr = ''
    child.stderr?.on('data', (d: Buffer) => {
      if (stderr.length < 4000) stderr += d.toString()
    })
    child.on('error', (err) =>
      reject(
        new VoiceError(
          (err as NodeJS.ErrnoException).code === 'ENOENT'
            ? `${opts.name} is not installed.`
            : `${opts.name} failed: ${err.message}`
        )
      )
    )
    child.on('close', (code) => {
      if (timeout.aborted) reject(new VoiceError(`${opts.name} took longer than ${TOOL_TIMEOUT_MS / 1000} s; stopped.`))
      else if (opts.signal?.aborted) reject(new VoiceError('Canceled.'))
      else if (code === 0) resolve()
      else reject(new VoiceError(`${opts.name} failed (exit ${code}): ${stderr.trim().slice(0, 300)}`))
    })
    child.stdin?.on('error', () => {})
    child.stdin?.end(opts.stdin ?? '')
  })
}
