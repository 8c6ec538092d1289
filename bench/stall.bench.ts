/**
 * A stalled main loop against the air (issue 22 item 1): one channel on air through
 * the on-air engine, two real viewers (ffmpeg, their packets stamped in a process of
 * their own): one on the local HTTP-FLV stream, one on the watch page's stream (the
 * studio server's /live/ route, the URL the watch page plays), and the studio's main
 * loop blocked for 2 s, twice, as a long synchronous task or a GC pause would. Printed
 * per case and viewer: the worst freeze a player with no buffer of its own shows
 * (airReport), and its ratio to the baseline measured in the same run:
 *   - baseline: the media plane in its worker thread and the watch page's stream in
 *     the live relay process (as shipped), no stall;
 *   - stalled: the same, with the two stalls;
 *   - stalled, watch page copied on the main loop: the studio server without its live
 *     relay (the watch page before it), with the same stalls;
 *   - stalled, media plane on the main loop: the engine told to host the media plane
 *     inline (the architecture before issue 22), with the same stalls.
 * Seconds measured per case: WEBTV_STALL_S (default 10).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Core } from '../src/main/core/core'
import { EventBus } from '../src/main/core/events'
import { startStudioServer } from '../src/main/server/studio-server'
import { ONAIR } from '../src/main/services'
import { OnAirEngine } from '../src/main/onair/engine'
import type { MediaHost } from '../src/main/onair/media-plane'
import { makeHouseClip } from '../src/main/onair/slate'
import { FilePlaylistSource } from '../src/main/onair/timeline'
import { FileSecretStore } from '../src/main/secrets/store'
import { DEFAULT_HOUSE_FORMAT } from '../src/shared/house-format'
import { freePort } from '../test/fixtures/rtmp'
import { airReport, startAirViewer, type AirViewer } from '../test/fixtures/air-viewer'

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
  /** The watch page's stream through the live relay process (false: copied on the main loop). */
  liveRelay: boolean
  stall: boolean
}

interface Freezes {
  flv: number
  watch: number
}

async function measure(dir: string, c: Case, seconds: number): Promise<Freezes> {
  const dataDir = join(dir, c.name.replace(/\W+/g, '-'))
  const source = new FilePlaylistSource(join(dir, 'playlists'))
  const engine = new OnAirEngine({
    dataDir,
    bus: new EventBus(),
    secrets: () => new FileSecretStore(dataDir),
    source: () => source,
    mediaHost: c.host
  })
  // The studio's server on a core with the one feature the watch page needs: this engine.
  const core = await Core.open({ dataDir, shell: 'headless', version: 'bench' }, [
    function onairOnly(ctx) {
      ctx.services.provide(ONAIR, engine)
      return {}
    }
  ])
  const studio = await startStudioServer({ core, rendererDir: dir, port: 0, liveRelay: c.liveRelay })
  try {
    engine.usePorts({ rtmpPort: await freePort(), httpPort: await freePort() })
    const st = await engine.start(1)
    const listed = (await (await fetch(`${studio.baseUrl}/api/public/channels`)).json()) as Array<{ flvPath: string }>
    const viewers = {
      flv: startAirViewer(st.flvUrl!, { stampOutside: true }),
      watch: startAirViewer(`${studio.baseUrl}${listed[0]!.flvPath}`, { stampOutside: true })
    }
    try {
      const deadline = Date.now() + 60_000
      const settled = (v: AirViewer): boolean => {
        const first = v.packets[0]?.at
        return first !== undefined && v.packets.some((p) => p.at > first + 2000)
      }
      while (Date.now() < deadline && !(settled(viewers.flv) && settled(viewers.watch))) await sleep(100)
      const from = Date.now()
      const third = (seconds * 1000) / 3
      await sleep(third - 1000)
      if (c.stall) blockMainLoop(2000)
      await sleep(third - 1000)
      if (c.stall) blockMainLoop(2000)
      await sleep(third)
      const freeze = (name: keyof Freezes): number => {
        const r = airReport(viewers[name].packets, from)
        if (r.mediaS < seconds / 2)
          throw new Error(`${c.name}: the ${name} viewer received only ${r.mediaS.toFixed(1)} s`)
        return r.freezeMaxS
      }
      return { flv: freeze('flv'), watch: freeze('watch') }
    } finally {
      await Promise.all([viewers.flv.stop(), viewers.watch.stop()])
    }
  } finally {
    await studio.close()
    await engine.close()
    await core.close()
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
      { name: 'baseline (worker, live relay, no stall)', host: 'worker', liveRelay: true, stall: false },
      { name: 'two 2 s main-loop stalls (worker, live relay)', host: 'worker', liveRelay: true, stall: true },
      {
        name: 'two 2 s main-loop stalls (worker, watch page copied on the main loop)',
        host: 'worker',
        liveRelay: false,
        stall: true
      },
      {
        name: 'two 2 s main-loop stalls (media plane and watch page on the main loop)',
        host: 'inline',
        liveRelay: false,
        stall: true
      }
    ]
    let base: Freezes | null = null
    const shown = (freeze: number, b: number): string =>
      `${freeze.toFixed(3)} s (${base === null ? 'baseline' : b > 0 ? `×${(freeze / b).toFixed(1)} the baseline` : 'baseline 0'})`
    for (const c of cases) {
      const f = await measure(dir, c, seconds)
      console.log(
        `[stall] ${c.name}: worst freeze HTTP-FLV ${shown(f.flv, base?.flv ?? 0)}, watch page ${shown(f.watch, base?.watch ?? 0)}`
      )
      base ??= f
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
