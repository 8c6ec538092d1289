import { makeEffect } from '../sfx/make'
import { EFFECT_MAX_SECONDS, type EffectProvider } from '../sfx/types'
import { shotSecondsFor } from '../voice/narrate'
import type { ShotSound } from './sound'

/**
 * An effect runs this much past the shot's planned length: the video model's clip may
 * run a little longer than planned, and the mix fades the effect out at the shot's real end.
 */
export const EFFECT_MARGIN_SECONDS = 2

/**
 * The produce step for effects: each shot with a cue gets its effect made (once per cue,
 * kept in the data folder) and named in its sound, so every conform of it — first,
 * re-conform, regenerated take — mixes the same effect. An effect that cannot be made
 * leaves its shot without one and says why; the lines and pictures go on regardless.
 */
export async function makeShotEffects(
  provider: EffectProvider,
  sounds: ShotSound[],
  dataDir: string,
  signal?: AbortSignal
): Promise<{ made: number; warning: string | null }> {
  const cued = sounds.filter((s) => s.effect?.trim())
  if (cued.length === 0) return { made: 0, warning: null }
  const missing = await provider.unavailable()
  if (missing) return { made: 0, warning: `${missing} The effect cues stay silent.` }
  let made = 0
  const failures: string[] = []
  for (const sound of cued) {
    const seconds = Math.min(EFFECT_MAX_SECONDS, shotSecondsFor(sound.seconds, sound.narration) + EFFECT_MARGIN_SECONDS)
    try {
      sound.effectAudio = await makeEffect(provider, { cue: sound.effect!, seconds }, dataDir, signal)
      made++
    } catch (err) {
      if (signal?.aborted) throw err
      failures.push((err as Error).message)
    }
  }
  const warning = failures.length
    ? `${failures.length} of ${cued.length} effect(s) could not be made (${provider.label}): ${failures[0]}`
    : null
  return { made, warning }
}
