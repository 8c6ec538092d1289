import type { ComfyEndpoint, ComfyEndpointStatus } from '../../../shared/contract/comfyui'
import { ComfyClient } from './client'

interface Health {
  state: 'unknown' | 'up' | 'down'
  failures: number
  lastError: string | null
  retryAt: number | null
  checkedAt: number | null
  probing: boolean
}

const PROBE_BASE_MS = 1000
/** Probes are one small GET: a returning GPU is put back within a few seconds. */
const PROBE_CAP_MS = 5000

export function probeDelayMs(failures: number): number {
  return Math.min(PROBE_CAP_MS, PROBE_BASE_MS * 2 ** Math.max(0, failures - 1))
}

/**
 * The health of a pool of GPU servers, as the workers saw it. A server that is
 * unreachable (or dropped a running prompt) is taken out and probed with
 * growing pauses (GET /system_stats) until it answers; then it takes jobs again.
 * Slots per server are counted by the workers (their per-resource concurrency).
 */
export class EndpointPool {
  private readonly health = new Map<string, Health>()

  constructor(
    private readonly onBack: () => void,
    private readonly tokenFor: (url: string) => Promise<string | undefined> = async () => undefined
  ) {}

  private get(url: string): Health {
    let h = this.health.get(url)
    if (!h) {
      h = { state: 'unknown', failures: 0, lastError: null, retryAt: null, checkedAt: null, probing: false }
      this.health.set(url, h)
    }
    return h
  }

  isDown(url: string): boolean {
    return this.get(url).state === 'down'
  }

  /**
   * A server for a job: its pinned one (it has the job's prompt) while that is not known down,
   * else the free one with the most room. null = wait.
   */
  pick(endpoints: ComfyEndpoint[], used: (url: string) => number, pinned?: string): ComfyEndpoint | null {
    const pin = pinned ? endpoints.find((e) => e.url === pinned) : undefined
    if (pin && !this.isDown(pin.url)) return used(pin.url) < pin.concurrency ? pin : null
    let best: ComfyEndpoint | null = null
    let room = 0
    for (const e of endpoints) {
      if (this.isDown(e.url)) continue
      const free = e.concurrency - used(e.url)
      if (free > room) {
        best = e
        room = free
      }
    }
    return best
  }

  ok(url: string): void {
    const h = this.get(url)
    h.state = 'up'
    h.failures = 0
    h.lastError = null
    h.retryAt = null
    h.checkedAt = Date.now()
  }

  down(url: string, message: string): void {
    const h = this.get(url)
    h.failures++
    h.state = 'down'
    h.lastError = message
    h.checkedAt = Date.now()
    h.retryAt = Date.now() + probeDelayMs(h.failures)
  }

  /** Probe the servers whose pause is over; call often (each scheduler tick). */
  probeDue(now = Date.now()): void {
    for (const [url, h] of this.health) {
      if (h.state !== 'down' || h.probing || (h.retryAt ?? 0) > now) continue
      h.probing = true
      void this.probe(url).finally(() => {
        h.probing = false
      })
    }
  }

  async probe(url: string): Promise<boolean> {
    try {
      await new ComfyClient(url, await this.tokenFor(url)).systemStats()
      const wasDown = this.isDown(url)
      this.ok(url)
      if (wasDown) this.onBack()
      return true
    } catch (err) {
      this.down(url, err instanceof Error ? err.message : String(err))
      return false
    }
  }

  status(endpoints: ComfyEndpoint[], used: (url: string) => number): ComfyEndpointStatus[] {
    return endpoints.map((e) => {
      const h = this.get(e.url)
      return {
        url: e.url,
        concurrency: e.concurrency,
        state: h.state,
        running: used(e.url),
        failures: h.failures,
        lastError: h.lastError,
        retryAt: h.state === 'down' ? h.retryAt : null,
        checkedAt: h.checkedAt
      }
    })
  }
}
