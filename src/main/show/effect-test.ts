import { mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { checkEffectRequest, finishEffect } from '../sfx/make'
import { EffectError, type EffectProvider } from '../sfx/types'
import { playableSample } from './playable-sample'

/** What "Test effect" asks for when no cue is given: a cue every provider (and the offline synth's families) knows. */
export const SAMPLE_CUE = 'rain on a tin roof'
export const SAMPLE_SECONDS = 4
/** Longest test effect: short enough to travel back as a data URL. */
export const EFFECT_TEST_MAX_SECONDS = 10

export interface EffectSample {
  /** data:audio/wav;base64,… */
  audio: string
  seconds: number
  bytes: number
  cue: string
}

/**
 * Make one effect the way a produced shot's is made (the provider, then the same cut,
 * fades and level), then small — mono 22.05 kHz — so the UI can play it from a data URL.
 * Nothing is kept: the work folder (inside the data folder) is removed whatever happens,
 * and the effects kept for shots (sfx/) are neither read nor written.
 */
export async function makeEffectSample(
  provider: EffectProvider,
  req: { cue?: string | undefined; seconds?: number | undefined },
  tmpParent: string,
  signal?: AbortSignal
): Promise<EffectSample> {
  const missing = await provider.unavailable()
  if (missing) throw new EffectError(missing)
  const checked = checkEffectRequest({
    cue: req.cue?.trim() || SAMPLE_CUE,
    seconds: Math.min(EFFECT_TEST_MAX_SECONDS, req.seconds ?? SAMPLE_SECONDS)
  })
  const work = mkdtempSync(join(tmpParent, 'tmp-sfx-test-'))
  try {
    const made = await provider.make(checked, work, signal)
    const finished = join(work, 'finished.wav')
    await finishEffect(made, checked.seconds, finished, provider.label, signal)
    const sample = await playableSample(finished, work, { signal, refuse: (m) => new EffectError(m) })
    return { ...sample, cue: checked.cue }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
