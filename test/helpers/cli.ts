import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { join } from 'node:path'

export const repoRoot = join(__dirname, '..', '..')
const tsxCli = join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs')
const cliSource = join(repoRoot, 'src', 'main', 'cli.ts')

/** Start the `webtv` command from source (no build needed), as a real child process. */
export function spawnWebtv(args: string[], opts: SpawnOptions = {}): ChildProcess {
  return spawn(process.execPath, [tsxCli, cliSource, ...args], {
    cwd: repoRoot,
    ...opts,
    env: { ...process.env, ...opts.env }
  })
}

export interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Run `webtv …` to completion and collect its output. */
export function runWebtv(args: string[], opts: SpawnOptions & { timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawnWebtv(args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })
}
