import type { HfInferenceConfig } from '../../shared/contract/generation'

/**
 * Text to speech. Each provider is a row of the table in registry.ts (one file each):
 * the OS's own voice run as a separate program (espeak-ng, say, System.Speech), an
 * OpenAI-compatible /v1/audio/speech server, Hugging Face Inference Providers' text-to-speech
 * or a fal TTS endpoint (those two with the studio's HF token / fal key). A provider writes one audio file per call;
 * narrate.ts splits lines into sentences, measures them and builds the speech track.
 */
export interface SpeechRequest {
  text: string
  /** Provider-specific voice id; '' = the provider's default. */
  voice: string
  /** Speaking rate, 1 = normal. */
  rate: number
}

export interface VoiceProvider {
  readonly id: VoiceProviderId
  readonly label: string
  /** null when usable here, else what is missing and how to get it. */
  unavailable(): Promise<string | null>
  /** Speak `req.text` into an audio file inside `workDir`; returns its path. */
  speak(req: SpeechRequest, workDir: string, signal?: AbortSignal): Promise<string>
}

export type VoiceProviderId = 'os' | 'openai' | 'hf' | 'fal'

/** A Hugging Face Inference Providers text-to-speech model, with the studio's HF token (the generation backends' one). */
export interface HfSpeechSettings {
  provider: HfInferenceConfig['provider']
  model: string
  /** A self-hosted gateway in place of huggingface.co (and the switch that lets the token go there). */
  gateway?: string | undefined
  tokenToGateway?: boolean | undefined
  token?: string | undefined
}

/** A fal text-to-speech endpoint (fal-ai/kokoro/…, fal-ai/dia-tts…), with the studio's fal key (the generation backends' one). */
export interface FalSpeechSettings {
  endpoint: string
  /** A self-hosted gateway speaking fal's queue protocol (and the switch that lets the key go there). */
  gateway?: string | undefined
  keyToGateway?: boolean | undefined
  key?: string | undefined
}

export interface VoiceSettings {
  provider: VoiceProviderId
  /** OpenAI-compatible speech server (Kokoro-FastAPI, LocalAI, api.openai.com). */
  openai?: { baseUrl: string; model: string; apiKey?: string | undefined } | undefined
  /** Hugging Face Inference Providers text-to-speech; the token is the generation backends' HF token. */
  hf?: HfSpeechSettings | undefined
  /** A fal TTS endpoint; the key is the generation backends' fal key. */
  fal?: FalSpeechSettings | undefined
  rate?: number | undefined
  /** Used where a line's speaker has no voice of its own. */
  voice?: string | undefined
}

/** A voice id as providers accept them: letters, digits and + - _ . only (it goes into an argv or a JSON field). */
export const VOICE_ID = /^[A-Za-z0-9+_.-]{0,60}$/

export class VoiceError extends Error {}
