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
import { layMusicUnder } from '../show/sound'
import { COMFYUI_TOKEN_SECRET, FAL_KEY_SECRET, getBackends, HF_TOKEN_SECRET } from './settings'
import { EndpointDownError } from './comfyui/errors'
import { EndpointPool } from './comfyui/pool'
import { ComfyClient } from './comfyui/client'
import type { RemoteRef } from './comfyui/run'
import { comfyMusic, comfyVideo, tokenAllowed } from './comfyui/step'
import { continuitySource, lastFrame } from './comfyui/continuity'
import { offersImageInput } from './comfyui/workflows'
import type { ComfyEndpoint, ComfyEndpointStatus } from '../../shared/contract/comfyui'
import { configOf, interpolateStep, musicStep, upscaleStep, videoStep, whereFor, type Credentials } from './steps'
import type { StepName } from './gradio/presets'
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

interface Plan {
  resource: string
  limit: number
  /** The Space copy this run uses (gradio steps). */
  space?: string | undefined
  /** Where it runs, for the jobs list. */
  where: string
  /** The ComfyUI server this run uses (comfyui steps). */
  endpoint?: string | undefined
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
    (url) => this.comfyToken(url)
  )

  constructor(private readonly deps: WorkerDeps) {}

  /** The channel's ComfyUI servers now (servers added after a job was queued serve it too). */
  private comfyEndpoints(channelId: number, snapshot: BackendSettings): ComfyEndpoint[] {
    try {
      const now = getBackends(this.deps.lib, channelId).comfyui.endpoints
      return now.length > 0 ? now : snapshot.comfyui.endpoints
    } catch {
      return snapshot.comfyui.endpoints
    }
  }

  /** Stop a job's prompt on its ComfyUI server when nobody here follows it (canceled while this process was not running it). */
  async cancelComfyPrompt(row: JobRow): Promise<void> {
    const ref = (JSON.parse(row.payload_json) as { remote?: RemoteRef }).remote
    if (!ref) return
    try {
      const client = new ComfyClient(ref.endpoint, await this.comfyToken(ref.endpoint))
      // Stopped before the prompt id came back: the prompt is found by the client id sent with it.
      const promptId = ref.promptId || (await client.findByClient(ref.clientId))?.promptId
      if (promptId) await client.cancel(promptId)
    } catch {
      /* the server is gone: so is the prompt */
    }
  }

  comfyStatus(channelId: number): ComfyEndpointStatus[] {
    const endpoints = getBackends(this.deps.lib, channelId).comfyui.endpoints
    return this.comfyPool.status(endpoints, (url) => this.used(`comfyui:${url}`))
  }

  private async comfyToken(url: string): Promise<string | undefined> {
    const all = this.deps.lib.db
      .prepare("SELECT value FROM settings WHERE key LIKE 'generation.backends.%'")
      .all() as Array<{ value: string }>
    const marked = all.some((r) => {
      try {
        return (
          (JSON.parse(r.value) as Partial<BackendSettings>).comfyui?.endpoints.some(
            (e) => e.url === url && e.sendToken
          ) ?? false
        )
      } catch {
        return false
      }
    })
    if (!marked || !tokenAllowed(url)) return undefined
    return this.deps.secrets.get(COMFYUI_TOKEN_SECRET)
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
    const now = Date.now()
    if (step.backend === 'comfyui' && job) {
      const remote = (JSON.parse(job.payload_json) as { remote?: RemoteRef }).remote
      const e = this.comfyPool.pick(
        this.comfyEndpoints(job.channel_id, s),
        (url) => this.used(`comfyui:${url}`),
        remote?.endpoint
      )
      return e
        ? { resource: `comfyui:${e.url}`, limit: e.concurrency, endpoint: e.url, where: `comfyui · ${e.url}` }
        : null
    }
    if (step.backend === 'hf-inference' || step.backend === 'fal') {
      // One provider backend = one resource with its own concurrency (what the account / provider allows at once).
      const cfg = configOf(step, step.backend, name)
      const resource = cfg.kind === 'fal' ? `fal:${cfg.endpoint}` : `hf:${cfg.provider}:${cfg.model}`
      if ((this.coolUntil.get(resource) ?? 0) > now) return null
      return this.used(resource) < cfg.concurrency
        ? { resource, limit: cfg.concurrency, where: whereFor(step, name, undefined) }
        : null
    }
    if (step.backend === 'offline' || step.spaces.length === 0) {
      return this.used('local') < s.localConcurrency
        ? { resource: 'local', limit: s.localConcurrency, where: 'local' }
        : null
    }
    // Several copies of a Space: the first with a free slot.
    for (const space of step.spaces) {
      const resource = `gradio:${space}`
      if ((this.coolUntil.get(resource) ?? 0) > now) continue
      if (this.used(resource) < s.concurrencyPerCopy)
        return { resource, limit: s.concurrencyPerCopy, space, where: whereFor(step, name, space) }
    }
    return null
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
          p.steps.video.backend === 'comfyui' &&
          offersImageInput(p.steps.video.comfyui ?? { workflow: 'wan22-t2v' }) &&
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
      if (plan.space) this.copyFailures.delete(plan.resource)
      if (plan.endpoint) this.comfyPool.ok(plan.endpoint)
    } catch (err) {
      const reason: unknown = controller.signal.reason
      if (controller.signal.aborted && reason === SHUTDOWN) return // resumes on the next start
      const now = store.get(jobId)
      if (!now || now.state === 'canceled') return
      if (err instanceof NotYet) {
        this.change(store.update(jobId, { notBefore: Date.now() + err.retryInMs }))
        return
      }
      if (err instanceof EndpointDownError && plan.endpoint) {
        // The server's fault, not the job's: take the server out and hand the job to another, without spending an attempt.
        this.comfyPool.down(plan.endpoint, err.message)
        this.change(
          store.update(jobId, {
            error: `${redact(err.message, await this.secretValues())} Moving to another server.`,
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
      if (plan.endpoint) {
        // Out of memory or a lost prompt: the job may run again at once on any free server.
        wait = 0
      } else if (plan.space) {
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

  private async creds(): Promise<Credentials> {
    return {
      hfToken: await this.deps.secrets.get(HF_TOKEN_SECRET),
      falKey: await this.deps.secrets.get(FAL_KEY_SECRET)
    }
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

  private nextAfter(
    p: ShotPayload,
    done: 'video' | 'upscale' | 'interpolate'
  ): 'upscaling' | 'interpolating' | 'conforming' {
    if (done === 'video' && p.steps.upscale.enabled) return 'upscaling'
    if (done !== 'interpolate' && p.steps.interpolate.enabled) return 'interpolating'
    return 'conforming'
  }

  private async runShotStep(job: JobRow, plan: Plan, signal: AbortSignal): Promise<void> {
    const { store, lib } = this.deps
    const p = this.payloadOf(job)
    const channel = lib.getChannel(job.channel_id)
    const onProgress = this.progress(job.id)
    const advance = async (
      art: keyof ShotPayload['art'],
      produced: string,
      done: 'video' | 'upscale' | 'interpolate',
      label?: string
    ): Promise<void> => {
      this.stillMine(job.id)
      const current = JSON.parse(this.stillMine(job.id).payload_json) as ShotPayload
      const kept = this.keep(job.id, produced, art)
      const next = this.nextAfter(p, done)
      const payload: ShotPayload = {
        ...p,
        remote: current.remote,
        continuedFrom: current.continuedFrom,
        continuityNote: current.continuityNote,
        art: { ...p.art, [art]: kept },
        ...(label ? { generator: label } : {})
      }
      this.change(
        store.update(job.id, {
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
    if ((job.state === 'queued' || job.state === 'running') && p.steps.video.backend === 'comfyui' && plan.endpoint) {
      store.update(job.id, { runsOn: plan.where })
      await this.runComfyVideo(job, p, plan.endpoint, signal, advance)
      return
    }
    if (job.state === 'queued' || job.state === 'running') {
      if (p.continuity) {
        // Continuity was asked for, but this backend cannot start from an image: from text, and the take says so.
        const current = JSON.parse(this.stillMine(job.id).payload_json) as ShotPayload
        const what =
          p.steps.video.backend === 'offline'
            ? 'offline generator'
            : p.steps.video.backend === 'gradio'
              ? 'Gradio Space'
              : `${p.steps.video.backend} backend`
        store.update(job.id, {
          payload: { ...current, continuityNote: `The ${what} has no start-image input here; started from text.` }
        })
      }
      const step = videoStep(p.steps, plan.space, await this.creds())
      this.change(
        store.update(job.id, { state: 'running', step: `video: ${step.label}`, progress: 0, runsOn: plan.where })
      )
      const out = await step.generate(
        { prompt: p.prompt, seed: p.seed },
        { signal, onProgress, workDir: this.stepDir(job.id, 'video'), ...this.remote(job) }
      )
      await advance('raw', out, 'video', step.label)
      return
    }
    if (job.state === 'upscaling') {
      const step = upscaleStep(p.steps, plan.space, await this.creds(), channel.format)
      this.change(store.update(job.id, { step: `upscale: ${step.label}`, progress: 0, runsOn: plan.where }))
      const out = await step.upscale(
        { prompt: p.prompt, video: this.abs(p.art.raw!) },
        { signal, onProgress, workDir: this.stepDir(job.id, 'upscale') }
      )
      await advance('upscaled', out, 'upscale')
      return
    }
    if (job.state === 'interpolating') {
      const step = interpolateStep(p.steps, plan.space, await this.creds(), channel.format.fps)
      this.change(store.update(job.id, { step: `interpolate: ${step.label}`, progress: 0, runsOn: plan.where }))
      const input = p.art.upscaled ?? p.art.raw!
      const out = await step.interpolate(
        { video: this.abs(input) },
        { signal, onProgress, workDir: this.stepDir(job.id, 'interpolate') }
      )
      await advance('interpolated', out, 'interpolate')
      return
    }
    if (job.state === 'conforming') await this.conformShot(job, p, signal)
  }

  /** Persist (or clear) the prompt a job has on a ComfyUI server, on top of the row's current payload. */
  private recordRemote(jobId: number): (ref: RemoteRef | null) => void {
    return (ref) => {
      const row = this.stillMine(jobId)
      const payload = JSON.parse(row.payload_json) as ShotPayload | MusicPayload
      if (ref) payload.remote = ref
      else delete payload.remote
      this.change(this.deps.store.update(jobId, { payload }))
    }
  }

  private async runComfyVideo(
    job: JobRow,
    p: ShotPayload,
    endpoint: string,
    signal: AbortSignal,
    advance: (art: keyof ShotPayload['art'], produced: string, done: 'video', label?: string) => Promise<void>
  ): Promise<void> {
    const { store } = this.deps
    const cfg = p.steps.video.comfyui ?? { workflow: 'wan22-t2v' as const }
    const workDir = this.stepDir(job.id, 'video')
    let startImage: string | undefined
    let continuedFrom: ShotPayload['continuedFrom']
    let continuityNote: string | undefined
    if (p.continuity) {
      const src = continuitySource(this.deps.lib, store, job, (r) => this.abs(r))
      if (src.kind === 'wait') throw new NotYet(1000)
      if (src.kind === 'text') continuityNote = src.note
      else if (!offersImageInput(cfg)) continuityNote = 'This workflow has no start-image input; started from text.'
      else {
        startImage = await lastFrame(src.video, workDir, signal)
        continuedFrom = src.from
      }
    }
    this.change(
      store.update(job.id, { state: 'running', step: `video: ComfyUI ${cfg.workflow} on ${endpoint}`, progress: 0 })
    )
    const previous = (JSON.parse(this.stillMine(job.id).payload_json) as ShotPayload).remote
    const r = await comfyVideo(
      cfg,
      {
        endpoint,
        token: await this.comfyToken(endpoint),
        timeoutMs: p.steps.callTimeoutMs,
        previous,
        record: this.recordRemote(job.id)
      },
      { prompt: p.prompt, seed: p.seed, startImage },
      { signal, onProgress: this.progress(job.id), workDir }
    )
    // The take's record of how it was made (read back by generation.takes.origin).
    const latest = JSON.parse(this.stillMine(job.id).payload_json) as ShotPayload
    store.update(job.id, {
      payload: { ...latest, continuedFrom: r.usedImage ? continuedFrom : undefined, continuityNote }
    })
    await advance('raw', r.file, 'video', `comfyui:${r.workflow}@${endpoint}`)
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
          backend: p.steps.video.backend === 'offline' ? 'offline' : (p.generator ?? 'gradio')
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
        !layMusicUnder(lib.db, job.shot_id, mp.track, segment.offset)
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
        backend: p.steps.video.backend === 'offline' ? 'offline' : (p.generator ?? 'gradio'),
        sequenceId: job.sequence_id ?? undefined,
        extra: {
          jobId: job.id,
          generator: p.generator ?? null,
          offline: p.steps.video.backend === 'offline',
          music: p.music
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
      // Measured here, once per sequence, rather than while holding a Space slot.
      shots.push({ jobId: j.id, duration: sp.durationSeconds ?? (await probeDuration(this.abs(file), signal)) })
    }
    if (shots.length === 0) {
      this.change(
        store.update(job.id, { state: 'canceled', error: 'No shot of the sequence got this far; no music made.' })
      )
      return
    }
    const { segments, total } = planSegments(shots)
    const dir = this.stepDir(job.id, 'music')
    let raw: string
    if (p.steps.music.backend === 'comfyui' && plan.endpoint) {
      const cfg = p.steps.music.comfyui ?? { workflow: 'ace-step' as const }
      this.change(
        store.update(job.id, {
          state: 'running',
          step: `music: ComfyUI ${cfg.workflow} on ${plan.endpoint}`,
          progress: 0,
          runsOn: plan.where
        })
      )
      const previous = (JSON.parse(this.stillMine(job.id).payload_json) as MusicPayload).remote
      const call = {
        endpoint: plan.endpoint,
        token: await this.comfyToken(plan.endpoint),
        timeoutMs: p.steps.callTimeoutMs,
        previous,
        record: this.recordRemote(job.id)
      }
      raw = await comfyMusic(
        cfg,
        call,
        { prompt: p.prompt, seed: p.seed, durationSeconds: total },
        { signal, onProgress: this.progress(job.id), workDir: dir }
      )
    } else {
      const step = musicStep(p.steps, plan.space, await this.creds())
      this.change(
        store.update(job.id, { state: 'running', step: `music: ${step.label}`, progress: 0, runsOn: plan.where })
      )
      raw = await step.compose(
        { prompt: p.prompt, seed: p.seed, durationSeconds: total },
        { signal, onProgress: this.progress(job.id), workDir: dir, ...this.remote(job) }
      )
    }
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
