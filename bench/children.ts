/**
 * Processes a benchmark left running below this one (a failed bench's `webtv serve`, an
 * ffmpeg it started): found through /proc (Linux), ended so the next bench — and the
 * machine — start clean.
 */
import { readdirSync, readFileSync } from 'node:fs'

/** Every process below `rootPid` (children, grandchildren…), deepest first. */
export function descendants(rootPid: number = process.pid): number[] {
  const parentOf = new Map<number, number>()
  let entries: string[]
  try {
    entries = readdirSync('/proc')
  } catch {
    return [] // no /proc: not Linux
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    try {
      // The command name in /proc/PID/stat is in parentheses and may hold spaces: read past the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      // tsx's esbuild service compiles the benches still to come: not a bench's child.
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) === 'esbuild') continue
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
    } catch {
      continue
    }
  }
  const depth = (pid: number): number => {
    let d = 0
    for (let p = parentOf.get(pid); p !== undefined && p > 1; p = parentOf.get(p)) {
      d++
      if (p === rootPid) return d
    }
    return -1
  }
  return [...parentOf.keys()]
    .map((pid) => ({ pid, d: pid === rootPid ? -1 : depth(pid) }))
    .filter((x) => x.d > 0)
    .sort((a, b) => b.d - a.d)
    .map((x) => x.pid)
}

function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal)
    } catch {
      /* already gone */
    }
  }
}

/** SIGTERM everything below this process, SIGKILL what is still there after `graceMs`; returns how many there were. */
export async function killDescendants(graceMs = 3000): Promise<number> {
  const pids = descendants()
  if (pids.length === 0) return 0
  signalAll(pids, 'SIGTERM')
  const until = Date.now() + graceMs
  while (Date.now() < until && descendants().length > 0) await new Promise((r) => setTimeout(r, 100))
  signalAll(descendants(), 'SIGKILL')
  return pids.length
}
