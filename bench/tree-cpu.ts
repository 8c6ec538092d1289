/**
 * CPU time of a whole process tree (a studio and every ffmpeg it started), read from
 * /proc (Linux): CPU seconds, never wall time, since the machine is shared and busy.
 */
import { readFileSync, readdirSync } from 'node:fs'

const CLK_TCK = 100 // Linux USER_HZ

/** CPU seconds (user + system) one live process has used, or undefined once it is gone. */
export function cpuOf(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK
  } catch {
    return undefined
  }
}

export function nameOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim()
  } catch {
    return '?'
  }
}

/** The process and all its descendants, from /proc/PID/task/TID/children. */
export function tree(root: number): number[] {
  const out: number[] = []
  const walk = (pid: number): void => {
    out.push(pid)
    let tasks: string[] = []
    try {
      tasks = readdirSync(`/proc/${pid}/task`)
    } catch {
      return
    }
    for (const tid of tasks) {
      let children = ''
      try {
        children = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8')
      } catch {
        continue
      }
      for (const c of children.split(' ').filter(Boolean)) walk(Number(c))
    }
  }
  walk(root)
  return out
}

export interface TreeUse {
  total: number
  /** CPU seconds by process name (node, ffmpeg). */
  byName: Map<string, number>
  seconds: number
}

export type Snapshot = { at: number; cpu: Map<number, number> }

export function snapshot(root: number): Snapshot {
  return { at: Date.now(), cpu: new Map(tree(root).map((pid) => [pid, cpuOf(pid) ?? 0])) }
}

/**
 * CPU a process tree used since a snapshot: every process alive now counts from the
 * snapshot (or from 0 if it started since). A child that exited meanwhile is
 * missed, which a steady-state playout never has.
 */
export function usedSince(root: number, from: Snapshot): TreeUse {
  const byName = new Map<string, number>()
  let total = 0
  for (const pid of tree(root)) {
    const now = cpuOf(pid)
    if (now === undefined) continue
    const used = now - (from.cpu.get(pid) ?? 0)
    total += used
    const name = nameOf(pid)
    byName.set(name, (byName.get(name) ?? 0) + used)
  }
  return { total, byName, seconds: (Date.now() - from.at) / 1000 }
}

export async function treeCpuOver(root: number, seconds: number): Promise<TreeUse> {
  const from = snapshot(root)
  await new Promise((r) => setTimeout(r, seconds * 1000))
  return usedSince(root, from)
}

/** The whole machine's busy CPU (all processes, anyone's), from /proc/stat: jiffies busy and total. */
export function machineCpu(): { busy: number; total: number } {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
    const idle = (f[3] ?? 0) + (f[4] ?? 0)
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0)
    return { busy: (total - idle) / CLK_TCK, total: total / CLK_TCK }
  } catch {
    return { busy: NaN, total: NaN }
  }
}

/** The 1-minute load average (others' work included), or NaN off Linux. */
export function loadAverage(): number {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0])
  } catch {
    return NaN
  }
}

/** CPU seconds of each thread of one process (tid → seconds); the main thread's tid is the pid. */
export function threadCpu(pid: number): Map<number, number> {
  const out = new Map<number, number>()
  let tids: string[] = []
  try {
    tids = readdirSync(`/proc/${pid}/task`)
  } catch {
    return out
  }
  for (const tid of tids) {
    try {
      const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')
      out.set(Number(tid), (Number(fields[11]) + Number(fields[12])) / CLK_TCK)
    } catch {
      /* the thread ended */
    }
  }
  return out
}

/**
 * A Node process's CPU since `from` by thread: its main thread, its busiest other thread
 * (in the studio, the media plane's worker) and the rest (libuv's pool, V8's helpers).
 */
export function threadSplit(pid: number, from: Map<number, number>): { main: number; busiest: number; rest: number } {
  const used = [...threadCpu(pid)].map(([tid, s]) => ({ tid, s: s - (from.get(tid) ?? 0) }))
  const main = used.find((u) => u.tid === pid)?.s ?? 0
  const others = used.filter((u) => u.tid !== pid).sort((a, b) => b.s - a.s)
  const busiest = others[0]?.s ?? 0
  return { main, busiest, rest: others.slice(1).reduce((a, u) => a + u.s, 0) }
}
