import { fork, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'

/** To the relay (live-relay.ts), with the viewer's socket: answer it with the stream at `target`. */
export interface ToRelay {
  t: 'live'
  id: number
  /** The loopback HTTP-FLV URL of the stream (no secret in it). */
  target: string
}

/** From the relay: it is loaded, or a viewer's connection is over. */
export type FromRelay = { t: 'ready' } | { t: 'closed'; id: number }

/** After a relay that exits before it is ready (a broken build), the studio copies streams itself for this long. */
const FALLBACK_MS = 30_000

/**
 * Beside the bundle that imports this (electron-vite builds out/main/live-relay.js next
 * to cli.js, or one level up from a shared chunk), or the TypeScript source when the
 * studio runs from src (vitest, tsx).
 */
function relayEntry(): { file: string; ts: boolean } | null {
  for (const dir of [__dirname, join(__dirname, '..')]) {
    const js = join(dir, 'live-relay.js')
    if (existsSync(js)) return { file: js, ts: false }
  }
  const ts = join(__dirname, 'live-relay.ts')
  return existsSync(ts) ? { file: ts, ts: true } : null
}

function pick(env: NodeJS.ProcessEnv, names: readonly string[]): NodeJS.ProcessEnv {
  return Object.fromEntries(names.filter((n) => env[n] !== undefined).map((n) => [n, env[n]]))
}

export interface LiveHandoff {
  /**
   * Hands the request's connection to the relay process, which answers it with the
   * stream at `target`; false when it cannot (the caller answers on this loop instead).
   * The studio's server keeps its own end of the connection until the relay reports
   * it closed, so its connection caps still count the viewer.
   */
  take(req: IncomingMessage, target: string): boolean
  /** Viewers handed over and not yet closed. */
  readonly open: number
  /** The relay process, while one runs. */
  readonly pid: number | undefined
  close(): void
}

/**
 * The watch page's streams out of the main loop: Node cannot move a socket to a
 * worker thread, but it can send one to a child process (as cluster does), so the
 * studio's server routes and checks a /live/ request as any other and then gives its
 * connection to a small relay process (live-relay.ts) that copies the stream from the
 * media plane's local HTTP-FLV server. The child is started at the first viewer and
 * again after it exits.
 */
export function startLiveHandoff(opts: { warn?: (line: string) => void } = {}): LiveHandoff {
  const warn = opts.warn ?? ((line: string) => process.stderr.write(`${line}\n`))
  const held = new Map<number, Socket>()
  let child: ChildProcess | null = null
  let fallbackUntil = 0
  let nextId = 1
  let closed = false
  let warned = false

  const release = (id: number): void => {
    const socket = held.get(id)
    held.delete(id)
    socket?.destroy()
  }

  const spawn = (): ChildProcess | null => {
    const entry = relayEntry()
    if (!entry) {
      if (!warned) warn('[studio] The live relay (live-relay.js) is missing: watch-page streams run on the main loop.')
      warned = true
      return null
    }
    const c = fork(entry.file, [], {
      // From sources: TypeScript through tsx (resolved here, not from the working folder).
      execArgv: entry.ts ? ['--require', createRequire(__filename).resolve('tsx/cjs')] : [],
      // It needs no setting and no secret: only what a Node process needs to start.
      env: pick(process.env, ['PATH', 'SystemRoot', 'TMPDIR', 'TEMP', 'TMP', 'HOME', 'USERPROFILE']),
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      serialization: 'json'
    })
    let ready = false
    c.on('message', (m: FromRelay) => {
      if (m?.t === 'ready') ready = true
      else if (m?.t === 'closed') release(m.id)
    })
    c.on('error', () => {})
    c.on('exit', (code, signal) => {
      if (child === c) child = null
      // Its viewers are cut with it; players reconnect to a fresh relay.
      for (const id of [...held.keys()]) release(id)
      if (!closed && !ready) {
        fallbackUntil = Date.now() + FALLBACK_MS
        warn(
          `[studio] The live relay exited before it started (${signal ?? `exit code ${code}`}): ` +
            `watch-page streams run on the main loop for ${FALLBACK_MS / 1000} s.`
        )
      }
    })
    return c
  }

  return {
    take(req, target) {
      if (closed || Date.now() < fallbackUntil) return false
      const socket = req.socket
      // Only a lone GET is handed over: bytes already read past it would be lost on the way.
      if (socket.readableLength > 0) return false
      child ??= spawn()
      if (!child?.connected) return false
      const id = nextId++
      // The socket's native handle, not the socket: for a socket a net.Server accepted, Node
      // starts tracking the child as the server's "worker", and once that child has exited
      // the server's close() never calls back. keepOpen: this side keeps its descriptor (and
      // its slot in the server's caps) until the relay is done with the connection.
      const handle = (socket as unknown as { _handle: unknown })._handle as Socket | undefined
      if (!handle) return false
      held.set(id, socket)
      socket.once('close', () => held.delete(id))
      const message: ToRelay = { t: 'live', id, target }
      child.send(message, handle, { keepOpen: true }, (err) => {
        if (err) release(id)
      })
      return true
    },
    get open() {
      return held.size
    },
    get pid() {
      return child?.pid
    },
    close() {
      closed = true
      child?.kill()
      child = null
      for (const id of [...held.keys()]) release(id)
    }
  }
}
