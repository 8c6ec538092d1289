import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync, copyFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toolPath } from '../../../src/main/media/ffmpeg-path'
import { CopyTap, recordArgs } from '../../../src/main/outputs/copy-tap'
import { RECORDING_FILE, finishRecordings } from '../../../src/main/outputs/recording-files'
import { tempDir } from '../../helpers/tmp'

/** Decodable as the outputs test reads it: ffprobe finds a duration. */
function duration(file: string): number {
  try {
    return Number(
      execFileSync(toolPath('ffprobe'), ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file], {
        encoding: 'utf8'
      }).trim()
    )
  } catch {
    return NaN
  }
}

function recordings(dir: string): string[] {
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((n) => RECORDING_FILE.test(n))
        .sort()
    : []
}

function undecodable(dir: string): string[] {
  return recordings(dir).filter((n) => !(duration(join(dir, n)) > 0))
}

async function until(what: string, fn: () => boolean, timeoutMs = 60_000, everyMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

/**
 * A live HTTP-FLV source like the local server's: a real-time encode with a keyframe
 * every second, so a recorder cutting 1 s segments opens a file at every keyframe.
 */
function startFlvSource(): Promise<{ url: string; close: () => Promise<void> }> {
  const encoders = new Set<ChildProcess>()
  const server: Server = createServer((req, res) => {
    const enc = spawn(
      toolPath('ffmpeg'),
      [
        ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-re'],
        ...['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440'],
        ...['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-c:a', 'aac', '-f', 'flv', 'pipe:1']
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] }
    )
    encoders.add(enc)
    res.writeHead(200, { 'content-type': 'video/x-flv' })
    enc.stdout.pipe(res)
    const end = (): void => {
      enc.kill('SIGKILL')
      encoders.delete(enc)
    }
    req.on('close', end)
    enc.on('exit', () => res.end())
  })
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      resolve({
        url: `http://127.0.0.1:${port}/live/test.flv`,
        close: async () => {
          for (const e of encoders) e.kill('SIGKILL')
          server.closeAllConnections()
          await new Promise<void>((r) => server.close(() => r()))
        }
      })
    })
  )
}

describe('the recording folder stays decodable through stop, kill and restart at segment boundaries', () => {
  const tmp = tempDir()
  let source: Awaited<ReturnType<typeof startFlvSource>>

  beforeAll(async () => {
    source = await startFlvSource()
  })
  afterAll(async () => {
    await source?.close()
    tmp.cleanup()
  })

  function recorder(dir: string): CopyTap {
    return new CopyTap({
      name: 'recording test',
      args: () => recordArgs(source.url, dir, 1),
      prepare: () => mkdirSync(dir, { recursive: true }),
      afterExit: () => finishRecordings(dir),
      log: () => {}
    })
  }

  /** Waits until the recorder opens a new file, then returns at once (the boundary). */
  async function nextBoundary(dir: string): Promise<void> {
    const before = recordings(dir).at(-1)
    await until('a new segment', () => {
      const last = recordings(dir).at(-1)
      return last !== undefined && last !== before
    })
  }

  it('finishRecordings removes empty, header-only and garbage files among the newest and keeps good ones', async () => {
    const dir = join(tmp.dir, 'unit')
    mkdirSync(dir, { recursive: true })
    const good = join(tmp.dir, 'good.ts')
    execFileSync(toolPath('ffmpeg'), [
      ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25:duration=1'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'mpegts', good]
    ])
    copyFileSync(good, join(dir, '20260101T000000Z.ts'))
    copyFileSync(good, join(dir, '20260101T000010Z.ts'))
    writeFileSync(join(dir, '20260101T000020Z.ts'), '')
    expect(await finishRecordings(dir)).toEqual(['20260101T000020Z.ts'])
    // A file holding only the stream's tables (PAT/PMT), as one cut just before a stop.
    const header = Buffer.alloc(188 * 2, 0xff)
    header[0] = 0x47
    header[188] = 0x47
    writeFileSync(join(dir, '20260101T000030Z.ts'), header)
    writeFileSync(join(dir, '20260101T000040Z.ts'), 'not a transport stream at all')
    expect(await finishRecordings(dir)).toEqual(['20260101T000030Z.ts', '20260101T000040Z.ts'])
    expect(recordings(dir)).toEqual(['20260101T000000Z.ts', '20260101T000010Z.ts'])
    expect(statSync(join(dir, '20260101T000010Z.ts')).size).toBeGreaterThan(0)
    // Nothing to do on a folder that is not there yet.
    expect(await finishRecordings(join(tmp.dir, 'none'))).toEqual([])
  })

  it('a stop just after a boundary leaves only decodable files', async () => {
    const dir = join(tmp.dir, 'stop')
    for (let round = 0; round < 3; round++) {
      const tap = recorder(dir)
      tap.start()
      await until('the recorder live', () => tap.state.state === 'live')
      await nextBoundary(dir)
      await nextBoundary(dir)
      await tap.stop()
      expect(undecodable(dir)).toEqual([])
    }
    expect(recordings(dir).length).toBeGreaterThanOrEqual(3)
  })

  it('a recorder killed just after a boundary restarts, and the file it left is finished or removed', async () => {
    const dir = join(tmp.dir, 'kill')
    const tap = recorder(dir)
    tap.start()
    try {
      await until('the recorder live', () => tap.state.state === 'live')
      for (let round = 0; round < 4; round++) {
        await nextBoundary(dir)
        const pid = tap.pid!
        // SIGKILL: ffmpeg's write buffer of the file it just opened never reaches the disk.
        process.kill(pid, 'SIGKILL')
        await until('the restart', () => tap.pid !== undefined && tap.pid !== pid, 60_000, 20)
        // Before the restart, the dead recorder's files were checked: all but the
        // one the new recorder writes decode.
        const done = recordings(dir)
        const writing = done.at(-1)
        expect(done.filter((n) => n !== writing && !(duration(join(dir, n)) > 0))).toEqual([])
      }
    } finally {
      await tap.stop()
    }
    expect(undecodable(dir)).toEqual([])
  })
})
