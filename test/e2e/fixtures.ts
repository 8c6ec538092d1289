import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test as base } from '@playwright/test'

export const repoRoot = join(__dirname, '..', '..')
const builtCli = join(repoRoot, 'out', 'main', 'cli.js')

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

export interface Studio {
  /** The studio URL with its token, as `webtv serve` printed it. */
  url: string
  baseUrl: string
  token: string
  dataDir: string
  /** Run `webtv <args> --data-dir <this studio's data dir>` (the built CLI). */
  runCli(args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult>
  /** The serve process's output so far (for debugging failures). */
  output(): string
}

export function runBuiltCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [builtCli, ...args], { cwd: repoRoot, env: { ...process.env, ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** Start `webtv serve --port 0` on a fresh data dir and wait for the URL it prints. */
export async function startServe(
  dataDir: string,
  extraArgs: string[] = []
): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [builtCli, 'serve', '--port', '0', '--data-dir', dataDir, ...extraArgs], {
    cwd: repoRoot,
    env: { ...process.env },
    stdio: ['pipe', 'pipe', 'pipe']
  })
  let out = ''
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`webtv serve did not print its URL in 30 s:\n${out}`)), 30_000)
    const onData = (d: Buffer): void => {
      out += d.toString()
      const m = /Studio: (http:\/\/\S+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(m[1]!)
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`webtv serve exited with ${code}:\n${out}`))
    })
  })
  child.removeAllListeners('exit')
  return { child, url, output: () => out }
}

export async function stopServe(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
  await exited
  clearTimeout(timer)
}

export const test = base.extend<{ studio: Studio }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright fixtures take their dependencies as the first argument
  studio: async ({}, use) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'webtv-e2e-'))
    const { child, url, output } = await startServe(dataDir)
    const parsed = new URL(url)
    try {
      await use({
        url,
        baseUrl: parsed.origin,
        token: parsed.searchParams.get('token') ?? '',
        dataDir,
        runCli: (args, env) => runBuiltCli([...args, '--data-dir', dataDir], env),
        output
      })
    } finally {
      await stopServe(child)
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
})

export { expect } from '@playwright/test'
