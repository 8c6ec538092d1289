import { readFileSync } from 'node:fs'

/**
 * Whether a process with this pid is still running — the one check every owner-pid
 * lease (library rows, generation jobs, on-air status files) uses.
 *
 * Signal 0 answers for any process that exists, including a zombie: one that was
 * killed but that nobody has reaped yet (common in containers, whose init may not
 * reap). A zombie runs nothing and never will, so on Linux /proc/<pid>/stat's state
 * field decides; elsewhere signal 0 is all there is.
 */
export function isPidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
  if (process.platform !== 'linux') return true
  const state = linuxProcessState(pid)
  return state !== null && state !== 'Z' && state !== 'X'
}

/** The one-letter state of /proc/<pid>/stat (R, S, D, Z, X, …); null when the process is gone. */
export function linuxProcessState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may contain spaces and parentheses: the state follows the last ')'.
    const close = stat.lastIndexOf(')')
    return stat.slice(close + 2, close + 3) || null
  } catch {
    return null
  }
}
