import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { isPidAlive } from '../process/pid-alive'
import type { StudioSnapshot } from './snapshot'

/** How often a process with channels on air refreshes its status file. */
export const BEACON_PERIOD_MS = 2000
/** A status file older than this comes from a hung (or suspended) process. */
export const BEACON_STALE_MS = 15_000

export function beaconDir(dataDir: string): string {
  return join(dataDir, 'run')
}

/**
 * `webtv status` runs in its own process; the channels are on air in another
 * (`webtv serve`, `webtv air`, the desktop app). Each of those keeps its snapshot —
 * names, states and numbers, never a URL or key — in <dataDir>/run/status-<pid>.json
 * while it has something on air, and removes it when it has not.
 */
export class StatusBeacon {
  private timer: NodeJS.Timeout | null = null
  private readonly file: string

  constructor(
    private readonly dataDir: string,
    private readonly snapshot: () => StudioSnapshot
  ) {
    this.file = join(beaconDir(dataDir), `status-${process.pid}.json`)
  }

  /** Call on every on-air state change: starts, refreshes or stops the beacon. */
  update(anyOnAir: boolean): void {
    if (anyOnAir) {
      this.write()
      if (!this.timer) {
        this.timer = setInterval(() => this.write(), BEACON_PERIOD_MS)
        this.timer.unref()
      }
    } else this.stop()
  }

  private write(): void {
    try {
      mkdirSync(beaconDir(this.dataDir), { recursive: true })
      const tmp = `${this.file}.tmp`
      writeFileSync(tmp, JSON.stringify(this.snapshot()), { mode: 0o600 })
      chmodSync(tmp, 0o600)
      renameSync(tmp, this.file)
    } catch {
      /* status reporting must never disturb what is on air */
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    rmSync(this.file, { force: true })
  }
}

export interface BeaconRead {
  pid: number
  snapshot: StudioSnapshot
  stale: boolean
}

/** Status files of live processes on this data folder; files of dead ones are removed. */
export function readBeacons(dataDir: string, now = Date.now()): BeaconRead[] {
  const dir = beaconDir(dataDir)
  if (!existsSync(dir)) return []
  const out: BeaconRead[] = []
  for (const name of readdirSync(dir)) {
    const m = /^status-(\d+)\.json$/.exec(name)
    if (!m) continue
    const pid = Number(m[1])
    const file = join(dir, name)
    if (pid !== process.pid && !isPidAlive(pid)) {
      rmSync(file, { force: true })
      continue
    }
    try {
      const snapshot = JSON.parse(readFileSync(file, 'utf8')) as StudioSnapshot
      out.push({ pid, snapshot, stale: now - snapshot.at > BEACON_STALE_MS })
    } catch {
      /* being replaced right now; the next read sees it */
    }
  }
  return out
}
