import { readdirSync, readFileSync } from 'node:fs'
import { basename } from 'node:path'

export interface ToolProc {
  pid: number
  tool: string
}

/** Linux: running ffmpeg/ffprobe processes with an argument containing `token` (a test's temp path). */
export function toolsMentioning(token: string): ToolProc[] {
  const found: ToolProc[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let argv: string[]
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')
    } catch {
      continue
    }
    const tool = basename(argv[0] ?? '')
    if ((tool === 'ffmpeg' || tool === 'ffprobe') && argv.some((a) => a.includes(token)))
      found.push({ pid: Number(entry), tool })
  }
  return found
}

/** Linux: running ffmpeg/ffprobe processes anywhere below `rootPid` (children, grandchildren…). */
export function toolsUnder(rootPid: number): ToolProc[] {
  const parentOf = new Map<number, number>()
  const toolOf = new Map<number, string>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      // The command name in /proc/PID/stat is in parentheses and may hold spaces: read past the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
      toolOf.set(Number(entry), basename(readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')[0] ?? ''))
    } catch {
      continue
    }
  }
  const below = (pid: number): boolean => {
    for (let p = parentOf.get(pid); p !== undefined && p > 1; p = parentOf.get(p)) if (p === rootPid) return true
    return false
  }
  return [...toolOf]
    .filter(([pid, tool]) => (tool === 'ffmpeg' || tool === 'ffprobe') && below(pid))
    .map(([pid, tool]) => ({ pid, tool }))
}
