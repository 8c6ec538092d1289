import { spawn } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { repoRoot, type RunResult } from './cli'

const preload = join(repoRoot, 'test', 'helpers', 'peak-rss.cjs')
const cliSource = join(repoRoot, 'src', 'main', 'cli.ts')

/**
 * Run `webtv …` from source in ONE process (tsx as a loader, not tsx's launcher, which
 * would run the CLI in a grandchild) and report that process's peak resident memory,
 * measured by the kernel and written by the process itself as it exits.
 */
export function runWebtvPeakRss(
  args: string[],
  timeoutMs = 300_000
): Promise<RunResult & { peakRssBytes: number; ms: number }> {
  const file = join(tmpdir(), `webtv-peak-rss-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`)
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn(process.execPath, ['--require', preload, '--import', 'tsx', cliSource, ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, WEBTV_TEST_PEAK_RSS_FILE: file }
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const ms = performance.now() - t0
      const kib = existsSync(file) ? Number(readFileSync(file, 'utf8').trim().split('\n').pop()) : NaN
      rmSync(file, { force: true })
      resolve({ code, signal, stdout, stderr, peakRssBytes: kib * 1024, ms })
    })
  })
}
