import type { ChildProcess } from 'node:child_process'
import { spawnWebtv } from './cli'

/** Run `webtv …` and SIGKILL its whole process group the moment `until` is true (checked on every output line and every 20 ms). */
export function runAndKill(
  args: string[],
  until: (stdout: string) => boolean,
  limitMs = 90_000
): Promise<{ stdout: string; killed: boolean }> {
  return new Promise((resolve, reject) => {
    // tsx runs the CLI in a child of its own: kill the whole group we started, or the worker lives on.
    const child: ChildProcess = spawnWebtv(args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    const killGroup = (): void => {
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {
        /* already gone */
      }
    }
    let stdout = ''
    let killed = false
    const check = (): void => {
      if (!killed && until(stdout)) {
        killed = true
        killGroup()
      }
    }
    const timer = setInterval(check, 20)
    const limit = setTimeout(killGroup, limitMs)
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString()
      check()
    })
    child.on('error', reject)
    child.on('close', () => {
      clearInterval(timer)
      clearTimeout(limit)
      resolve({ stdout, killed })
    })
  })
}
