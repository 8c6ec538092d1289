/**
 * The quality gate the library calls for every new take (library/rows.ts TakeGate):
 * run the checks on the conformed clip with the channel's own graphics masked,
 * decide by the channel's policy, store the results with the take, and tell the
 * listeners (the regenerator in feature.ts) what happened.
 */
import { join } from 'node:path'
import type { Channel, GateInput, GateTapInput, GateVerdict, TakeGate } from '../library/rows'
import { clipLook } from '../library/look'
import { pictureRect } from '../media/graphics'
import type { ServiceEndpoint } from './endpoints'
import { askedWords, studioMasks } from './masks'
import { readPolicy } from './policy'
import { checkRows } from './registry'
import { runChecks } from './run'
import { CheckTap } from './tap'
import type { CheckStore } from './store'
import type { CheckResult, TakeUnderCheck } from './types'

export interface GateDetails {
  results: CheckResult[]
  /** Failing checks that decide under the channel's policy. */
  failed: string[]
}

export interface GateEvent {
  channelId: number
  shotId: number
  takeId: number
  generated: boolean
  verdict: GateVerdict & { details: GateDetails }
  prompt: string
}

interface GateLibrary {
  dataDir: string
  getSetting(key: string): string | undefined
  setSetting(key: string, value: string): void
}

/** What the shot's plan says about sound and length (another feature writes the plan into `extra`). */
export function planOf(extra: Record<string, unknown> | null): { expectsAudio: boolean; plannedSeconds?: number } {
  const e = extra ?? {}
  const text = (v: unknown): boolean => typeof v === 'string' && v.trim().length > 0
  const expectsAudio = e.expectsAudio === true || text(e.narration) || text(e.dialogue) || text(e.speech)
  const planned = [e.plannedSeconds, e.durationSeconds].find((v) => typeof v === 'number' && v > 0) as
    number | undefined
  return planned === undefined ? { expectsAudio } : { expectsAudio, plannedSeconds: planned }
}

/** The take as the checks see it: the channel's graphics for this clip become masks. */
export function takeUnderCheck(input: GateInput, dataDir: string): TakeUnderCheck {
  return { ...checkedClip(input, dataDir), mp4: input.mp4, durationMs: input.durationMs }
}

/** The clip as the checks see it, before its conform (what the tap needs to know). */
export function checkedClip(input: GateTapInput, dataDir: string): Omit<TakeUnderCheck, 'mp4' | 'durationMs'> {
  const c: Channel = input.channel
  const { width: W, height: H } = c.format
  const look = clipLook(c.look, dataDir, { backend: input.backend, prompt: input.prompt, title: input.title })
  const src = input.sourceSize
  const plan = planOf(input.extra)
  return {
    width: W,
    height: H,
    expectsAudio: plan.expectsAudio,
    plannedSeconds: plan.plannedSeconds,
    loudnessTargetLufs: c.look.loudness.targetLufs,
    // The conform writes the house frame rate and always a sound track (silence when the source has none).
    fps: c.format.fps,
    hasAudio: true,
    masks: studioMasks({
      frameW: W,
      frameH: H,
      picture: src ? pictureRect(W, H, src.width, src.height) : undefined,
      look,
      // The offline stand-in writes its prompt along the bottom, like captions.
      captions: input.extra?.captions === true || Array.isArray(input.extra?.cues) || input.backend === 'offline'
    }),
    allowedWords: askedWords(input.prompt),
    // An import's "prompt" is its title: nothing for the judge to compare with.
    prompt: input.backend === null ? undefined : input.prompt
  }
}

export class QualityGate implements TakeGate {
  private readonly listeners = new Set<(e: GateEvent) => void>()

  constructor(
    private readonly lib: GateLibrary,
    private readonly store: CheckStore,
    /** The studio's judge, when one is set (checks/endpoints.ts). */
    private readonly judge: () => Promise<ServiceEndpoint | null> = async () => null
  ) {}

  onEvent(listener: (e: GateEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** The measuring pass for the take's conform to run beside its encoder; null when the channel has the gate off. */
  tap(input: GateTapInput): CheckTap | null {
    const policy = readPolicy(this.lib, input.channel.id)
    if (!policy.enabled) return null
    const clip = checkedClip(input, this.lib.dataDir)
    return new CheckTap({ ...clip, fps: clip.fps! }, join(this.lib.dataDir, 'tmp'), {
      ocr: checkRows.some((r) => r.needs.includes('ocr')),
      // Colour frames only where the judge may be asked (a few small JPEGs; whether one is set is known later).
      judge: policy.judge && clip.prompt !== undefined
    })
  }

  async inspect(input: GateInput, signal?: AbortSignal): Promise<GateVerdict & { details: GateDetails }> {
    const policy = readPolicy(this.lib, input.channel.id)
    // A channel with the gate off pays nothing for it.
    if (!policy.enabled) return { pass: true, reasons: [], details: { results: [], failed: [] } }
    let results: CheckResult[]
    try {
      // The pass made inside the conform, when it ran there (a gate's own tap); else the standalone pass.
      const pass = input.tap instanceof CheckTap ? (input.tap.result() ?? undefined) : undefined
      results = await runChecks(takeUnderCheck(input, this.lib.dataDir), {
        tmpRoot: join(this.lib.dataDir, 'tmp'),
        signal,
        judge: policy.judge ? await this.judge() : null,
        pass
      })
    } catch (err) {
      if (signal?.aborted) throw err
      // The checks themselves broke: nobody vouched for this clip, so a person looks at it.
      const reason = `The quality checks could not run (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); review it by eye.`
      results = [{ check: 'checks', verdict: 'fail', score: 1, frames: [], reason }]
    }
    const failed = results.filter(
      (r) => r.verdict === 'fail' && (r.check === 'checks' || policy.checks.includes(r.check))
    )
    return {
      pass: failed.length === 0,
      reasons: failed.map((r) => r.reason),
      details: { results, failed: failed.map((r) => r.check) }
    }
  }

  record(takeId: number, input: GateInput, verdict: GateVerdict): void {
    const details = verdict.details as GateDetails
    if (details.results.length === 0) return
    this.store.save(takeId, details.results)
    const ids = { shotId: input.shotId, takeId }
    this.store.log(input.channel.id, 'checked', ids)
    if (details.failed.length) this.store.log(input.channel.id, 'failed', ids, details.failed.join(','))
    const event: GateEvent = {
      channelId: input.channel.id,
      shotId: input.shotId,
      takeId,
      generated: input.backend !== null,
      verdict: verdict as GateEvent['verdict'],
      prompt: input.prompt
    }
    // After the library's transaction has committed (record runs inside it).
    setImmediate(() => {
      for (const l of this.listeners) l(event)
    })
  }
}
