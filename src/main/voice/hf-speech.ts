import { textToSpeech } from '@huggingface/inference'
import { hfAudioWhere, runHfAudioTask } from './hf-audio'
import { SPEECH_MAX_BYTES, SPEECH_TIMEOUT_MS } from './openai-speech'
import { VOICE_ID, VoiceError, type HfSpeechSettings, type SpeechRequest } from './types'

export const hfSpeechWhere = (s: Pick<HfSpeechSettings, 'provider' | 'model'>): string => hfAudioWhere(s)

/** One sentence through @huggingface/inference's textToSpeech, under the audio tasks' rules (hf-audio.ts). */
export async function hfSpeak(
  s: HfSpeechSettings,
  req: SpeechRequest,
  workDir: string,
  signal?: AbortSignal
): Promise<string> {
  if (!VOICE_ID.test(req.voice)) throw new VoiceError(`"${req.voice}" is not a voice name.`)
  const parameters: Record<string, unknown> = {}
  if (req.voice) parameters.voice = req.voice
  if (req.rate !== 1) parameters.speed = req.rate
  return runHfAudioTask(
    {
      settings: s,
      unit: 'one sentence',
      maxBytes: SPEECH_MAX_BYTES,
      timeoutMs: SPEECH_TIMEOUT_MS,
      filePrefix: 'speech-hf',
      fail: (message) => new VoiceError(message),
      call: (args, options) =>
        textToSpeech(
          { ...args, inputs: req.text, ...(Object.keys(parameters).length ? { parameters } : {}) } as Parameters<
            typeof textToSpeech
          >[0],
          options
        )
    },
    workDir,
    signal
  )
}
