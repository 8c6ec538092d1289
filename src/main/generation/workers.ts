import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs'
import { extname, join, relative, sep } from 'node:path'
import type { BackendSettings, StepBackend } from '../../shared/contract/generation'
import type { Library } from '../library'
import { MediaRejectedError } from '../media/probe'
import type { SecretStore } from '../secrets'
import { redact } from '../secrets'
import { StudioError } from '../../shared/contract/define'
import { asGenerationError, GenerationError } from './errors'
import { probeDuration } from './ffmpeg-step'
import { backoffDelay } from '../core/backoff'
import { muxSegment, planSegments, shapeTrack, type Segment } from './music-bed'
import { getBackends } from './settings'
import { layMusicUnder } from '../show/sound'
import { EndpointPool } from './comfyui/pool'
import { comfyToken } from './comfyui/backend'
import { continuitySource, lastFrame } from './comfyui/continuity'
import {
  canExtend,
  fallbackFor,
  joinClips,
  lengthNote,
  lineSeconds,
  MAX_EXTENSIONS,
  needsMore,
  partName,
  slowClip,
  videoSeconds,
  type LengthState
} from './extend'
import { probe } from '../media/probe'
import type { RemoteRef } from './comfyui/run'
import type { ComfyEndpointStatus } from '../../shared/contract/comfyui'
import type { StepName } from '../../shared/contract/generation'
import type { Plan, StepInput, StepOutput, WorkerHost } from './backend'
import { backendFor } from './backends'
import { FINAL_STATES, type JobRow, type JobStore, type MusicPayload, type ShotPayload } from './store'
import { STOP_CANCEL, STOP_SHUTDOWN, type StepProgress } from './types'

export interface WorkerDeps {
  lib: Library
  store: JobStore
  dataDir: string
  secrets: SecretStore
  /** Called after every change of a job (state, step, progress). */
  onJobChange(job: JobRow): void
}

/** Thrown by a step that must wait (e.g. the library is still converting): back to the queue without costing an attempt. */
class NotYet extends Error {
  constructor(readonly retryInMs: number) {
    super('not yet')
  }
}

const SHUTDOWN = STOP_SHUTDOWN
const CANCEL = STOP_CANCEL
const TICK_MS = 400
/**
 * With no unfinished job anywhere, only a new job brings work, and every way one
 * arrives wakes the scheduler at once (an enqueue here, another process's commit
 * through the library's change watch). The slow tick is a safety net only, so an
 * idle studio is not woken 2.5 times a second for nothing.
 */
const IDLE_TICK_MS = 10_000
const PROGRESS_EVERY_MS = 250

/** Wait before retry `attempt` (1-based) of a job: doubles from `base`, up to 20 % jitter, capped at 5 minutes. */
export function backoffMs(base: number, attempt: number, random = Math.random): number {
  return backoffDelay({ initialMs: base, factor: 2, jitter: 0.2, maxMs: 5 * 60_000 }, attempt - 1, random)
}

/**
 * Runs jobs: picks runnable rows from SQLite, claims each for this process (so
 * several processes on one data folder never run the same job), runs ONE step of
 * it within the per-resource concurrency (a local ffmpeg slot, one Space copy,
 * the conform slot), persists that step's output and moves the job on. A crash
 * loses at most the step in progress; a restart resumes from the last finished
 * step. Started only by long-running commands (serve, generate, demo, air).
 */
export class GenerationWorkers {
  private readonly running = new Map<number, { controller: AbortController; resource: string }>()
  private readonly inFlight = new Map<string, number>()
  private timer: NodeJS.Timeout | undefined
  private ticking = false
  /** The last tick found no unfinished job anywhere: tick slowly until woken. */
  private idle = false
  private again = false
  private lastSweep = 0
  private readonly idleWaiters: Array<() => void> = []
  private readonly lastProgressAt = new Map<number, number>()
  /** Space copies that just refused or failed a call rest until then (ms), so retries go to a copy that is free. */
  private readonly coolUntil = new Map<string, number>()
  private readonly copyFailures = new Map<string, number>()
  /** Health of the ComfyUI servers: a dead one is taken out and probed back. */
  readonly comfyPool = new EndpointPool(
    () => this.wake(),
    (url) => comfyToken(this.deps.lib, this.deps.secrets, url)
  )
  /** What the backends' rows see of this queue. */
  readonly host: WorkerHost

  constructor(private readonly deps: WorkerDeps) {
    this.host = {
      lib: deps.lib,
      secrets: deps.secrets,
      used: (resource) => this.used(resource),
      cooling: (resource) => (this.coolUntil.get(resource) ?? 0) > Date.now(),
      comfyPool: this.comfyPool
    }
  }

  /** Stop, at its provider, the request of a job nobody here follows (canceled while this process was not running it). */
  async cancelRemote(row: JobRow): Promise<void> {
    const steps = (JSON.parse(row.payload_json) as { steps: BackendSettings }).steps
    const name = stepOfRow(row)
    if (row.remote_id) this.deps.store.update(row.id, { remoteId: null })
    try {
      await backendFor(steps[name]).cancelRemote?.(row, steps[name], name, this.host)
    } catch {
      /* no key, or unreachable: the request ends there on its own */
    }
  }

  comfyStatus(channelId: number): ComfyEndpointStatus[] {
    const endpoints = getBackends(this.deps.lib, channelId).comfyui.endpoints
    return this.comfyPool.status(endpoints, (url) => this.used(`comfyui:${url}`))
  }

  get started(): boolean {
    return this.timer !== undefined
  }

  start(): void {
    if (this.timer) return
    this.schedule()
    this.wake()
  }

  /** The next periodic tick: soon while jobs are unfinished, rarely when there are none. */
  private schedule(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => this.wake(), this.idle ? IDLE_TICK_MS : TICK_MS)
  }

  /** Stop taking jobs; jobs in progress are interrupted and go back to the queue unchanged. */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    for (const r of this.running.values()) r.controller.abort(SHUTDOWN)
    while (this.running.size > 0) await new Promise<void>((r) => this.idleWaiters.push(r))
  }

  isRunning(jobId: number): boolean {
    return this.running.has(jobId)
  }

  /** Abort a job this process is running (its row is already marked canceled). */
  abortLocal(jobId: number): void {
    this.running.get(jobId)?.controller.abort(CANCEL)
  }

  wake(): void {
    if (!this.timer) return
    if (this.ticking) {
      this.again = true
      return
    }
    this.ticking = true
    try {
      this.tick()
    } catch (err) {
      // A locked database or a bad row must not kill the loop; the next tick tries again.
      console.error('[webtv] generation scheduler:', err instanceof Error ? err.message : err)
    } finally {
      this.ticking = false
      if (this.timer) this.schedule()
      if (this.again) {
        this.again = false
        setImmediate(() => this.wake())
      }
    }
  }

  private tick(): void {
    const { store } = this.deps
    const now = Date.now()
    this.comfyPool.probeDue(now)
    if (now - this.lastSweep > 2000) {
      this.lastSweep = now
      store.releaseDeadOwners(new Set(this.running.keys()))
      // Cancels made by another process (e.g. `webtv jobs cancel` while `webtv serve` works).
      for (const [id, r] of this.running) if (store.get(id)?.state === 'canceled') r.controller.abort(CANCEL)
    }
    const runnable = store.runnable(now)
    for (const job of runnable) {
      if (this.running.has(job.id)) continue
      const plan = this.plan(job)
      if (!plan) continue
      if (!store.claim(job.id)) continue
      this.launch(job.id, plan)
    }
    // Jobs owned by another process or waiting for a retry keep the quick tick (their owner may die, their wait may end).
    this.idle = this.running.size === 0 && runnable.length === 0 && !store.hasUnfinished()
  }

  private used(resource: string): number {
    return this.inFlight.get(resource) ?? 0
  }

  private stepPlan(step: StepBackend, s: BackendSettings, name: StepName, job?: JobRow): Plan | null {
    return backendFor(step).plan({ step, settings: s, name, job, host: this.host })
  }

  private plan(job: JobRow): Plan | null {
    if (job.kind === 'music') {
      const p = JSON.parse(job.payload_json) as MusicPayload
      const shots = this.deps.store.siblings(job.sequence_id!).filter((j) => j.kind === 'shot')
      const waiting = shots.some((j) => !FINAL_STATES.includes(j.state) && j.state !== 'conforming')
      if (waiting) return null
      return this.stepPlan(p.steps.music, p.steps, 'music', job)
    }
    const p = this.payloadOf(job)
    switch (job.state) {
      case 'queued':
      case 'running':
        // Continuity: wait until the previous shot's video exists (its last frame starts this one).
        if (
          p.continuity &&
          !p.art.raw &&
          backendFor(p.steps.video).imageInput?.(p.steps.video, 'video') === true &&
          continuitySource(this.deps.lib, this.deps.store, job, (r) => this.abs(r)).kind === 'wait'
        )
          return null
        return this.stepPlan(p.steps.video, p.steps, 'video', job)
      case 'upscaling':
        return this.stepPlan(p.steps.upscale, p.steps, 'upscale')
      case 'interpolating':
        return this.stepPlan(p.steps.interpolate, p.steps, 'interpolate')
      case 'conforming': {
        if (p.music) {
          const music = this.musicJobOf(job)
          if (music && !FINAL_STATES.includes(music.state)) return null
        }
        // Conform is CPU-bound ffmpeg: one at a time next to the local generator.
        return this.used('conform') < 1 ? { resource: 'conform', limit: 1, where: 'local' } : null
      }
      default:
        return null
    }
  }

  private payloadOf(job: JobRow): ShotPayload {
    return JSON.parse(job.payload_json) as ShotPayload
  }

  private musicJobOf(job: JobRow): JobRow | undefined {
    if (job.sequence_id === null) return undefined
    return this.deps.store.siblings(job.sequence_id).find((j) => j.kind === 'music')
  }

  private launch(jobId: number, plan: Plan): void {
    const controller = new AbortController()
    this.running.set(jobId, { controller, resource: plan.resource })
    this.inFlight.set(plan.resource, this.used(plan.resource) + 1)
    void this.runOnce(jobId, plan, controller)
      // A failure outside the job's own error handling (e.g. a busy database while
      // recording the failure): the job keeps its state and is picked up again.
      .catch((err: unknown) => console.error(`[webtv] job ${jobId}:`, err instanceof Error ? err.message : err))
      .finally(() => {
        this.inFlight.set(plan.resource, this.used(plan.resource) - 1)
        this.running.delete(jobId)
        this.lastProgressAt.delete(jobId)
        try {
          this.deps.store.release(jobId)
        } catch {
          /* the dead-owner sweep hands it back later */
        }
        if (this.running.size === 0) for (const w of this.idleWaiters.splice(0)) w()
        this.wake()
      })
  }

  private async runOnce(jobId: number, plan: Plan, controller: AbortController): Promise<void> {
    const { store } = this.deps
    const job = store.get(jobId)
    if (!job || FINAL_STATES.includes(job.state)) return
    try {
      if (job.kind === 'music') await this.runMusic(job, plan, controller.signal)
      else await this.runShotStep(job, plan, controller.signal)
      if (plan.retry === 'copy') this.copyFailures.delete(plan.resource)
      plan.onSuccess?.()
    } catch (err) {
      const reason: unknown = controller.signal.reason
      if (controller.signal.aborted && reason === SHUTDOWN) return // resumes on the next start
      const now = store.get(jobId)
      if (!now || now.state === 'canceled') return
      if (err instanceof NotYet) {
        this.change(store.update(jobId, { notBefore: Date.now() + err.retryInMs }))
        return
      }
      const serverDown = plan.serverDown?.(err)
      if (serverDown !== undefined) {
        // The server's fault, not the job's: the job goes to another, without spending an attempt.
        this.change(
          store.update(jobId, {
            error: redact(serverDown, await this.secretValues()),
            queuePosition: null,
            etaSeconds: null
          })
        )
        return
      }
      await this.failOrRetry(now, err, plan)
    }
  }

  /** Wake the scheduler when a wait ends (a retry time, a copy's rest), not only on the next periodic tick. */
  private wakeAt(at: number): void {
    const t = setTimeout(() => this.wake(), Math.max(0, at - Date.now()) + 5)
    t.unref()
  }

  private async secretValues(): Promise<string[]> {
    try {
      return await this.deps.secrets.values()
    } catch {
      return []
    }
  }

  private async failOrRetry(job: JobRow, err: unknown, plan: Plan): Promise<void> {
    const { store } = this.deps
    const g = err instanceof MediaRejectedError ? new GenerationError('permanent', err.message) : asGenerationError(err)
    const message = redact(g.message, await this.secretValues())
    const steps = (JSON.parse(job.payload_json) as { steps: BackendSettings }).steps
    const attempts = job.attempts + 1
    if (g.kind === 'transient' && attempts < steps.maxAttempts) {
      let wait = backoffMs(steps.retryBaseMs, attempts)
      if (plan.retry === 'now') {
        // Out of memory or a lost prompt: the job may run again at once on any free server.
        wait = 0
      } else if (plan.retry === 'copy') {
        // The copy is what is busy or down: the job may go to another copy at once, and the copy rests once it
        // failed twice in a row (longer each time) — one refusal alone says little about the next call.
        const failures = (this.copyFailures.get(plan.resource) ?? 0) + 1
        this.copyFailures.set(plan.resource, failures)
        const rest = failures < 2 ? 0 : backoffMs(steps.retryBaseMs, failures - 1)
        this.coolUntil.set(plan.resource, Date.now() + rest)
        this.wakeAt(Date.now() + rest)
        wait = 0
      } else {
        this.wakeAt(Date.now() + wait)
      }
      if (g.retryAfterMs !== undefined) {
        // A quota or rate limit named its wait: honour it for the job and for the copy, instead of hammering it.
        wait = Math.max(wait, g.retryAfterMs)
        this.coolUntil.set(plan.resource, Math.max(this.coolUntil.get(plan.resource) ?? 0, Date.now() + g.retryAfterMs))
        this.wakeAt(Date.now() + wait)
      }
      this.change(
        store.update(job.id, {
          attempts,
          notBefore: Date.now() + wait,
          error: `Attempt ${attempts} of ${steps.maxAttempts} failed: ${message}${wait > 0 ? ` Next try in ${Math.ceil(wait / 1000)} s.` : ''}`,
          queuePosition: null,
          etaSeconds: null
        })
      )
      return
    }
    const final = g.kind === 'transient' ? `Gave up after ${attempts} attempts: ${message}` : message
    this.fail(job, final, attempts)
  }

  fail(job: JobRow, message: string, attempts = job.attempts): void {
    const { store, lib } = this.deps
    const row = store.update(job.id, {
      state: 'failed',
      error: message,
      attempts,
      queuePosition: null,
      etaSeconds: null,
      remoteId: null
    })
    // A failed regeneration leaves its shot as it was: the shot still has its chosen take.
    if (job.shot_id !== null && job.kind === 'shot' && !this.payloadOf(job).asTake) {
      try {
        lib.failShot(job.shot_id, message)
      } catch {
        /* the shot was deleted meanwhile */
      }
    }
    this.change(row)
  }

  private change(row: JobRow): void {
    this.deps.onJobChange(row)
  }

  /** Progress from a step, written and announced at most a few times a second. */
  private progress(jobId: number): (p: StepProgress) => void {
    return (p) => {
      const now = Date.now()
      if (now - (this.lastProgressAt.get(jobId) ?? 0) < PROGRESS_EVERY_MS && p.percent !== 100) return
      this.lastProgressAt.set(jobId, now)
      const row = this.deps.store.update(jobId, {
        ...(p.percent !== undefined ? { progress: p.percent } : {}),
        queuePosition: p.queuePosition ?? null,
        etaSeconds: p.etaSeconds ?? null
      })
      this.change(row)
    }
  }

  private jobDir(jobId: number): string {
    return join(this.deps.dataDir, 'generation', 'jobs', String(jobId))
  }

  /** A fresh folder for one attempt of one step: leftovers of an interrupted attempt are dropped. */
  private stepDir(jobId: number, step: string): string {
    const dir = join(this.jobDir(jobId), step)
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(dir, { recursive: true })
    return dir
  }

  private rel(abs: string): string {
    return relative(this.deps.dataDir, abs).split(sep).join('/')
  }

  private abs(rel: string): string {
    return join(this.deps.dataDir, ...rel.split('/'))
  }

  /** Move a step's output next to the job's other artefacts, under a fixed name (atomic rename). */
  private keep(jobId: number, produced: string, name: string): string {
    const target = join(this.jobDir(jobId), `${name}${extname(produced) || '.mp4'}`)
    renameSync(produced, target)
    return this.rel(target)
  }

  /** What a step needs to resume a provider request and to record the one it starts (on the job row, at once). */
  private remote(job: JobRow): { remoteId?: string | undefined; onRemoteId(id: string | null): void } {
    return {
      remoteId: job.remote_id ?? undefined,
      onRemoteId: (id) => {
        this.deps.store.update(job.id, { remoteId: id })
      }
    }
  }

  private stillMine(jobId: number): JobRow {
    const row = this.deps.store.get(jobId)
    if (!row || row.state === 'canceled') throw new GenerationError('canceled', 'Canceled.')
    return row
  }

  private nextAfter(p: ShotPayload, done: ShotStep): 'upscaling' | 'interpolating' | 'conforming' {
    if (done === 'video' && p.steps.upscale.enabled) return 'upscaling'
    if (done !== 'interpolate' && p.steps.interpolate.enabled) return 'interpolating'
    return 'conforming'
  }

  private async runShotStep(job: JobRow, plan: Plan, signal: AbortSignal): Promise<void> {
    const p = this.payloadOf(job)
    if (job.state === 'conforming') return this.conformShot(job, p, signal)
    const name = stepOfRow(job)
    if (name === 'music') return
    if (name === 'video') return this.videoStep(job, plan, p, signal)
    const out = await this.runStep(job, plan, name, p.steps, signal, () => ({
      video: this.abs(name === 'interpolate' ? (p.art.upscaled ?? p.art.raw!) : p.art.raw!)
    }))
    this.advance(job, p, name, out.file)
  }

  /**
   * The video step: the clip (kept at once, so a restart never asks for it again), then as long as its
   * narrated line needs (continuations from its last frame, slowed motion or a held frame: extend.ts).
   */
  private async videoStep(job: JobRow, plan: Plan, p: ShotPayload, signal: AbortSignal): Promise<void> {
    let current = p
    if (!current.art.raw || !existsSync(this.abs(current.art.raw))) {
      const out = await this.runStep(job, plan, 'video', p.steps, signal, (ctx) =>
        this.startImage(job, p, ctx.workDir, signal)
      )
      current = this.keepClip(job, out.file, out.generator)
    }
    current = await this.lengthen(job, plan, current, signal)
    this.moveOn(job, current, 'video')
  }

  /** The video step's clip kept as the job's raw clip; the job stays at its video step (its length comes next). */
  private keepClip(job: JobRow, produced: string, generator: string): ShotPayload {
    const current = JSON.parse(this.stillMine(job.id).payload_json) as ShotPayload
    const raw = this.keep(job.id, produced, ART_OF.video)
    // A new clip (a first run, or a retry that made it again): its length is decided anew.
    const payload: ShotPayload = {
      ...current,
      art: { ...current.art, raw },
      generator,
      length: undefined,
      extendRemote: undefined
    }
    this.change(this.deps.store.update(job.id, { payload, remoteId: null, progress: 100 }))
    return payload
  }

  /**
   * A narrated shot whose clip is shorter than its line: continuations from the clip's last frame on
   * the same backend with the same prompt (each one its own step on the job, persisted as it lands, so
   * a restart goes on from the last one), joined into one clip; what they don't cover is slowed (a small
   * gap) or left to the conform's held frame. A continuation that fails never fails the take.
   */
  private async lengthen(job: JobRow, plan: Plan, p: ShotPayload, signal: AbortSignal): Promise<ShotPayload> {
    if (p.length?.outcome) return p
    const needSec = lineSeconds(this.deps.lib, job.shot_id)
    if (needSec <= 0) return p
    const first = this.abs(p.length?.first ?? p.art.raw!)
    const clipSec = await videoSeconds(first, signal)
    let st: LengthState = p.length ?? { needSec, clipSec, haveSec: clipSec, parts: [], requests: 0, first: p.art.raw }
    const save = (patch: Partial<LengthState>, art?: Partial<ShotPayload['art']>, done = false): ShotPayload => {
      st = { ...st, ...patch }
      const current = JSON.parse(this.stillMine(job.id).payload_json) as ShotPayload
      const payload: ShotPayload = {
        ...current,
        art: { ...current.art, ...art },
        length: st,
        ...(done ? { extendRemote: undefined } : {})
      }
      this.change(this.deps.store.update(job.id, { payload, remoteId: null }))
      return payload
    }
    if (!needsMore(st, st.haveSec)) return save({ outcome: 'fits', note: lengthNote(st, 'fits', st.haveSec) })
    const backend = backendFor(p.steps.video)
    let why = canExtend(p.steps.video) ? undefined : `the ${backend.noun} cannot start from an image`
    const frameSec = 1 / ((await probe(first, signal)).video?.fps ?? 24)
    while (!why && needsMore(st, st.haveSec) && st.requests < MAX_EXTENSIONS) {
      const k = st.requests
      const from = this.abs(st.parts.at(-1) ?? st.first ?? p.art.raw!)
      try {
        // The row as it is now: its provider request id is this continuation's (a resumed one), or none.
        const out = await this.runStep(
          this.stillMine(job.id),
          plan,
          'video',
          p.steps,
          signal,
          async (ctx) => ({ startImage: await lastFrame(from, ctx.workDir, signal) }),
          { dir: partName(k), label: `extend ${k + 1} of up to ${MAX_EXTENSIONS}`, remote: 'extendRemote' }
        )
        if (!out.usedImage) throw new Error('it made a clip without the frame')
        const kept = this.keep(job.id, out.file, partName(k))
        const adds = (await videoSeconds(this.abs(kept), signal)) - frameSec
        // Done with: the next continuation must send its own prompt, not find this one again.
        save({ parts: [...st.parts, kept], requests: k + 1, haveSec: st.haveSec + adds }, undefined, true)
      } catch (err) {
        if (signal.aborted || (err instanceof GenerationError && err.kind === 'canceled')) throw err
        const message = redact(err instanceof Error ? err.message : String(err), await this.secretValues())
        why = `continuation ${k + 1} failed: ${message}`
        save({ requests: k + 1 })
      }
    }
    if (!why && needsMore(st, st.haveSec)) why = `${MAX_EXTENSIONS} continuations were not enough`
    const outcome = needsMore(st, st.haveSec) ? fallbackFor(st.haveSec, needSec) : 'extended'
    let final = first
    if (st.parts.length > 0) {
      this.change(this.deps.store.update(job.id, { step: `joining ${st.parts.length + 1} clips`, progress: 0 }))
      final = (
        await joinClips(
          [first, ...st.parts.map((r) => this.abs(r))],
          join(this.stepDir(job.id, 'join'), 'joined.mp4'),
          signal
        )
      ).file
    }
    if (outcome === 'slowed') {
      this.change(this.deps.store.update(job.id, { step: 'slowing the motion to the line', progress: 0 }))
      final = await slowClip(final, needSec, join(this.stepDir(job.id, 'slow'), 'slowed.mp4'), signal)
    }
    const haveSec = outcome === 'slowed' ? needSec : st.haveSec
    const note = lengthNote(st, outcome, haveSec, why)
    const raw = final === first ? undefined : this.keep(job.id, final, 'lengthened')
    return save({ outcome, note, haveSec }, raw ? { raw } : undefined)
  }

  /**
   * One step of a job on the backend its settings name: the row prepares the runner for the planned
   * slot; the job row shows what runs where; a provider's request id or a server's prompt is recorded on it.
   */
  private async runStep(
    job: JobRow,
    plan: Plan,
    name: StepName,
    steps: BackendSettings,
    signal: AbortSignal,
    input: (ctx: { workDir: string }) => Promise<Partial<StepInputExtra>> | Partial<StepInputExtra>,
    /** A continuation (extend.ts): its own folder, step label and slot for a server's prompt. */
    as?: { dir: string; label: string; remote: 'extendRemote' }
  ): Promise<StepOutput & { generator: string }> {
    const { store, lib } = this.deps
    const step = steps[name]
    const current = JSON.parse(this.stillMine(job.id).payload_json) as ShotPayload | MusicPayload
    const slot = as?.remote ?? 'remote'
    const prepared = await backendFor(step).prepare({
      step,
      settings: steps,
      name,
      plan,
      host: this.host,
      payloadRemote: {
        previous: (current as ShotPayload)[slot],
        record: (ref) => this.recordRemote(job.id, slot)(ref as RemoteRef | null)
      }
    })
    const workDir = this.stepDir(job.id, as?.dir ?? name)
    const extra = await input({ workDir })
    this.change(
      store.update(job.id, {
        ...(name === 'video' || name === 'music' ? { state: 'running' as const } : {}),
        step: `${as?.label ?? name}: ${prepared.label}`,
        progress: 0,
        runsOn: plan.where
      })
    )
    const p = JSON.parse(job.payload_json) as { prompt: string; seed: number }
    const out = await prepared.run(
      { prompt: p.prompt, seed: p.seed, format: lib.getChannel(job.channel_id).format, ...extra },
      { signal, onProgress: this.progress(job.id), workDir, ...this.remote(job) }
    )
    if (!as && extra.startImage !== undefined && !out.usedImage) {
      // The backend did not use the frame after all: the take does not claim it continued.
      const latest = JSON.parse(this.stillMine(job.id).payload_json) as ShotPayload
      store.update(job.id, { payload: { ...latest, continuedFrom: undefined } })
    }
    return { ...out, generator: out.generator ?? prepared.label }
  }

  /**
   * Continuity: the previous shot's last frame for a backend that can start from an image; otherwise
   * the take says why it started from text. Waits (back to the queue) until the previous shot exists.
   */
  private async startImage(
    job: JobRow,
    p: ShotPayload,
    workDir: string,
    signal: AbortSignal
  ): Promise<Partial<StepInputExtra>> {
    if (!p.continuity) return {}
    const backend = backendFor(p.steps.video)
    const note = (continuityNote: string | undefined, continuedFrom?: ShotPayload['continuedFrom']): void => {
      const current = JSON.parse(this.stillMine(job.id).payload_json) as ShotPayload
      this.deps.store.update(job.id, { payload: { ...current, continuityNote, continuedFrom } })
    }
    if (!backend.imageInput) {
      // Continuity was asked for, but this backend cannot start from an image: from text, and the take says so.
      note(`The ${backend.noun} has no start-image input here; started from text.`)
      return {}
    }
    const src = continuitySource(this.deps.lib, this.deps.store, job, (r) => this.abs(r))
    if (src.kind === 'wait') throw new NotYet(1000)
    if (src.kind === 'text') {
      note(src.note)
      return {}
    }
    if (!backend.imageInput(p.steps.video, 'video')) {
      note('This workflow has no start-image input; started from text.')
      return {}
    }
    const startImage = await lastFrame(src.video, workDir, signal)
    note(undefined, src.from)
    return { startImage }
  }

  /** A step's output kept next to the job's other artefacts; the job moves on to its next state. */
  private advance(job: JobRow, p: ShotPayload, done: ShotStep, produced: string): void {
    const art = ART_OF[done]
    const kept = this.keep(job.id, produced, art)
    this.moveOn(job, { ...p, art: { ...p.art, [art]: kept } }, done)
  }

  /** The job to its next state, with what the step recorded on its row meanwhile. */
  private moveOn(job: JobRow, p: ShotPayload, done: ShotStep): void {
    const current = JSON.parse(this.stillMine(job.id).payload_json) as ShotPayload
    const next = this.nextAfter(p, done)
    const payload: ShotPayload = {
      ...p,
      remote: current.remote,
      extendRemote: undefined,
      continuedFrom: current.continuedFrom,
      continuityNote: current.continuityNote,
      length: current.length
    }
    this.change(
      this.deps.store.update(job.id, {
        state: next,
        step: next === 'conforming' && payload.music ? 'waiting for music' : null,
        progress: 0,
        payload,
        error: null,
        queuePosition: null,
        etaSeconds: null,
        remoteId: null
      })
    )
  }

  /** Persist (or clear) the prompt a job has on a ComfyUI server, on top of the row's current payload. */
  private recordRemote(jobId: number, slot: 'remote' | 'extendRemote' = 'remote'): (ref: RemoteRef | null) => void {
    return (ref) => {
      const row = this.stillMine(jobId)
      const payload = JSON.parse(row.payload_json) as ShotPayload
      if (ref) payload[slot] = ref
      else delete payload[slot]
      this.change(this.deps.store.update(jobId, { payload }))
    }
  }

  /** A regeneration's clip goes in as a new take of the shot; the shot's own media is untouched. */
  private async conformTake(job: JobRow, p: ShotPayload, signal: AbortSignal): Promise<void> {
    const { store, lib } = this.deps
    if (job.shot_id === null)
      throw new GenerationError('permanent', 'The shot of this job was deleted; no take to add.')
    // Idempotent resume: the take was made before a crash, only the job row missed it.
    if (lib.takeOfJob(job.id)?.status === 'ready') return this.finish(job)
    const source = this.abs(p.art.interpolated ?? p.art.upscaled ?? p.art.raw!)
    this.change(store.update(job.id, { step: 'converting to the house format', progress: 0 }))
    const onProgress = this.progress(job.id)
    try {
      await lib.ingestTake(
        job.shot_id,
        source,
        {
          jobId: job.id,
          prompt: p.prompt,
          seed: p.seed,
          backend: backendFor(p.steps.video).local ? 'offline' : (p.generator ?? 'gradio')
        },
        { signal, onProgress: (x) => onProgress({ percent: x.percent }) }
      )
    } catch (err) {
      if (err instanceof StudioError && err.code === 'not_found')
        throw new GenerationError('permanent', 'The shot of this job was deleted; no take to add.')
      throw err
    }
    this.finish(job)
  }

  private async conformShot(job: JobRow, p: ShotPayload, signal: AbortSignal): Promise<void> {
    const { store, lib } = this.deps
    if (p.asTake) return this.conformTake(job, p, signal)
    if (job.shot_id === null)
      throw new GenerationError('permanent', 'The shot of this job was deleted; nothing to fill.')
    let shot
    try {
      shot = lib.getShot(job.shot_id)
    } catch {
      throw new GenerationError('permanent', 'The shot of this job was deleted; nothing to fill.')
    }
    // Idempotent resume: the ingest finished before a crash, only the job row missed it.
    if (shot.status === 'ready') return this.finish(job)
    // The library is (re)converting it from the kept original (its own crash recovery): wait, don't convert twice.
    if (shot.status === 'queued' || shot.status === 'conforming') throw new NotYet(1000)
    let source = this.abs(p.art.interpolated ?? p.art.upscaled ?? p.art.raw!)
    if (p.music) {
      const music = this.musicJobOf(job)
      const mp = music ? (JSON.parse(music.payload_json) as MusicPayload & { segments?: Segment[] }) : undefined
      const segment = mp?.segments?.find((s) => s.jobId === job.id)
      // A narrated shot gets its segment in its sound instead: the conform ducks it under the line (show/sound.ts).
      if (
        music?.state === 'ready' &&
        mp?.track &&
        segment &&
        !layMusicUnder(lib, job.shot_id, mp.track, segment.offset)
      ) {
        if (!p.art.muxed || !existsSync(this.abs(p.art.muxed))) {
          this.change(store.update(job.id, { step: 'laying music', progress: 0 }))
          const dir = this.stepDir(job.id, 'mux')
          const out = join(dir, 'with-music.mp4')
          await muxSegment(source, this.abs(mp.track), segment, out, signal)
          this.stillMine(job.id)
          p.art.muxed = this.keep(job.id, out, 'muxed')
          store.update(job.id, { payload: p })
        }
        source = this.abs(p.art.muxed)
      }
    }
    this.change(store.update(job.id, { step: 'converting to the house format', progress: 0 }))
    const onProgress = this.progress(job.id)
    await lib.ingestFile(
      job.channel_id,
      source,
      {
        shotId: job.shot_id,
        jobId: job.id,
        prompt: p.prompt,
        seed: p.seed,
        backend: backendFor(p.steps.video).local ? 'offline' : (p.generator ?? 'gradio'),
        sequenceId: job.sequence_id ?? undefined,
        extra: {
          jobId: job.id,
          generator: p.generator ?? null,
          offline: backendFor(p.steps.video).local === true,
          music: p.music,
          ...(p.length?.note ? { length: p.length.note } : {})
        }
      },
      { signal, onProgress: (x) => onProgress({ percent: x.percent }) }
    )
    this.finish(job)
  }

  private finish(job: JobRow): void {
    const row = this.deps.store.update(job.id, {
      state: 'ready',
      step: null,
      progress: 100,
      error: null,
      queuePosition: null,
      etaSeconds: null
    })
    rmSync(this.jobDir(job.id), { recursive: true, force: true })
    this.change(row)
  }

  private async runMusic(job: JobRow, plan: Plan, signal: AbortSignal): Promise<void> {
    const { store } = this.deps
    const p = JSON.parse(job.payload_json) as MusicPayload & { segments?: Segment[] }
    const shots: Array<{ jobId: number; duration: number }> = []
    for (const j of store.siblings(job.sequence_id!)) {
      if (j.kind !== 'shot' || j.state !== 'conforming') continue
      const sp = this.payloadOf(j)
      const file = sp.art.interpolated ?? sp.art.upscaled ?? sp.art.raw
      if (!file) continue
      // Measured here, once per sequence, rather than while holding a Space slot. A shot whose last frame is
      // held for its line (extend.ts) lasts the line: its segment of the bed must too, or the next shot's repeats it.
      const seconds = sp.durationSeconds ?? (await probeDuration(this.abs(file), signal))
      shots.push({ jobId: j.id, duration: Math.max(seconds, lineSeconds(this.deps.lib, j.shot_id)) })
    }
    if (shots.length === 0) {
      this.change(
        store.update(job.id, { state: 'canceled', error: 'No shot of the sequence got this far; no music made.' })
      )
      return
    }
    const { segments, total } = planSegments(shots)
    const { file: raw } = await this.runStep(job, plan, 'music', p.steps, signal, () => ({ durationSeconds: total }))
    const dir = join(this.jobDir(job.id), 'music')
    const shaped = join(dir, 'track.wav')
    await shapeTrack(raw, shaped, total, signal)
    this.stillMine(job.id)
    const track = this.keep(job.id, shaped, 'track')
    store.setSequenceMusic(job.sequence_id!, track)
    this.change(
      store.update(job.id, {
        state: 'ready',
        step: null,
        progress: 100,
        error: null,
        remoteId: null,
        payload: {
          ...p,
          remote: (JSON.parse(this.stillMine(job.id).payload_json) as MusicPayload).remote,
          track,
          totalSeconds: total,
          segments
        } as MusicPayload
      })
    )
  }
}

/** The extra inputs a step's runner takes beyond the prompt (see StepInput). */
type StepInputExtra = Pick<StepInput, 'video' | 'durationSeconds' | 'startImage'>

const ART_OF = { video: 'raw', upscale: 'upscaled', interpolate: 'interpolated' } as const

/** The step a job row is at: music jobs make music; a shot's state names its step. */
function stepOfRow(row: JobRow): StepName {
  if (row.kind === 'music') return 'music'
  if (row.state === 'upscaling') return 'upscale'
  if (row.state === 'interpolating') return 'interpolate'
  return 'video'
}

/** The steps of a shot (music belongs to the sequence). */
type ShotStep = Exclude<StepName, 'music'>
