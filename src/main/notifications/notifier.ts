import type { EventBus } from '../core/events'
import type { EventPayload } from '../../shared/contract'
import { notificationSchema, type NotificationKind, type StudioNotification } from '../../shared/contract/notifications'
import type { GateService } from '../checks/service'
import { gateRunwayRisk, GATE_RECENT_TAKES } from './gate-runway'
import { causeKey, NotificationLimiter, NOTIFY_WINDOW_MS, type LimiterClock } from './limiter'
import { RunwayWatch, RUNWAY_WARN_S, type RunwayVerdict } from './runway'
import { scrubSecrets } from './scrub'

/** What the notifier reads of the on-air engine (names, runway, redaction). */
export interface NotifierEngine {
  observe(): Array<{
    channelId: number
    name: string
    now: { slate: boolean } | null
    destinations: Array<{ id: string; name: string }>
  }>
  runwaySeconds(channelId: number): number | undefined
  readonly redactor: { text(s: string): string }
}

export interface NotifierDeps {
  bus: EventBus
  onair: () => NotifierEngine | undefined
  /** Channel names and the timeline's airable length. */
  channelName: (channelId: number) => string | undefined
  airableSeconds: (channelId: number) => number
  /** Every stored secret, to scrub from the text (stream keys, tokens). */
  secrets: () => Promise<string[]>
  /** The quality gate, where it runs: its log says when takes keep failing. */
  gate?: () => Pick<GateService, 'channel' | 'recentTakes' | 'heldSince' | 'onSettled'> | undefined
  windowMs?: number
  runwayWarnS?: number
  clock?: LimiterClock
}

function formatSeconds(s: number): string {
  const r = Math.max(0, Math.round(s))
  if (r < 60) return `${r} s`
  const m = Math.floor(r / 60)
  return r % 60 ? `${m} min ${r % 60} s` : `${m} min`
}

/**
 * The one notifier of the studio: watches the engine's and the generation queue's
 * events, decides what an operator must hear about, and emits `notifications.notification`
 * — at most one per cause per minute (see NotificationLimiter) — for every window, tab
 * and the desktop shell alike. Causes: a destination that drops (reconnecting after it
 * was live, or stopped with an error), a channel in error, a runway about to run out,
 * a generation job that failed for good (no retry left). A recovery clears the notice.
 */
export class Notifier {
  private readonly limiter: NotificationLimiter
  private readonly runway: RunwayWatch
  /** Destinations that are down, by cause: 'reconnecting' or 'error'. */
  private readonly destDown = new Map<string, string>()
  private readonly failedJobs = new Set<string>()
  private readonly offs: Array<() => void> = []
  private chain: Promise<void> = Promise.resolve()
  private runwayTimer: NodeJS.Timeout | null = null

  constructor(private readonly deps: NotifierDeps) {
    this.limiter = new NotificationLimiter(
      (n) => {
        // Checked against the contract before it goes out; a bad one is logged, never thrown
        // (this may run from a timer, where a throw would take the process down).
        const checked = notificationSchema.safeParse(n)
        if (checked.success) this.deps.bus.emit('notifications.notification', checked.data)
        else console.error('[webtv] notification dropped, not valid:', checked.error.issues[0]?.message)
      },
      deps.windowMs ?? NOTIFY_WINDOW_MS,
      deps.clock
    )
    this.runway = new RunwayWatch(deps.runwayWarnS ?? RUNWAY_WARN_S)
  }

  /** Listen to the engine's and the queue's events (cheap: nothing runs until one comes). */
  start(): void {
    this.offs.push(
      this.deps.bus.on('onair.state', (e) => this.onAirState(e)),
      this.deps.bus.on('generation.job', (e) => this.onJob(e))
    )
    const gate = this.deps.gate?.()
    if (gate) this.offs.push(gate.onSettled((channelId) => this.checkGate(channelId)))
  }

  /** Look at each channel's runway every few seconds (long-running processes only). */
  watchRunway(everyMs = 5000): void {
    if (this.runwayTimer) return
    this.runwayTimer = setInterval(() => this.checkRunway(), everyMs)
    this.runwayTimer.unref?.()
  }

  /** Resolves once every notification decided so far has been emitted (tests). */
  settled(): Promise<void> {
    return this.chain
  }

  close(): void {
    for (const off of this.offs.splice(0)) off()
    if (this.runwayTimer) clearInterval(this.runwayTimer)
    this.runwayTimer = null
    this.limiter.close()
  }

  // ---- causes ---------------------------------------------------------------

  private onAirState(e: EventPayload<'onair.state'>): void {
    if (e.destinationId === null) {
      const cause = { kind: 'channel-error' as const, channelId: e.channelId, subject: null }
      if (e.state === 'error') {
        this.raise(cause, 'error', `${this.channel(e.channelId)} stopped with an error`, e.message ?? '')
      } else if (e.state === 'live' || e.state === 'offline') {
        this.clear(cause, `${this.channel(e.channelId)} is ${e.state === 'live' ? 'back on air' : 'off air'}`)
        if (e.state === 'offline') this.checkRunway()
      }
      return
    }
    const cause = { kind: 'destination-dropped' as const, channelId: e.channelId, subject: e.destinationId }
    const key = causeKey(cause)
    const before = this.destDown.get(key)
    // A planned reconnect (attempt 0, before a platform's session limit) is not a drop.
    const dropped = e.state === 'error' || (e.state === 'reconnecting' && e.attempt !== 0)
    const dest = this.destinationName(e.channelId, e.destinationId)
    if (dropped) {
      this.destDown.set(key, e.state)
      // One notice per outage: the retries of a destination that is down are not news;
      // running out of retries (reconnecting → error) is.
      if (before === e.state || before === 'error') return
      const body =
        e.state === 'error'
          ? `${this.channel(e.channelId)}: ${e.message ?? 'the destination stopped'}. It will not retry on its own; fix it, then Retry in Go Live.`
          : `${this.channel(e.channelId)}: the connection was lost${e.message ? ` (${e.message})` : ''}. Retrying${e.attempt ? ` (attempt ${e.attempt})` : ''}.`
      this.raise(cause, 'error', `${dest} dropped`, body)
    } else if (e.state === 'live' || e.state === 'offline') {
      // Back (or stopped on purpose): the outage is over, its notice goes.
      this.destDown.delete(key)
      this.clear(cause, `${dest} is ${e.state === 'live' ? 'live again' : 'stopped'}`)
    }
  }

  private onJob(e: EventPayload<'generation.job'>): void {
    const cause = { kind: 'job-failed' as const, channelId: e.channelId, subject: e.jobId }
    const key = causeKey(cause)
    if (e.state === 'failed') {
      if (this.failedJobs.has(key)) return
      this.failedJobs.add(key)
      const what = e.kind === 'music' ? 'Music' : e.shotId !== null ? `Shot ${e.shotId}` : `Job ${e.jobId}`
      this.raise(
        cause,
        'error',
        `Generation failed for good: ${what}`,
        `${this.channel(e.channelId)}, job ${e.jobId}${e.attempts > 1 ? ` after ${e.attempts} attempts` : ''}: ${e.error ?? 'no reason given'}`
      )
    } else if (this.failedJobs.delete(key)) {
      // Retried by hand (back in the queue), or canceled: the failure is no longer the news.
      this.clear(cause, `Job ${e.jobId} is ${e.state}`)
    }
  }

  private checkRunway(): void {
    // Approving held shots or adding clips ends the risk without a gate event: look again.
    for (const channelId of this.gateAtRisk) this.checkGate(channelId, { raise: false })
    const engine = this.deps.onair()
    if (!engine) return
    const onAir = new Map(engine.observe().map((c) => [c.channelId, c]))
    const ids = new Set([...onAir.keys(), ...this.runwayChannels])
    for (const channelId of ids) {
      const obs = onAir.get(channelId)
      const runwayS = obs ? (engine.runwaySeconds(channelId) ?? 0) : 0
      const verdict: RunwayVerdict = this.runway.observe(channelId, {
        onAir: !!obs,
        runwayS,
        totalS: obs ? this.deps.airableSeconds(channelId) : 0,
        slate: obs?.now?.slate ?? false
      })
      if (obs) this.runwayChannels.add(channelId)
      else this.runwayChannels.delete(channelId)
      const cause = { kind: 'runway-low' as const, channelId, subject: null }
      const name = this.channel(channelId)
      if (verdict === 'low')
        this.raise(
          cause,
          'warning',
          `Runway low on ${name}`,
          `${formatSeconds(runwayS)} of new material left on the timeline; then it repeats from the start. Approve or add clips to keep it fresh.`
        )
      else if (verdict === 'slate')
        this.raise(
          cause,
          'warning',
          `${name} is airing the standby slate`,
          'Nothing on its timeline is ready to air. Approve or add clips to put it back on.'
        )
      else if (verdict === 'clear') this.clear(cause, `${name} has runway again`)
    }
  }

  private readonly runwayChannels = new Set<number>()
  /** Channels with a "takes keep failing" notice raised. */
  private readonly gateAtRisk = new Set<number>()

  /**
   * After the gate acted on a take: most recent takes failing while the channel's ready
   * material is under the runway threshold is news (its own cause, beside the plain
   * runway-low one, which knows nothing of why). A passing take or new material clears it.
   */
  private checkGate(channelId: number, opts = { raise: true }): void {
    try {
      this.gateRisk(channelId, opts.raise)
    } catch (err) {
      // Called from the gate's listener and a timer: a throw here would take the process down.
      console.error('[webtv] runway check failed:', err instanceof Error ? err.message : err)
    }
  }

  private gateRisk(channelId: number, raise: boolean): void {
    const gate = this.deps.gate?.()
    if (!gate) return
    const cause = { kind: 'runway-low' as const, channelId, subject: 'gate' }
    const engine = this.deps.onair()
    const onAir = !!engine?.observe().some((c) => c.channelId === channelId)
    const state = gate.channel(channelId)
    const runwayS = onAir ? (engine?.runwaySeconds(channelId) ?? 0) : this.deps.airableSeconds(channelId)
    const risk = state.enabled
      ? gateRunwayRisk(
          {
            recent: gate.recentTakes(channelId, GATE_RECENT_TAKES),
            runwayS,
            onAir,
            warnS: this.deps.runwayWarnS ?? RUNWAY_WARN_S,
            budgetLeft: state.budgetLeft,
            held: gate.heldSince(channelId, Date.now() - 3600_000)
          },
          formatSeconds
        )
      : null
    const name = this.channel(channelId)
    if (risk) {
      // The timer only clears: a notice is news when a take fails, not every few seconds.
      if (!raise) return
      this.gateAtRisk.add(channelId)
      this.raise(cause, 'warning', `Runway at risk on ${name}: takes keep failing`, risk.body)
    } else if (this.gateAtRisk.delete(channelId)) this.clear(cause, `${name} has runway again`)
  }

  // ---- helpers ----------------------------------------------------------------

  private channel(channelId: number): string {
    const fromEngine = this.deps
      .onair()
      ?.observe()
      .find((c) => c.channelId === channelId)?.name
    let name = fromEngine
    if (!name) {
      try {
        name = this.deps.channelName(channelId)
      } catch {
        name = undefined
      }
    }
    return name ? `"${name}"` : `Channel ${channelId}`
  }

  private destinationName(channelId: number, destinationId: string): string {
    const ch = this.deps
      .onair()
      ?.observe()
      .find((c) => c.channelId === channelId)
    const name = ch?.destinations.find((d) => d.id === destinationId)?.name
    return name ? `"${name}"` : `Destination ${destinationId}`
  }

  private raise(
    cause: { kind: NotificationKind; channelId: number; subject: string | number | null },
    level: StudioNotification['level'],
    title: string,
    body: string
  ): void {
    const at = Date.now()
    this.enqueue(async () => {
      const n = await this.compose(cause, level, title, body, at)
      this.limiter.raise(n)
    })
  }

  private clear(
    cause: { kind: NotificationKind; channelId: number; subject: string | number | null },
    title: string
  ): void {
    const at = Date.now()
    this.enqueue(async () => {
      this.limiter.clear(await this.compose(cause, 'info', title, '', at))
    })
  }

  /** In order, one at a time: a clear never overtakes the raise it clears. */
  private enqueue(fn: () => Promise<void>): void {
    this.chain = this.chain.then(fn).catch((err: unknown) => {
      console.error('[webtv] notification failed:', err instanceof Error ? err.message : err)
    })
  }

  private async compose(
    cause: { kind: NotificationKind; channelId: number; subject: string | number | null },
    level: StudioNotification['level'],
    title: string,
    body: string,
    at: number
  ): Promise<StudioNotification> {
    const secrets = await this.deps.secrets().catch(() => [] as string[])
    const engine = this.deps.onair()
    const clean = (s: string, max: number): string => {
      const t = scrubSecrets(engine ? engine.redactor.text(s) : s, secrets)
      return t.length > max ? `${t.slice(0, max - 1)}…` : t
    }
    return {
      action: 'raise',
      cause: causeKey(cause),
      kind: cause.kind,
      channelId: cause.channelId,
      level,
      title: clean(title, 200),
      body: clean(body, 1000),
      at
    }
  }
}
