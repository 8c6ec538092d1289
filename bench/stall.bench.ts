/**
 * A stalled main loop against the air (issue 22 item 1): one channel on air through
 * the on-air engine, a real viewer (ffmpeg on the HTTP-FLV stream, its packets
 * stamped in a process of their own), and the studio's main loop blocked for 2 s,
 * twice, as a long synchronous task or a GC pause would. Printed per case: the
 * worst freeze a player with no buffer of its own shows (airReport), and its ratio
 * to the baseline measured in the same run:
 *   - baseline: the media plane in its worker thread (as shipped), no stall;
 *   - stalled: the same, with the two stalls;
 *   - stalled, media plane on the main loop: the engine told to host the media plane
 *     inline (the architecture before issue 22), with the same stalls.
 * Seconds measured per case: WEBTV_STALL_S (default 10).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EventBus } from '../src/main/core/events'
import { OnAirEngine } from '../src/main/onair/engine'
import type { MediaHost } from '../src/main/onair/media-plane'
import { makeHouseClip } from '../src/main/onair/slate'
import { FilePlaylistSource } from '../src/main/onair/timeline'
import { FileSecretStore } from '../src/main/secrets/store'
import { DEFAULT_HOUSE_FORMAT } from '../src/shared/house-format'
import { freePort } from '../test/fixtures/rtmp'
import { airReport, startAirViewer } from '../test/fixtures/air-viewer'

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

function blockMainLoop(ms: number): void {
  const from = Date.now()
  while (Date.now() - from < ms) {
    /* busy */
  }
}

interface Case {
  name: string
  host: MediaHost
  stall: boolean
}

async function measure(dir: string, c: Case, seconds: number): Promise<number> {
  const dataDir = join(dir, c.name.replace(/\W+/g, '-'))
  const source = new FilePlaylistSource(join(dir, 'playlists'))
  const engine = new OnAirEngine({
    dataDir,
    bus: new EventBus(),
    secrets: () => new FileSecretStore(dataDir),
    source: () => source,
    mediaHost: c.host
  })
  try {
    engine.usePorts({ rtmpPort: await freePort(), httpPort: await freePort() })
    const st = await engine.start(1)
    const viewer = startAirViewer(st.flvUrl!, { stampOutside: true })
    try {
      const deadline = Date.now() + 60_000
      while (Date.now() < deadline) {
        const first = viewer.packets[0]?.at
        if (first !== undefined && viewer.packets.some((p) => p.at > first + 2000)) break
        await sleep(100)
      }
      const from = Date.now()
      const third = (seconds * 1000) / 3
      await sleep(third - 1000)
      if (c.stall) blockMainLoop(2000)
      await sleep(third - 1000)
      if (c.stall) blockMainLoop(2000)
      await sleep(third)
      const r = airReport(viewer.packets, from)
      if (r.mediaS < seconds / 2) throw new Error(`${c.name}: the viewer received only ${r.mediaS.toFixed(1)} s`)
      return r.freezeMaxS
    } finally {
      await viewer.stop()
    }
  } finally {
    await engine.close()
  }
}

export default async function run(): Promise<void> {
  const seconds = Number(process.env.WEBTV_STALL_S ?? 10)
  const dir = mkdtempSync(join(tmpdir(), 'webtv-bench-stall-'))
  try {
    const frames = [24, 30, 36, 42]
    const paths = await Promise.all(
      frames.map((frames, i) =>
        makeHouseClip({
          format: DEFAULT_HOUSE_FORMAT,
          frames,
          video: 'testsrc2',
          toneHz: 300 + 100 * i,
          output: join(dir, `c${i}.ts`)
        })
      )
    )
    new FilePlaylistSource(join(dir, 'playlists')).write({
      id: 1,
      name: 'Stall bench',
      format: DEFAULT_HOUSE_FORMAT,
      items: paths.map((path, i) => ({
        itemId: i + 1,
        path,
        durationMs: ((frames[i] ?? 0) * 1000) / DEFAULT_HOUSE_FORMAT.fps
      }))
    })
    const cases: Case[] = [
      { name: 'baseline (worker, no stall)', host: 'worker', stall: false },
      { name: 'two 2 s main-loop stalls (worker)', host: 'worker', stall: true },
      { name: 'two 2 s main-loop stalls (media plane on the main loop)', host: 'inline', stall: true }
    ]
    let base = 0
    for (const c of cases) {
      const freeze = await measure(dir, c, seconds)
      if (c === cases[0]) base = freeze
      const ratio = base > 0 ? `×${(freeze / base).toFixed(1)} the baseline` : 'baseline'
      console.log(`[stall] ${c.name}: worst freeze ${freeze.toFixed(3)} s (${c === cases[0] ? 'baseline' : ratio})`)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
