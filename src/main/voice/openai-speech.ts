import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import OpenAI from 'openai'
import { redact } from '../secrets'
import { VOICE_ID, VoiceError, type SpeechRequest } from './types'

/** Largest reply accepted for one sentence (a minute of 48 kHz 16-bit stereo WAV is ~11 MB). */
export const SPEECH_MAX_BYTES = 16 * 1024 * 1024
export const SPEECH_TIMEOUT_MS = 60_000

export interface OpenAiSpeechSettings {
  baseUrl: string
  model: string
  apiKey?: string | undefined
}

let counter = 0

/**
 * An OpenAI-compatible speech endpoint (POST /v1/audio/speech, WAV asked for):
 * api.openai.com, Kokoro-FastAPI, LocalAI… The reply is read to a bounded size;
 * the key never appears in an error.
 */
export async function openAiSpeak(
  settings: OpenAiSpeechSettings,
  req: SpeechRequest,
  workDir: string,
  signal?: AbortSignal
): Promise<string> {
  if (!VOICE_ID.test(req.voice)) throw new VoiceError(`"${req.voice}" is not a voice name (e.g. alloy, af_bella).`)
  const client = new OpenAI({
    baseURL: settings.baseUrl,
    apiKey: settings.apiKey || 'no-key-needed',
    timeout: SPEECH_TIMEOUT_MS,
    maxRetries: 1
  })
  const where = `the speech server at ${settings.baseUrl}`
  const clean = (s: string): string => redact(s, settings.apiKey ? [settings.apiKey] : [])
  let res: Response
  try {
    res = await client.audio.speech.create(
      {
        model: settings.model,
        voice: (req.voice || 'alloy') as OpenAI.Audio.SpeechCreateParams['voice'],
        input: req.text,
        response_format: 'wav',
        speed: Math.min(4, Math.max(0.25, req.rate))
      },
      { signal }
    )
  } catch (err) {
    if (err instanceof OpenAI.AuthenticationError || err instanceof OpenAI.PermissionDeniedError)
      throw new VoiceError(`${where} refused the key (${err.status}). Set a valid key for the voice in Settings.`)
    if (err instanceof OpenAI.NotFoundError)
      throw new VoiceError(`${where} does not know the model "${settings.model}" or has no /audio/speech (404).`)
    if (err instanceof OpenAI.APIConnectionError)
      throw new VoiceError(`${where} cannot be reached. Check the base URL (it usually ends in /v1) and that it runs.`)
    if (err instanceof OpenAI.APIError)
      throw new VoiceError(clean(`${where} rejected the request (${err.status ?? '?'}): ${err.message}`))
    throw new VoiceError(clean(`${where}: ${err instanceof Error ? err.message : String(err)}`))
  }
  const declared = Number(res.headers.get('content-length') ?? 0)
  if (declared > SPEECH_MAX_BYTES)
    throw new VoiceError(`${where} sent ${declared} bytes for one sentence; the limit is ${SPEECH_MAX_BYTES}.`)
  const chunks: Uint8Array[] = []
  let size = 0
  const reader = res.body?.getReader()
  if (!reader) throw new VoiceError(`${where} answered without audio.`)
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > SPEECH_MAX_BYTES) {
      await reader.cancel()
      throw new VoiceError(`${where} sent more than ${SPEECH_MAX_BYTES} bytes for one sentence; stopped reading.`)
    }
    chunks.push(value)
  }
  if (size < 44) throw new VoiceError(`${where} answered with ${size} bytes, not audio.`)
  const out = join(workDir, `speech-${process.pid}-${++counter}.wav`)
  writeFileSync(out, Buffer.concat(chunks))
  return out
}
