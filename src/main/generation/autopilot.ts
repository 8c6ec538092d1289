import type { Library } from '../library'
import { getAutopilot, getBackends, autopilotChannels, setAutopilot } from './settings'
import type { GenerationService } from './service'
import { backendFor } from './backends'

/**
 * What the on-air engine may offer: seconds of airable material after the clip on
 * air. Without it (or when the channel is off air) the whole playlist counts.
 */
export interface RunwayProbe {
  runwaySeconds?(channelId: number): number | undefined
}

const CHECK_EVERY_MS = 5000

/**
 * Keeps at least M minutes of material ahead of the air per channel: when the
 * runway (ready + being generated) runs short, asks the writer for the next
 * sequence and enqueues it. One write at a time per channel.
 */
export class Autopilot {
  private timer: NodeJS.Timeout | undefined
  private readonly busy = new Set<number>()

  constructor(
    private readonly lib: Library,
    private readonly generation: GenerationService,
    private readonly onair: () => RunwayProbe | undefined
  ) {}

  /** Seconds of ready, approved, airable material ahead of the air. */
  runwaySeconds(channelId: number): number {
    const probe = this.onair()
    const fromEngine = probe?.runwaySeconds?.(channelId)
    if (typeof fromEngine === 'number') return fromEngine
    // A sum in SQL: reading a 30,000-item playlist row by row took seconds of the main loop per status call.
    return this.lib.airableDurationMs(channelId) / 1000
  }

  /** Seconds the jobs in flight will add once ready (estimated from the clip length). */
  pendingSeconds(channelId: number): number {
    const s = getBackends(this.lib, channelId)
    const perShot = backendFor(s.video).clipSeconds?.(s) ?? 3
    return this.generation.store.activeCount(channelId) * perShot
  }

  start(): void {
    if (this.timer) return
    this.timer = setInterval(() => void this.checkAll(), CHECK_EVERY_MS)
    void this.checkAll()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
  }

  async checkAll(): Promise<void> {
    for (const id of autopilotChannels(this.lib)) await this.check(id)
  }

  /** One decision for one channel; returns the sequence it enqueued, if any. */
  async check(channelId: number): Promise<number | undefined> {
    if (this.busy.has(channelId)) return undefined
    let cfg
    try {
      cfg = getAutopilot(this.lib, channelId)
      if (!cfg.enabled) return undefined
      this.lib.getChannel(channelId)
    } catch {
      return undefined // the channel was deleted
    }
    const ahead = this.runwaySeconds(channelId) + this.pendingSeconds(channelId)
    if (ahead >= cfg.minutesAhead * 60) return undefined
    this.busy.add(channelId)
    try {
      const channel = this.lib.getChannel(channelId)
      const theme = cfg.theme || channel.theme
      if (!theme) {
        setAutopilot(this.lib, channelId, {
          lastError: 'The autopilot needs a theme: set one for the channel or in the autopilot settings.'
        })
        return undefined
      }
      // The request id makes a crash between "enqueued" and "counted" harmless: the same sequence is found, not made twice.
      const r = await this.generation.enqueueTheme(channelId, theme, cfg.shotsPerSequence, undefined, {
        requestId: `autopilot-${cfg.sequences}`,
        variation: cfg.sequences
      })
      setAutopilot(this.lib, channelId, { sequences: cfg.sequences + 1, lastError: null })
      return r.sequenceId
    } catch (err) {
      setAutopilot(this.lib, channelId, { lastError: err instanceof Error ? err.message : String(err) })
      return undefined
    } finally {
      this.busy.delete(channelId)
    }
  }
}
