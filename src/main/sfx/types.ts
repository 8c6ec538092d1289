import { EFFECT_CUE_MAX_CHARS } from '../../shared/contract/show'
import type { LoudnessMeasurement } from '../media/loudness'
import type { FalSpeechSettings, HfSpeechSettings } from '../voice/types'

/**
 * Text to audio for a shot's sound-effect cue ("rain on a tin roof"). Each provider is a
 * row of the table in registry.ts (one file each): an offline synth that needs no account
 * (ffmpeg's own sources, run as a separate program), Hugging Face Inference Providers'
 * text-to-audio or a fal text-to-audio endpoint (with the studio's HF token / fal key), or a
 * Stable Audio workflow on the studio's ComfyUI servers.
 * A provider writes one audio file per cue; make.ts brings it to the shot's length and a
 * common level and keeps it in the data folder, once per cue.
 */
export interface EffectRequest {
  /** The cue as the plan gives it (at most CUE_MAX_CHARS). */
  cue: string
  /** How long the effect should last, seconds. */
  seconds: number
}

export interface EffectProvider {
  readonly id: EffectProviderId
  readonly label: string
  /** What the effect files depend on besides the cue (the model): part of their cache key. */
  readonly key: string
  /** null when usable here, else what is missing and how to get it. */
  unavailable(): Promise<string | null>
  /** Make the effect into an audio file inside `workDir`; returns its path and the loudness it should sit at. */
  make(req: EffectRequest, workDir: string, signal?: AbortSignal): Promise<MadeEffect>
}

export interface MadeEffect {
  file: string
  /** The integrated loudness (LUFS) the effect is brought to before the mix; the mix's "effects" level applies on top. */
  lufs: number
  /** Present when the file is already shaped and metered (finish-chain.ts): what the meter said. */
  measured?: LoudnessMeasurement | undefined
}

export type EffectProviderId = 'offline' | 'hf' | 'fal' | 'comfyui' | 'off'

/** A Hugging Face text-to-audio model (e.g. stabilityai/stable-audio-open-1.0) with the studio's HF token. */
export type HfEffectSettings = HfSpeechSettings
/** A fal text-to-audio endpoint (e.g. fal-ai/stable-audio) with the studio's fal key. */
export type FalEffectSettings = FalSpeechSettings

/** The studio's ComfyUI servers in the order they are tried, each with the ComfyUI token where it may go. */
export interface ComfyEffectSettings {
  servers: Array<{ url: string; token?: string | undefined }>
}

export interface EffectSettings {
  provider: EffectProviderId
  hf?: HfEffectSettings | undefined
  fal?: FalEffectSettings | undefined
  comfyui?: ComfyEffectSettings | undefined
}

/** Where a hosted effect sits before the mix level applies (close to a spoken line's level). */
export const EFFECT_LUFS = -20
/** The longest effect made (a shot is seconds long). */
export const EFFECT_MAX_SECONDS = 30
export const EFFECT_MIN_SECONDS = 0.5
/** A hosted answer larger than this is refused (30 s of 48 kHz stereo float WAV is 11.5 MB). */
export const EFFECT_MAX_BYTES = 24 * 1024 * 1024
/** Text-to-audio models take longer than speech; past this the request is dropped (and canceled at fal). */
export const EFFECT_TIMEOUT_MS = 180_000
export const CUE_MAX_CHARS = EFFECT_CUE_MAX_CHARS

export class EffectError extends Error {}
