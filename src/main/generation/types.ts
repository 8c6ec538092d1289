import type { BackendKind } from '../../shared/contract/generation'

/**
 * One interface per generation step. A channel picks one implementation of each
 * (offline ffmpeg, a Gradio Space, an OpenAI-compatible LLM); the job queue only
 * ever talks to these interfaces.
 */

/** Why a step's signal aborted: the user canceled the job, or the process is stopping (the job resumes later). */
export const STOP_CANCEL = 'cancel'
export const STOP_SHUTDOWN = 'shutdown'

/** Where a step reports how far it got; any field may be unknown. */
export interface StepProgress {
  /** 0–100 within the current step. */
  percent?: number | undefined
  /** Place in a Space's queue (1 = next), when the Space says. */
  queuePosition?: number | undefined
  /** Seconds until done (or until processing starts while queued), when known. */
  etaSeconds?: number | undefined
  message?: string | undefined
}

export interface StepContext {
  signal: AbortSignal
  onProgress(progress: StepProgress): void
  /** A folder private to this job and step; outputs are written inside it. */
  workDir: string
  /**
   * The provider request this step started before a crash or restart (kept on the job
   * row): a step that can resume polls it instead of submitting (and paying) again.
   */
  remoteId?: string | undefined
  /** Record (or clear, with null) the provider's request id on the job row, at once and durably. */
  onRemoteId?(id: string | null): void
}

export interface ShotPrompt {
  prompt: string
  seed: number
}

export interface SequencePlan {
  /** The shared style/character description repeated in every prompt. */
  style: string
  shots: ShotPrompt[]
  /** Prompt-lint warnings, one line each, naming the shot. */
  warnings: string[]
  /** Which writer produced it: 'template' or 'llm:<model>'. */
  writer: string
}

export interface WriteRequest {
  theme: string
  count: number
  /** Optional style/character description the user wants kept across shots. */
  style?: string | undefined
  /** The how-many-th sequence on this theme (autopilot): the writer varies and continues. */
  variation?: number | undefined
  /** Why the writer's last lines were refused by moderation: the writer writes around it. */
  avoid?: string | undefined
}

export interface Writer {
  readonly id: string
  write(request: WriteRequest, opts: { signal?: AbortSignal | undefined }): Promise<SequencePlan>
}

export interface VideoStep {
  /** The backend kind; written into the shot's metadata. */
  readonly kind: BackendKind
  /** Human label, e.g. "Offline generator (ffmpeg)" or "hysts/zeroscope-v2 /run". */
  readonly label: string
  generate(request: ShotPrompt, ctx: StepContext): Promise<string>
}

export interface UpscaleStep {
  readonly label: string
  /** The same prompt as the generation: the XL pass re-diffuses from it. */
  upscale(request: { prompt: string; video: string }, ctx: StepContext): Promise<string>
}

export interface InterpolateStep {
  readonly label: string
  interpolate(request: { video: string }, ctx: StepContext): Promise<string>
}

export interface MusicStep {
  readonly label: string
  compose(request: { prompt: string; seed: number; durationSeconds: number }, ctx: StepContext): Promise<string>
}
