import type { BackendKind, BackendSettings, StepBackend, StepName } from '../../shared/contract/generation'
import type { Library } from '../library'
import type { SecretStore } from '../secrets'
import type { EndpointPool } from './comfyui/pool'
import type { StepContext } from './types'

/**
 * What the studio needs to know about one backend kind, declared once in the
 * kind's own folder (`generation/<kind>/backend.ts`) and listed in the table
 * (`generation/backends.ts`). The job queue, the settings checks, Test connection,
 * the CLI and the jobs list read these rows; none of them names a kind.
 */
export interface GenerationBackend {
  readonly kind: BackendKind
  /** "Gradio Space", "fal backend": how a take's continuity note names it. */
  readonly noun: string
  /** Runs on this machine (ffmpeg, no network): its takes say "offline". */
  readonly local?: boolean
  /** The write-only key it owns: its secret-store name (the field and label are in the contract's BACKEND_KINDS row). */
  readonly secret?: string
  /** A step switched to this kind (e.g. by `--backend` on one request) with what the kind needs filled in by default. */
  complete?(step: StepBackend, name: StepName): StepBackend
  /** Settings that cannot work, refused when saved (throw a StudioError naming the field and what to do). */
  check?(s: BackendSettings, name: StepName): void
  /** A short stable name of the engine a job uses ("fal:fal-ai/wan/…"), for the jobs list and filters. */
  engine(step: StepBackend, name: StepName): string
  /** Where a step runs, for the jobs list (`target`: the copy or server the plan picked). */
  where(step: StepBackend, name: StepName, target?: string): string
  /** A slot to run one step of a job in now, or null to wait (the scheduling resource and its concurrency). */
  plan(req: PlanRequest): Plan | null
  /** Whether this step can start from an image (a shot continuing the previous one); absent: never. */
  imageInput?(step: StepBackend, name: StepName): boolean
  /**
   * Whether this video step can continue a clip from its last frame with the same prompt (a narrated
   * shot longer than one clip, generation/extend.ts); absent: as `imageInput`. The offline generator
   * continues (a slow push-in on the frame) though it does not start shots from the previous one.
   */
  extendsFrom?(step: StepBackend, name: StepName): boolean
  /** The step's runner for one run on the planned slot; `label` is shown while it runs. */
  prepare(req: RunRequest): Promise<PreparedStep>
  /** Best-effort stop, at the provider, of a request a job has there that nobody here follows (canceled elsewhere). */
  cancelRemote?(row: JobRef, step: StepBackend, name: StepName, host: WorkerHost): Promise<void>
  /** Test connection for one step set to this kind: costs nothing, never throws, never echoes a key. */
  test(req: TestRequest): Promise<BackendTestResult[]>
  /** Seconds one shot of these settings lasts, as far as known before it is made (the autopilot's estimate). */
  clipSeconds?(s: BackendSettings): number
  /** One line for `webtv backends list`. */
  describe?(step: StepBackend, name: StepName): string
}

/** The parts of a job row a backend reads (the row itself belongs to the job store). */
export interface JobRef {
  channel_id: number
  payload_json: string
  /** The provider's request id, kept on the row (see StepContext.remoteId). */
  remote_id?: string | null | undefined
}

/** What the job queue lends a backend: the library, the secret store, its slot counts and the ComfyUI servers' health. */
export interface WorkerHost {
  lib: Library
  secrets: SecretStore
  /** Runs holding a resource now (in this process). */
  used(resource: string): number
  /** A resource that just failed rests until its time is up. */
  cooling(resource: string): boolean
  /** Health of the ComfyUI servers (a dead one is taken out and probed back). */
  comfyPool: EndpointPool
}

export interface PlanRequest {
  step: StepBackend
  settings: BackendSettings
  name: StepName
  /** The job (absent for steps that don't care which job it is). */
  job?: JobRef | undefined
  host: WorkerHost
}

export interface Plan {
  resource: string
  limit: number
  /** Where it runs, for the jobs list. */
  where: string
  /** The copy or server this run uses (a Space copy, a ComfyUI server). */
  target?: string | undefined
  /**
   * How a transient failure retries: 'copy' — at once on another copy, this one rests after two failures
   * in a row; 'now' — at once on any free server; absent — after the backoff.
   */
  retry?: 'copy' | 'now' | undefined
  /** The run finished: the slot is healthy. */
  onSuccess?(): void
  /** A failure that is the server's, not the job's: returns the note for the job (no attempt spent), or undefined. */
  serverDown?(err: unknown): string | undefined
}

/** The request of one step, whatever the step (each step reads its own fields). */
export interface StepInput {
  prompt: string
  seed: number
  /** upscale / interpolate: the clip to work on. */
  video?: string | undefined
  /** music: seconds of music wanted. */
  durationSeconds?: number | undefined
  /** video: the frame to start from — the previous shot's last frame (continuity, a backend with `imageInput`) or this clip's own (an extension, `extendsFrom`). */
  startImage?: string | undefined
  /** The channel's format (upscale target, interpolation fps). */
  format: { width: number; height: number; fps: number }
}

export interface StepOutput {
  file: string
  /** What made it, for the take's provenance (default: the prepared step's label). */
  generator?: string | undefined
  /** The start image was used (continuity). */
  usedImage?: boolean | undefined
}

export interface PreparedStep {
  label: string
  run(input: StepInput, ctx: StepContext): Promise<StepOutput>
}

export interface RunRequest {
  step: StepBackend
  settings: BackendSettings
  name: StepName
  plan: Plan
  host: WorkerHost
  /** A reference the job keeps in its payload (ComfyUI's prompt), to resume instead of submitting twice. */
  payloadRemote: { previous: unknown; record(ref: unknown): void }
}

export interface TestRequest {
  step: StepBackend
  settings: BackendSettings
  name: StepName
  host: WorkerHost
}

export interface BackendTestResult {
  step: string
  kind: BackendKind
  /** What was tested: a Space, a model at a provider, an endpoint. */
  space: string
  ok: boolean
  problem: string | null
  message: string
  endpoints: string[]
  parameters: Array<{ name: string; type: string; component: string; hasDefault: boolean }>
}

/** A test result with no Gradio details. */
export function testResult(
  kind: BackendKind,
  name: StepName,
  space: string,
  r: { ok: boolean; problem: string | null; message: string }
): BackendTestResult {
  return { step: name, kind, space, ok: r.ok, problem: r.problem, message: r.message, endpoints: [], parameters: [] }
}

/** The plan of a kind with one resource and its own concurrency (a provider account, an endpoint). */
export function providerPlan(req: PlanRequest, resource: string, concurrency: number, where: string): Plan | null {
  if (req.host.cooling(resource)) return null
  return req.host.used(resource) < concurrency ? { resource, limit: concurrency, where } : null
}

/** The local ffmpeg slot (offline generation, a step with nothing remote to run on). */
export function localPlan(req: PlanRequest): Plan | null {
  const limit = req.settings.localConcurrency
  return req.host.used('local') < limit ? { resource: 'local', limit, where: 'local' } : null
}
