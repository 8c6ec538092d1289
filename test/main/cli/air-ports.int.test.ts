/**
 * Issue 23 item 8: one `webtv air` process per channel on one data folder, all
 * started in the same second (as systemd or a container runtime does at boot).
 * Ports given on a command line belong to that process only: each listens on its
 * own, none reads another's, and none are stored as the folder's settings.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { callCore, openCore } from '../../../src/main/cli/open-core'
import { build } from 'esbuild'
import { repoRoot } from '../../helpers/cli'
import { tempDir } from '../../helpers/tmp'
import { freePort } from '../../fixtures/rtmp'

const N = 20

/** Linux: the pids of `root` and every process below it. */
function treeOf(root: number): number[] {
  const parentOf = new Map<number, number>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
    } catch {
      continue
    }
  }
  const below = (pid: number): boolean => {
    for (let p: number | undefined = pid; p !== undefined && p > 1; p = parentOf.get(p)) if (p === root) return true
    return false
  }
  return [...parentOf.keys()].filter(below)
}

/** Linux: the TCP ports (IPv4 and IPv6) that the processes `pids` listen on. */
function listeningPorts(pids: number[]): number[] {
  const inodes = new Set<string>()
  for (const pid of pids) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))
        if (m) inodes.add(m[1]!)
      }
    } catch {
      /* gone meanwhile */
    }
  }
  const ports: number[] = []
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/)
      // local_address, st (0A = LISTEN), inode
      if (f.length > 9 && f[3] === '0A' && inodes.has(f[9]!)) ports.push(parseInt(f[1]!.split(':')[1]!, 16))
    }
  }
  return [...new Set(ports)].sort((a, b) => a - b)
}

describe(`${N} webtv air processes started together on one data folder`, () => {
  const tmp = tempDir()
  const dataDir = join(tmp.dir, 'data')
  const children: ChildProcess[] = []
  const cli = join(tmp.dir, 'webtv.js')

  beforeAll(async () => {
    // One build for all 20: each process loads one file instead of compiling the sources again.
    // With the on-air media plane's worker beside it, as electron-vite builds them (media-plane.ts).
    await build({
      entryPoints: {
        webtv: join(repoRoot, 'src', 'main', 'cli.ts'),
        'media-worker': join(repoRoot, 'src', 'main', 'onair', 'media-worker.ts')
      },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      packages: 'external',
      outdir: tmp.dir,
      logLevel: 'warning'
    })
    const core = await openCore(dataDir)
    try {
      for (let i = 0; i < N; i++)
        await callCore(core, 'library.channels.create', {
          name: `c${i}`,
          format: { width: 320, height: 180, fps: 8 }
        })
    } finally {
      await core.close()
    }
  }, 60_000)

  afterAll(async () => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((r) => {
            if (c.exitCode !== null || c.signalCode !== null) return r()
            c.once('exit', () => r())
            c.kill('SIGINT')
            setTimeout(() => c.kill('SIGKILL'), 20_000).unref()
          })
      )
    )
    tmp.cleanup()
  }, 60_000)

  it('each listens on the ports its own command line gave, and none are stored for the folder', async () => {
    const ports: Array<[number, number]> = []
    const taken = new Set<number>()
    while (ports.length < N) {
      const a = await freePort()
      const b = await freePort()
      if (a === b || taken.has(a) || taken.has(b)) continue
      taken.add(a).add(b)
      ports.push([a, b])
    }
    const outs: string[] = []
    for (let i = 0; i < N; i++) {
      const [rtmp, flv] = ports[i]!
      const child = spawn(
        process.execPath,
        [
          cli,
          'air',
          '--channel',
          `c${i}`,
          '--rtmp-port',
          String(rtmp),
          '--flv-port',
          String(flv),
          '--data-dir',
          dataDir
        ],
        {
          cwd: repoRoot,
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, NODE_PATH: join(repoRoot, 'node_modules') }
        }
      )
      children.push(child)
      outs[i] = ''
      child.stdout!.on('data', (d: Buffer) => (outs[i] += d.toString()))
      child.stderr!.on('data', (d: Buffer) => (outs[i] += d.toString()))
    }
    // Each reports its URLs once its local server listens (or exits on an error).
    // Generous: 20 studios start at once on what may be a small, busy machine.
    const deadline = Date.now() + 480_000
    while (
      children.some((c, i) => c.exitCode === null && c.signalCode === null && !outs[i]!.includes('Press Ctrl-C'))
    ) {
      if (Date.now() > deadline) {
        const late = outs.map((o, i) => `c${i}: ${o.slice(-300)}`).filter((_, i) => !outs[i]!.includes('Press Ctrl-C'))
        throw new Error(`timed out waiting for every process to go on air:\n${late.join('\n')}`)
      }
      await new Promise((r) => setTimeout(r, 250))
    }
    for (let i = 0; i < N; i++) {
      const [rtmp, flv] = ports[i]!
      expect(children[i]!.exitCode, outs[i]).toBeNull()
      expect(outs[i]).toContain(`RTMP:     rtmp://127.0.0.1:${rtmp}/`)
      expect(outs[i]).toContain(`HTTP-FLV: http://127.0.0.1:${flv}/`)
      const listening = listeningPorts(treeOf(children[i]!.pid!))
      expect(listening, `c${i}`).toContain(rtmp)
      expect(listening, `c${i}`).toContain(flv)
      // Nobody else's port.
      for (const [j, [r2, f2]] of ports.entries()) {
        if (j === i) continue
        expect(listening).not.toContain(r2)
        expect(listening).not.toContain(f2)
      }
    }
    // The folder's shared settings were left alone.
    const settings = join(dataDir, 'onair', 'settings.json')
    if (existsSync(settings)) {
      const s = JSON.parse(readFileSync(settings, 'utf8')) as { rtmpPort?: number; httpPort?: number }
      expect(taken.has(s.rtmpPort ?? 0)).toBe(false)
      expect(taken.has(s.httpPort ?? 0)).toBe(false)
    }
  }, 540_000)
})
