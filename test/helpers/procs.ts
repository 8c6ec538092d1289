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
