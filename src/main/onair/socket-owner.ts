import { readFileSync, readdirSync, readlinkSync } from 'node:fs'
import type { Socket } from 'node:net'

/**
 * Linux only: which process owns a local socket, read from /proc. The key tunnels
 * (relay-tunnel.ts for RTMP, srt-tunnel.ts for SRT) let through only the relay's
 * own ffmpeg, so another local user who read the stand-in from `ps` cannot race it.
 */

/** `pid` and every process under it (a supervisor may sit between us and ffmpeg). */
function withDescendants(pid: number): number[] {
  const children = new Map<number, number[]>()
  try {
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue
      try {
        const ppid = Number(readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]!.split(' ')[1])
        children.set(ppid, [...(children.get(ppid) ?? []), Number(d)])
      } catch {
        /* exited meanwhile */
      }
    }
  } catch {
    return [pid]
  }
  const out: number[] = []
  const todo = [pid]
  while (todo.length && out.length < 64) {
    const p = todo.pop()!
    out.push(p)
    todo.push(...(children.get(p) ?? []))
  }
  return out
}

const hexPort = (p: number): string => p.toString(16).toUpperCase().padStart(4, '0')

/** Inodes of the rows of /proc/net/<tables> that match. */
function inodes(tables: string[], match: (fields: string[]) => boolean): Set<string> {
  const out = new Set<string>()
  for (const table of tables) {
    let text = ''
    try {
      text = readFileSync(`/proc/net/${table}`, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/)
      if (f.length >= 10 && match(f) && f[9] !== '0') out.add(f[9]!)
    }
  }
  return out
}

/** Whether `pid` (or a process under it) has one of these socket inodes open. */
function ownsAny(pid: number, wanted: Set<string>): boolean {
  if (wanted.size === 0) return false
  for (const p of withDescendants(pid)) {
    try {
      for (const fd of readdirSync(`/proc/${p}/fd`)) {
        try {
          const link = readlinkSync(`/proc/${p}/fd/${fd}`)
          const m = /^socket:\[(\d+)\]$/.exec(link)
          if (m && wanted.has(m[1]!)) return true
        } catch {
          /* closed meanwhile */
        }
      }
    } catch {
      /* exited, or not ours */
    }
  }
  return false
}

/**
 * Does `socket` (accepted here) belong to process `pid` or one under it? Finds
 * the connecting end in /proc/net/tcp{,6} by its ports and looks for its inode
 * among the processes' open files.
 */
export function tcpSocketBelongsTo(pid: number, socket: Socket): boolean {
  const peerPort = socket.remotePort
  const localPort = socket.localPort
  if (!peerPort || !localPort) return false
  const found = inodes(
    ['tcp', 'tcp6'],
    (f) => f[1]!.endsWith(`:${hexPort(peerPort)}`) && f[2]!.endsWith(`:${hexPort(localPort)}`)
  )
  // One connection has one row; take the first like the kernel's table order.
  const first = [...found][0]
  return first !== undefined && ownsAny(pid, new Set([first]))
}

/** Is the UDP socket bound to local port `port` one of `pid`'s (or a process under it)? */
export function udpSocketBelongsTo(pid: number, port: number): boolean {
  return ownsAny(
    pid,
    inodes(['udp', 'udp6'], (f) => f[1]!.endsWith(`:${hexPort(port)}`))
  )
}
