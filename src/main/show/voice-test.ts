import { mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { narrate } from '../voice/narrate'
import { VoiceError, type VoiceProvider } from '../voice/types'
import { playableSample, TEST_MAX_BYTES, type PlayableSample } from './playable-sample'

export const SAMPLE_LINE = 'Good evening. This is the voice of your channel.'
/** Longest sample played back: enough for two sentences, small enough to travel as a data URL. */
export const TEST_MAX_SECONDS = 15
export { TEST_MAX_BYTES }

export type VoiceSample = PlayableSample

/**
 * Speak a sample line the way a show's line is spoken (sentence by sentence,
 * trimmed, measured), then make it small — mono 22.05 kHz, at most TEST_MAX_SECONDS —
 * so the UI can play it from a data URL. The work folder (inside the data folder) is
 * removed whatever happens.
 */
export async function speakSample(
  provider: VoiceProvider,
  req: { text?: string | undefined; voice: string; rate?: number | undefined },
  tmpParent: string,
  signal?: AbortSignal
): Promise<VoiceSample> {
  const missing = await provider.unavailable()
  if (missing) throw new VoiceError(missing)
  const work = mkdtempSync(join(tmpParent, 'tmp-voice-test-'))
  try {
    const n = await narrate(
      provider,
      { text: req.text?.trim() || SAMPLE_LINE, speaker: 'narrator', voice: req.voice, rate: req.rate },
      join(work, 'line'),
      signal
    )
    return await playableSample(n.file, work, {
      maxSeconds: TEST_MAX_SECONDS,
      signal,
      refuse: (m) => new VoiceError(m)
    })
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
