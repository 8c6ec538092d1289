import type { FalConfig } from '../../shared/contract/generation'
import { GenerationError } from '../generation/errors'
import { runOnFal } from '../generation/fal/queue'
import { redact } from '../secrets'
import { SPEECH_MAX_BYTES, SPEECH_TIMEOUT_MS } from './openai-speech'
import { VOICE_ID, VoiceError, type FalSpeechSettings, type SpeechRequest } from './types'

let counter = 0

export function falSpeechWhere(s: Pick<FalSpeechSettings, 'endpoint'>): string {
  return `fal (${s.endpoint})`
}

/**
 * One sentence through fal's queue (@fal-ai/client, the fal backend's own runner): the key
 * goes only where the token policy allows, the audio is downloaded bounded in size and
 * time, a cancel cancels at fal, and no error carries the key. Speech is cheap and quick,
 * so no request id is kept across a restart: an interrupted sentence is asked again.
 */
export async function falSpeak(
  s: FalSpeechSettings,
  req: SpeechRequest,
  workDir: string,
  signal?: AbortSignal
): Promise<string> {
  if (!VOICE_ID.test(req.voice)) throw new VoiceError(`"${req.voice}" is not a voice name.`)
  const where = falSpeechWhere(s)
  const config: FalConfig = {
    kind: 'fal',
    endpoint: s.endpoint,
    preset: 'custom',
    params: {},
    concurrency: 1,
    pollMs: 250,
    ...(s.gateway ? { gateway: s.gateway } : {}),
    ...(s.keyToGateway ? { keyToGateway: true } : {})
  }
  // fal's TTS endpoints name the text either "prompt" (Kokoro) or "text" (Dia, MiniMax, ElevenLabs): both are sent.
  const input: Record<string, unknown> = { prompt: req.text, text: req.text }
  if (req.voice) input.voice = req.voice
  if (req.rate !== 1) input.speed = req.rate
  try {
    return await runOnFal(
      { config, key: s.key },
      {
        input,
        timeoutMs: SPEECH_TIMEOUT_MS,
        outputName: `speech-fal-${process.pid}-${++counter}`,
        maxBytes: SPEECH_MAX_BYTES
      },
      { signal: signal ?? new AbortController().signal, onProgress: () => undefined, workDir }
    )
  } catch (err) {
    const message = err instanceof GenerationError || err instanceof Error ? err.message : String(err)
    throw new VoiceError(redact(`${where}: ${message}`, s.key ? [s.key] : []))
  }
}
