import type { StudioSnapshot } from './snapshot'

export type HealthStatus = 'ok' | 'degraded' | 'failing'

export interface Health {
  status: HealthStatus
  /** 200 for ok and degraded, 503 for failing: what a supervisor acts on. */
  httpStatus: 200 | 503
  checkedAt: number
  uptimeS: number
  version: string
  channels: Array<{ name: string; state: string; destinations: Array<{ name: string; state: string }> }>
  problems: string[]
}

/** A channel's encoder may be restarting this long before the studio calls itself failing. */
export const ENCODER_GRACE_MS = 30_000

/**
 * The answer for supervisors (systemd, Docker, Kubernetes, uptime checks): failing
 * (503) only for what restarting the studio could cure — a channel that should be on
 * air is in error or its encoder has not come back for 30 s. A destination that is
 * reconnecting or refused its key makes the studio "degraded" (200): restarting
 * would not fix a remote ingest or a wrong key, and would drop every other viewer.
 */
export function healthOf(s: StudioSnapshot, now = Date.now()): Health {
  const problems: string[] = []
  let failing = false
  for (const c of s.channels) {
    if (c.state === 'error') {
      failing = true
      problems.push(`channel "${c.name}" is in error`)
    } else if (
      (c.state === 'reconnecting' || c.state === 'starting') &&
      c.since !== null &&
      now - c.since > ENCODER_GRACE_MS
    ) {
      failing = true
      problems.push(`channel "${c.name}" has been ${c.state} for ${Math.round((now - c.since) / 1000)} s`)
    } else if (c.state === 'reconnecting') problems.push(`channel "${c.name}" is restarting its encoder`)
    for (const d of c.destinations) {
      if (d.state === 'reconnecting' || d.state === 'error')
        problems.push(`destination "${d.name}" of "${c.name}" is ${d.state}`)
    }
    for (const [what, o] of [
      ['HLS', c.hls],
      ['recording', c.recording]
    ] as const) {
      if (o && c.state === 'live' && (o.state === 'error' || o.state === 'reconnecting'))
        problems.push(`${what} of "${c.name}" is ${o.state}`)
    }
  }
  const status: HealthStatus = failing ? 'failing' : problems.length ? 'degraded' : 'ok'
  return {
    status,
    httpStatus: failing ? 503 : 200,
    checkedAt: s.at,
    uptimeS: Math.round((now - s.startedAt) / 1000),
    version: s.version,
    channels: s.channels
      .filter((c) => c.state !== 'offline')
      .map((c) => ({
        name: c.name,
        state: c.state,
        destinations: c.destinations.map((d) => ({ name: d.name, state: d.state }))
      })),
    problems
  }
}
