import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { runFfmpeg } from '../media/ffmpeg-runner'
import { probe } from '../media/probe'
import { narrate } from '../voice/narrate'
import { VoiceError, type VoiceProvider } from '../voice/types'

export const SAMPLE_LINE = 'Good evening. This is the voice of your channel.'
/** Longest sample played back: enough for two sentences, small enough to travel as a data URL. */
export const TEST_MAX_SECONDS = 15
/** 15 s of 22.05 kHz 16-bit mono WAV is ~660 kB; anything bigger is refused, not sent. */
export const TEST_MAX_BYTES = 1024 * 1024

export interface VoiceSample {
  /** data:audio/wav;base64,… */
  audio: string
  seconds: number
  bytes: number
}

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
    const out = join(work, 'sample.wav')
    await runFfmpeg(
      [
        ...['-hide_banner', '-nostdin', '-y', '-loglevel', 'error', '-i', n.file],
        ...['-t', String(TEST_MAX_SECONDS), '-ac', '1', '-ar', '22050', '-c:a', 'pcm_s16le', out]
      ],
      { signal, lowPriority: true }
    )
    const bytes = statSync(out).size
    if (bytes > TEST_MAX_BYTES)
      throw new VoiceError(`The sample is ${bytes} bytes, over the ${TEST_MAX_BYTES} a test may send back.`)
    const info = await probe(out, signal)
    return {
      audio: `data:audio/wav;base64,${readFileSync(out).toString('base64')}`,
      seconds: info.audio?.durationSec ?? info.formatDurationSec ?? 0,
      bytes
    }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
