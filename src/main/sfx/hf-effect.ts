import { textToAudio } from '@huggingface/inference'
import { hfAudioWhere, runHfAudioTask } from '../voice/hf-audio'
import {
  EFFECT_LUFS,
  EFFECT_MAX_BYTES,
  EFFECT_TIMEOUT_MS,
  EffectError,
  type EffectRequest,
  type HfEffectSettings,
  type MadeEffect
} from './types'

export const hfEffectWhere = (s: Pick<HfEffectSettings, 'provider' | 'model'>): string => hfAudioWhere(s)

/** One effect through @huggingface/inference's textToAudio, under the audio tasks' rules (voice/hf-audio.ts). */
export async function hfEffect(
  s: HfEffectSettings,
  req: EffectRequest,
  workDir: string,
  signal?: AbortSignal
): Promise<MadeEffect> {
  // The length, under the names text-to-audio models use (Stable Audio: seconds_total; MMAudio: duration).
  // The hf-inference provider takes the task's own parameters only; the effect is cut to length anyway.
  const seconds = Math.ceil(req.seconds)
  const parameters = s.provider === 'hf-inference' ? {} : { seconds_total: seconds, duration: seconds }
  const file = await runHfAudioTask(
    {
      settings: s,
      unit: 'one effect',
      maxBytes: EFFECT_MAX_BYTES,
      timeoutMs: EFFECT_TIMEOUT_MS,
      filePrefix: 'sfx-hf',
      fail: (message) => new EffectError(message),
      call: (args, options) =>
        textToAudio(
          { ...args, inputs: req.cue, ...(Object.keys(parameters).length ? { parameters } : {}) } as Parameters<
            typeof textToAudio
          >[0],
          options
        )
    },
    workDir,
    signal
  )
  return { file, lufs: EFFECT_LUFS }
}
