import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { join } from 'node:path'
import { parseCommandArgs, UsageError, type CliCommand } from '../../src/main/cli/command'

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

/** Run `webtv …` with `stdin` piped in (how secrets come in: `--…-stdin`). */
export function runWebtvWithStdin(args: string[], stdin: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawnWebtv(args, { stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
    child.stdin!.end(stdin)
  })
}

/**
 * One real command run in this process (no tsx start-up per call): what it prints and
 * its exit code: a usage error 2, any other error 1, its message on stderr (as `webtv` does).
 */
export async function runCommandInProcess(
  command: CliCommand,
  argv: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = []
  const err: string[] = []
  try {
    const { values, positionals } = parseCommandArgs(command, argv)
    const code = await command.run({
      values,
      positionals,
      global: { dataDir: values['data-dir'] as string, json: values.json === true },
      io: { out: (l) => out.push(l), err: (l) => err.push(l) },
      stopSignal: new AbortController().signal
    })
    return { code, stdout: out.join('\n'), stderr: err.join('\n') }
  } catch (e) {
    const code = e instanceof UsageError ? 2 : 1
    return { code, stdout: out.join('\n'), stderr: e instanceof Error ? e.message : String(e) }
  }
}
