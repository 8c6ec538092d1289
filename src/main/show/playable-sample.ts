import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { runFfmpeg } from '../media/ffmpeg-runner'
import { probe } from '../media/probe'

/** 15 s of 22.05 kHz 16-bit mono WAV is ~660 kB; anything bigger is refused, not sent. */
export const TEST_MAX_BYTES = 1024 * 1024

export interface PlayableSample {
  /** data:audio/wav;base64,… */
  audio: string
  seconds: number
  bytes: number
}

/**
 * A test sample made small — mono 22.05 kHz PCM, at most `maxSeconds` — so the settings
 * page can play it from a data URL ("Test voice", "Test effect"). Written into `work`
 * (the caller's folder inside the data folder, which it removes); over TEST_MAX_BYTES it
 * is refused with the caller's error class.
 */
export async function playableSample(
  input: string,
  work: string,
  opts: { maxSeconds?: number | undefined; signal?: AbortSignal | undefined; refuse: (message: string) => Error }
): Promise<PlayableSample> {
  const out = join(work, 'sample.wav')
  await runFfmpeg(
    [
      ...['-hide_banner', '-nostdin', '-y', '-loglevel', 'error', '-i', input],
      ...(opts.maxSeconds ? ['-t', String(opts.maxSeconds)] : []),
      ...['-ac', '1', '-ar', '22050', '-c:a', 'pcm_s16le', out]
    ],
    { signal: opts.signal, lowPriority: true }
  )
  const bytes = statSync(out).size
  if (bytes > TEST_MAX_BYTES)
    throw opts.refuse(`The sample is ${bytes} bytes, over the ${TEST_MAX_BYTES} a test may send back.`)
  const info = await probe(out, opts.signal)
  return {
    audio: `data:audio/wav;base64,${readFileSync(out).toString('base64')}`,
    seconds: info.audio?.durationSec ?? info.formatDurationSec ?? 0,
    bytes
  }
}
