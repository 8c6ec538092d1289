import { gateEndpoint } from '../checks/endpoints'
import { checkBlocklist, moderateLines, type ModerationVerdict } from '../checks/moderation'
import { randomInt } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { StudioError } from '../../shared/contract/define'
import type { BackendKind, BackendSettings, JobDto, JobState } from '../../shared/contract/generation'
import type { EventBus } from '../core/events'
import type { Library } from '../library'
import type { SecretStore } from '../secrets'
import { hashText } from './offline'
import { getBackends, getLlm, LLM_KEY_SECRET } from './settings'
import { checkBackends } from './steps'
import { backendFor } from './backends'
import {
  ACTIVE_STATES,
  FINAL_STATES,
  jobDto,
  JobStore,
  type JobRow,
  type MusicPayload,
  type ShotPayload
} from './store'
import type { SequencePlan, Writer } from './types'
import { GenerationWorkers } from './workers'
import { LlmWriter } from './writer-llm'
import { TemplateWriter } from './writer-template'
import { GenerationError } from './errors'

export interface EnqueueRequest {
  channelId: number
  theme?: string | undefined
  style?: string | undefined
  shots: Array<{ prompt: string; seed?: number | undefined }>
  backend?: BackendKind | undefined
  music?: boolean | undefined
  /** Each shot after the first starts from the previous shot's last frame. */
  continuity?: boolean | undefined
  requestId?: string | undefined
}

export interface RegenerateRequest {
  shotId: number
  /** Default: the shot's prompt. */
  prompt?: string | undefined
  /** Default: a fresh seed (pass the shot's seed for "same seed"). */
  seed?: number | undefined
  backend?: BackendKind | undefined
  requestId?: string | undefined
}

export interface EnqueueResult {
  sequenceId: number
  jobIds: number[]
  shotIds: number[]
  duplicate: boolean
}

/**
 * The programmatic face of generation (ctx.services.get('generation')): what the
 * contract handlers, the CLI and `webtv demo` use. Opening a core does NOT start
 * workers; long-running commands call startWorkers().
 */
export class GenerationService {
  readonly store: JobStore
  readonly workers: GenerationWorkers

  constructor(
    readonly lib: Library,
    readonly secrets: SecretStore,
    private readonly bus: EventBus,
    readonly dataDir: string
  ) {
    this.store = new JobStore(lib.featureDatabase('generation'))
    this.workers = new GenerationWorkers({
      lib,
      store: this.store,
      dataDir,
      secrets,
      onJobChange: (row) => this.announce(row)
    })
  }

  announce(row: JobRow): void {
    const d = jobDto(row)
    this.bus.emit('generation.job', {
      jobId: d.id,
      channelId: d.channelId,
      shotId: d.shotId,
      sequenceId: d.sequenceId,
      kind: d.kind,
      state: d.state,
      step: d.step,
      percent: d.percent,
      queuePosition: d.queuePosition,
      etaSeconds: d.etaSeconds,
      error: d.error,
      attempts: d.attempts,
      runsOn: d.runsOn,
      endpoint: d.endpoint
    })
  }

  startWorkers(): void {
    this.workers.start()
  }

  stopWorkers(): Promise<void> {
    return this.workers.stop()
  }

  /** The writer the channel uses: the LLM when one is enabled (or asked for), else the offline template writer. */
  async writer(which?: 'template' | 'llm'): Promise<Writer> {
    const llm = getLlm(this.lib)
    if (which === 'template' || (which === undefined && !llm.enabled)) return new TemplateWriter()
    const apiKey = await this.secrets.get(LLM_KEY_SECRET)
    return new LlmWriter({ baseUrl: llm.baseUrl, model: llm.model, apiKey })
  }

  async write(
    channelId: number,
    theme: string,
    count: number,
    opts: {
      style?: string | undefined
      writer?: 'template' | 'llm' | undefined
      signal?: AbortSignal | undefined
      variation?: number
      avoid?: string | undefined
    } = {}
  ): Promise<SequencePlan> {
    const channel = this.lib.getChannel(channelId)
    const writer = await this.writer(opts.writer)
    const style = opts.style ?? (channel.style || undefined)
    const request = { theme, count, style, variation: opts.variation, avoid: opts.avoid }
    try {
      return await writer.write(request, { signal: opts.signal })
    } catch (err) {
      if (err instanceof GenerationError)
        throw new StudioError(err.kind === 'permanent' ? 'invalid_input' : 'unavailable', err.message)
      throw err
    }
  }

  /**
   * Lines bound for a generator (prompts, spoken lines, titles) through the owner's
   * blocklist and, when the studio has one set, the moderation service (checks/endpoints).
   */
  async moderate(channelId: number, texts: string[], signal?: AbortSignal): Promise<ModerationVerdict> {
    signal?.throwIfAborted()
    return moderateLines(this.lib, channelId, texts, await gateEndpoint(this.lib, this.secrets, 'moderation'))
  }

  /** `moderate`, refusing with the reason and what to do. */
  async refuseUnmoderated(channelId: number, texts: string[], field = 'shots'): Promise<void> {
    const v = await this.moderate(channelId, texts)
    if (!v.allowed) throw new StudioError('invalid_input', `Refused: ${v.reason} Write another line.`, field)
  }

  /** `enqueue` after the moderation service has passed every prompt: what every caller with a person or a writer behind it uses. */
  async enqueueModerated(req: EnqueueRequest): Promise<EnqueueResult> {
    this.lib.getChannel(req.channelId)
    await this.refuseUnmoderated(
      req.channelId,
      req.shots.map((s) => s.prompt)
    )
    return this.enqueue(req)
  }

  /**
   * Prompts → one pending shot + one job each (in playlist order), plus the sequence's music job. One transaction.
   * Synchronous, so it checks the blocklist only: callers go through `enqueueModerated`.
   */
  enqueue(req: EnqueueRequest): EnqueueResult {
    const channel = this.lib.getChannel(req.channelId)
    const base = getBackends(this.lib, channel.id)
    const steps: BackendSettings = withVideoBackend(base, req.backend)
    checkBackends(steps)
    // Nothing the owner blocked reaches a generator (the quality gate's moderation, src/main/checks).
    for (const s of req.shots) {
      const verdict = checkBlocklist(this.lib, channel.id, s.prompt)
      if (!verdict.allowed)
        throw new StudioError('invalid_input', `Refused: ${verdict.reason} Write another line.`, 'shots')
    }
    const music = req.music ?? steps.music.enabled
    const keyOf = (i: number): string | null => (req.requestId ? `${channel.id}:${req.requestId}:${i}` : null)
    const result = this.lib.transaction((): EnqueueResult => {
      const first = keyOf(0) ? this.store.byKey(keyOf(0)!) : undefined
      if (first) {
        const jobs = this.store.siblings(first.sequence_id!).filter((j) => j.kind === 'shot')
        return {
          sequenceId: first.sequence_id!,
          jobIds: jobs.map((j) => j.id),
          shotIds: jobs.map((j) => j.shot_id).filter((x): x is number => x !== null),
          duplicate: true
        }
      }
      const theme = req.theme ?? ''
      const style = req.style ?? ''
      const sequenceId = this.store.insertSequence(channel.id, theme, style)
      const jobIds: number[] = []
      const shotIds: number[] = []
      req.shots.forEach((s, i) => {
        const seed = s.seed ?? hashText(`${s.prompt}|${sequenceId}|${i}`) % 2147483647
        const shot = this.lib.createShot(channel.id, {
          prompt: s.prompt,
          seed,
          backend: steps.video.backend,
          sequenceId,
          approved: channel.reviewPolicy === 'auto',
          extra: { generating: true, offline: backendFor(steps.video).local === true }
        })
        const payload: ShotPayload = {
          prompt: s.prompt,
          seed,
          style,
          theme,
          steps,
          music,
          art: {},
          ...(req.continuity && i > 0 ? { continuity: true } : {})
        }
        jobIds.push(
          this.store.insert({
            channelId: channel.id,
            shotId: shot.id,
            sequenceId,
            kind: 'shot',
            index: i,
            payload,
            key: keyOf(i)
          })
        )
        shotIds.push(shot.id)
      })
      if (music) {
        const payload: MusicPayload = {
          prompt: `${[theme, style].filter(Boolean).join(', ') || req.shots[0]!.prompt}, instrumental soundtrack`,
          seed: hashText(`music|${sequenceId}`) % 2147483647,
          steps
        }
        this.store.insert({
          channelId: channel.id,
          shotId: null,
          sequenceId,
          kind: 'music',
          index: req.shots.length,
          payload,
          key: keyOf(-1)
        })
      }
      // The sequence joins the timeline now, in order; its shots air once ready (and approved).
      this.lib.addToPlaylist(channel.id, shotIds)
      return { sequenceId, jobIds, shotIds, duplicate: false }
    })
    if (!result.duplicate) for (const id of result.jobIds) this.announce(this.store.get(id)!)
    this.workers.wake()
    return result
  }

  /**
   * One job whose clip becomes a new take of an existing shot (payload.asTake):
   * same queue, retries and resume as any shot job, but no new shot and no
   * playlist change. The shot keeps its media until the take is chosen.
   */
  regenerate(req: RegenerateRequest): JobDto {
    const shot = this.lib.getShot(req.shotId)
    const channel = this.lib.getChannel(shot.channelId)
    if (shot.status === 'pending' || shot.status === 'queued' || shot.status === 'conforming') {
      throw new StudioError(
        'conflict',
        `Shot ${shot.id} is still being made (${shot.status}); regenerate it once it is ready.`,
        'shotId'
      )
    }
    // An imported clip's "prompt" is its title (the file name): never a thing to generate from.
    if (shot.backend === null && req.prompt === undefined)
      throw new StudioError(
        'invalid_input',
        `Shot ${shot.id} is an imported clip: its title is not a prompt. Give a prompt to regenerate it.`,
        'prompt'
      )
    const prompt = (req.prompt ?? shot.prompt).trim()
    if (prompt.length < 3)
      throw new StudioError('invalid_input', `Shot ${shot.id} has no prompt to regenerate from; give one.`, 'prompt')
    const base = getBackends(this.lib, channel.id)
    const steps: BackendSettings = withVideoBackend(base, req.backend)
    checkBackends(steps)
    const key = req.requestId ? `${channel.id}:regen:${req.requestId}` : null
    const { row, duplicate } = this.lib.transaction(() => {
      const existing = key ? this.store.byKey(key) : undefined
      if (existing) return { row: existing, duplicate: true }
      const seed = req.seed ?? randomInt(0, 2147483647)
      const payload: ShotPayload = { prompt, seed, style: '', theme: '', steps, music: false, art: {}, asTake: true }
      const id = this.store.insert({
        channelId: channel.id,
        shotId: shot.id,
        sequenceId: null,
        kind: 'shot',
        index: 0,
        payload,
        key
      })
      return { row: this.store.get(id)!, duplicate: false }
    })
    if (!duplicate) this.announce(row)
    this.workers.wake()
    return jobDto(row)
  }

  /** Write a sequence for a theme and enqueue it: what `webtv generate` and `webtv demo` call. */
  async enqueueTheme(
    channelId: number,
    theme: string,
    count: number,
    backend?: BackendKind,
    opts: { writer?: 'template' | 'llm'; signal?: AbortSignal; requestId?: string; variation?: number } = {}
  ): Promise<EnqueueResult & { plan: SequencePlan }> {
    const ask = (avoid?: string): Promise<SequencePlan> =>
      this.write(channelId, theme, count, {
        writer: opts.writer,
        signal: opts.signal,
        ...(opts.variation ? { variation: opts.variation } : {}),
        ...(avoid ? { avoid } : {})
      })
    let plan = await ask()
    // A refused line is never sent: the writer is asked for another plan, once.
    let verdict = await this.moderate(
      channelId,
      plan.shots.map((s) => s.prompt),
      opts.signal
    )
    if (!verdict.allowed) {
      plan = await ask(verdict.reason)
      verdict = await this.moderate(
        channelId,
        plan.shots.map((s) => s.prompt),
        opts.signal
      )
      if (!verdict.allowed)
        throw new StudioError(
          'invalid_input',
          `The writer's lines were refused twice: ${verdict.reason} Change the theme, or review the blocklist (webtv gate blocklist) and the moderation service (webtv gate moderation).`,
          'theme'
        )
    }
    const r = this.enqueue({
      channelId,
      theme,
      style: plan.style,
      shots: plan.shots,
      backend,
      requestId: opts.requestId
    })
    return { ...r, plan }
  }

  listJobs(
    q: {
      channelId?: number | undefined
      states?: JobState[] | undefined
      limit?: number | undefined
      ids?: number[] | undefined
    } = {}
  ): JobDto[] {
    return this.store.list(q).map(jobDto)
  }

  /** How many jobs are in each state (the status snapshot). */
  jobCounts(): Record<string, number> {
    return this.store.countByState()
  }

  getJob(id: number): JobRow {
    const row = this.store.get(id)
    if (!row) throw new StudioError('not_found', `Job ${id} does not exist.`)
    return row
  }

  cancel(id: number): JobDto {
    const row = this.getJob(id)
    if (FINAL_STATES.includes(row.state))
      throw new StudioError('conflict', `Job ${id} is already ${row.state}; nothing to cancel.`)
    const updated = this.lib.transaction(() => {
      const r = this.store.update(id, {
        state: 'canceled',
        error: 'Canceled by the user.',
        queuePosition: null,
        etaSeconds: null,
        notBefore: 0
      })
      return r
    })
    this.workers.abortLocal(id)
    // A provider request nobody here follows (no worker, or one in another process that may be gone): cancel it at the provider too.
    if (!this.workers.isRunning(id)) void this.workers.cancelRemote(row)
    // A canceled regeneration leaves its shot alone; a first generation's pending shot goes.
    if (row.shot_id !== null && !isTakeJob(row)) {
      try {
        this.lib.deleteShots([row.shot_id])
      } catch {
        /* already gone */
      }
    }
    this.announce(updated)
    this.workers.wake()
    return jobDto(this.store.get(id)!)
  }

  retry(id: number): JobDto {
    const row = this.getJob(id)
    if (ACTIVE_STATES.includes(row.state) || row.state === 'ready') {
      throw new StudioError('conflict', `Job ${id} is ${row.state}; only failed or canceled jobs can be retried.`)
    }
    const abs = (rel: string | undefined): boolean =>
      rel !== undefined && existsSync(join(this.dataDir, ...rel.split('/')))
    const updated = this.lib.transaction(() => {
      // A retry is the user's explicit go: a request left half-sent by a crash is sent anew.
      if (row.kind === 'music')
        return this.store.update(id, {
          state: 'queued',
          step: null,
          attempts: 0,
          error: null,
          notBefore: 0,
          progress: 0,
          remoteId: null
        })
      const p = JSON.parse(row.payload_json) as ShotPayload
      // Resume after the last step whose output survived.
      let state: JobState = 'queued'
      if (abs(p.art.interpolated)) state = 'conforming'
      else if (abs(p.art.upscaled)) state = p.steps.interpolate.enabled ? 'interpolating' : 'conforming'
      else if (abs(p.art.raw))
        state = p.steps.upscale.enabled ? 'upscaling' : p.steps.interpolate.enabled ? 'interpolating' : 'conforming'
      if (state === 'queued') p.art = {}
      let shotId = row.shot_id
      const shotExists = shotId !== null && this.lib.shotExists(shotId)
      if (!shotExists && p.asTake)
        throw new StudioError('not_found', `The shot job ${id} was regenerating no longer exists.`)
      if (!shotExists) {
        const channel = this.lib.getChannel(row.channel_id)
        const shot = this.lib.createShot(row.channel_id, {
          prompt: p.prompt,
          seed: p.seed,
          backend: p.steps.video.backend,
          sequenceId: row.sequence_id ?? undefined,
          approved: channel.reviewPolicy === 'auto'
        })
        shotId = shot.id
        this.lib.addToPlaylist(row.channel_id, [shot.id])
        this.store.setShot(id, shotId)
      }
      return this.store.update(id, {
        state,
        step: null,
        attempts: 0,
        error: null,
        notBefore: 0,
        progress: 0,
        payload: p,
        remoteId: null
      })
    })
    this.announce(updated)
    this.workers.wake()
    return jobDto(updated)
  }

  /**
   * Resolve when every listed job is final (ready, failed or canceled). Works
   * whether this process or another one runs the workers.
   */
  async waitForJobs(
    ids: number[],
    opts: { signal?: AbortSignal | undefined; onUpdate?: ((jobs: JobDto[]) => void) | undefined; pollMs?: number } = {}
  ): Promise<JobDto[]> {
    for (;;) {
      const jobs = this.listJobs({ ids, limit: ids.length })
      opts.onUpdate?.(jobs)
      if (jobs.every((j) => FINAL_STATES.includes(j.state))) return jobs
      if (opts.signal?.aborted) return jobs
      await new Promise<void>((resolve) => {
        const onAbort = (): void => {
          clearTimeout(t)
          resolve()
        }
        const t = setTimeout(() => {
          opts.signal?.removeEventListener('abort', onAbort)
          resolve()
        }, opts.pollMs ?? 300)
        opts.signal?.addEventListener('abort', onAbort, { once: true })
      })
    }
  }
}

function isTakeJob(row: JobRow): boolean {
  return row.kind === 'shot' && (JSON.parse(row.payload_json) as Partial<ShotPayload>).asTake === true
}

/** The channel's backends with the video step switched to another kind (a per-request override). */
function withVideoBackend(base: BackendSettings, backend: BackendKind | undefined): BackendSettings {
  if (!backend) return base
  const video = { ...base.video, backend }
  return { ...base, video: backendFor(video).complete?.(video, 'video') ?? video }
}
