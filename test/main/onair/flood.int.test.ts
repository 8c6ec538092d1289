import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import type { Core } from '../../../src/main/core/core'
import { callCore, openCore } from '../../../src/main/cli/open-core'
import type { OnAirEngine } from '../../../src/main/onair/engine'
import { ONAIR } from '../../../src/main/services'
import { startStudioServer, type StudioServer } from '../../../src/main/server/studio-server'
import { tempDir } from '../../helpers/tmp'
import { repoRoot } from '../../helpers/cli'
import { freePort } from '../../fixtures/rtmp'

/**
 * Issue 12 item 4: unauthenticated clients cannot make the studio grow. A local
 * outsider floods the embedded server with refused publishes (RTMP, HTTP POST,
 * WebSocket), plays of streams that do not exist, garbage and idle connections,
 * and the studio server with idle connections; the log, the server's sessions and
 * the connections held stay bounded, and the channel stays on air.
 */
const FLOOD = 150

interface FloodResult {
  publishAccepted: number
  publishRefused: number
  playsAccepted: number
  playsRefused: number
  http: Record<string, number>
  wsRefused: number
  garbage: number
  heldRtmp: number
  heldHttp: number
  heldRtmpAfterIdle: number
  error?: string
}

function runFlood(rtmpPort: number, httpPort: number, stream: string): Promise<FloodResult> {
  return new Promise((resolve, reject) => {
    const c = spawn(
      process.execPath,
      [join(repoRoot, 'test', 'fixtures', 'flood.cjs'), String(rtmpPort), String(httpPort), stream, String(FLOOD)],
      {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'inherit']
      }
    )
    let out = ''
    c.stdout.on('data', (d: Buffer) => (out += d.toString()))
    c.on('exit', () => {
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!) as FloodResult)
      } catch {
        reject(new Error(`flood client printed: ${out}`))
      }
    })
  })
}

const lines = (file: string): number => {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).length
  } catch {
    return 0
  }
}

describe('floods from unauthenticated clients stay bounded', () => {
  const tmp = tempDir()
  let core: Core
  let engine: OnAirEngine
  let channelId = 0
  let rtmpPort = 0
  let httpPort = 0
  let studio: StudioServer | null = null
  // The server runs in the media plane's thread: its sessions and streams are read through the engine.
  const server = (): ReturnType<OnAirEngine['inspectServer']> => engine.inspectServer()

  beforeAll(async () => {
    core = await openCore(tmp.dir)
    engine = core.services.get(ONAIR)
    rtmpPort = await freePort()
    httpPort = await freePort()
    await callCore(core, 'onair.settings.update', { rtmpPort, httpPort })
    channelId = (await callCore(core, 'library.channels.create', { name: 'Flooded' })).id
  }, 60_000)

  afterAll(async () => {
    await studio?.close()
    await core?.close()
    tmp.cleanup()
  })

  it('the embedded RTMP/HTTP-FLV server: bounded log, sessions and connections; the channel stays live', async () => {
    const st = await callCore(core, 'onair.start', { channelId }) // an empty timeline airs the standby slate
    // The channel's own readers (the HLS copy tap, on by default) join the stream
    // just after Go Live: take the baseline once the session count has held for 3 s.
    for (let last = -1, since = Date.now(), until = Date.now() + 20_000; Date.now() < until;) {
      const n = (await server()).sessions
      if (n !== last) [last, since] = [n, Date.now()]
      else if (Date.now() - since >= 3000) break
      await new Promise((r) => setTimeout(r, 200))
    }
    const logBefore = lines(engine.logFile)
    const { sessions: sessionsBefore, broadcasts: broadcastsBefore } = await server()
    const rssBefore = process.memoryUsage().rss
    const r = await runFlood(rtmpPort, httpPort, st.stream)
    console.log(`[flood] client saw ${JSON.stringify(r)}`)
    expect(r.error).toBeUndefined()
    // Nothing got through.
    expect(r.publishAccepted).toBe(0)
    expect(r.publishRefused).toBe(FLOOD)
    expect(r.playsAccepted).toBe(0)
    expect(r.http['POST 200'] ?? 0).toBe(0)
    expect(r.http['GET 200'] ?? 0).toBe(0)
    expect(r.wsRefused).toBe(FLOOD)
    // Idle connections: capped per address, then closed.
    expect(r.heldRtmp).toBeLessThanOrEqual(32)
    // HTTP-FLV holds loopback to its total cap only (watch-page viewers come through the studio's proxy).
    expect(r.heldHttp).toBeLessThanOrEqual(1024)
    expect(r.heldRtmpAfterIdle).toBe(0)
    // The log took a handful of lines, not one per refusal. The channel's own playout
    // lines (late clip boundaries on a machine this busy) are not the flood's: they are
    // capped by the boundary log, tested on its own.
    const added = readFileSync(engine.logFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .slice(logBefore)
      .filter((l) => !l.includes(`[${st.stream}]`))
    const logged = added.length
    expect(logged, added.slice(0, 20).join('\n')).toBeLessThanOrEqual(12)
    const refused = (await server()).refused
    expect(refused).toBeGreaterThanOrEqual(FLOOD * 3)
    // Sessions and stream entries went back to what they were.
    await expect.poll(async () => (await server()).sessions, { timeout: 20_000 }).toBeLessThanOrEqual(sessionsBefore)
    expect((await server()).broadcasts).toBeLessThanOrEqual(broadcastsBefore)
    console.log(
      `[flood] ${FLOOD}× each kind: refused ${refused}, log +${logged} lines, ` +
        `RSS ${(rssBefore / 2 ** 20).toFixed(0)} → ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`
    )
    const status = await callCore(core, 'onair.status', { channelId })
    expect(status.channels[0]!.state).toBe('live')
    await callCore(core, 'onair.stop', { channelId })
  }, 120_000)

  it('the studio server: idle connections are capped per address', async () => {
    const rendererDir = join(tmp.dir, 'renderer')
    mkdirSync(rendererDir, { recursive: true })
    writeFileSync(join(rendererDir, 'watch.html'), '<!doctype html><title>watch</title>')
    studio = await startStudioServer({ core, rendererDir, port: 0 })
    const sockets = Array.from({ length: 200 }, () => {
      const s = connect(studio!.port, '127.0.0.1')
      const state = { open: true, connected: false }
      s.on('error', () => {})
      s.on('connect', () => (state.connected = true))
      s.on('close', () => (state.open = false))
      return { s, state }
    })
    const open = (): number => sockets.filter((x) => x.state.open).length
    // Once the server has taken every connection (each connected or closed: slow on a busy
    // machine), the refused ones close at once: down to the cap (32 per address + 32 reserve)
    // well before any idle deadline (2 s for the reserve, 10 s for the rest) could do it instead.
    await expect
      .poll(() => sockets.every((x) => x.state.connected || !x.state.open), {
        timeout: 30_000,
        message: 'every connection taken or closed'
      })
      .toBe(true)
    await expect.poll(open, { timeout: 5000, interval: 50, message: 'open connections' }).toBeLessThanOrEqual(64)
    for (const x of sockets) x.s.destroy()
    // Once the flood lets go, it answers again (as soon as the server has seen the closes).
    await expect
      .poll(
        () =>
          fetch(`${studio!.baseUrl}/api/public/channels`, { signal: AbortSignal.timeout(5000) }).then(
            (r) => r.status,
            String
          ),
        { timeout: 30_000, message: 'the studio answers again' }
      )
      .toBe(200)
    // Two hundred connections from a process that may share a busy machine: the limit is a hang guard.
  }, 120_000)
})
