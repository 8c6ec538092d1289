import { join } from 'node:path'
import { z } from 'zod'
import type { ChannelLook } from '../../shared/channel-look'
import { DEFAULT_MIX_LEVELS, type ClipSound } from '../sound/mix'
import { shotSecondsFor, type Cue } from '../voice/narrate'

/**
 * What a shot's row says about its sound (shots.sound_json): its line, effect cue and
 * planned length, the narration spoken for it (a WAV in the data folder, with its
 * caption cues), the effect made from its cue, and the music bed segment laid under it. The conform turns this into
 * one mix (sound/mix.ts) and the captions; a re-conform (new look or format) reads it
 * again, so the narration survives every re-conform.
 */
const cueSchema = z.object({ start: z.number(), end: z.number(), text: z.string(), speaker: z.string() })

export const shotSoundSchema = z.object({
  line: z.object({ speaker: z.string(), text: z.string(), voice: z.string() }).nullable(),
  effect: z.string().nullable(),
  seconds: z.number(),
  /** Data-folder-relative WAV (voice/…), its cues and when the last sentence ends. */
  narration: z.object({ file: z.string(), cues: z.array(cueSchema), endSec: z.number() }).nullable(),
  music: z.object({ file: z.string(), offsetSec: z.number() }).nullable().optional(),
  /** The effect made from the cue at produce time (sfx/make.ts): data-folder-relative WAV, its length. */
  effectAudio: z.object({ file: z.string(), seconds: z.number() }).nullable().optional()
})
export type ShotSound = z.infer<typeof shotSoundSchema>

export function parseShotSound(json: string | null | undefined): ShotSound | null {
  if (!json) return null
  const parsed = shotSoundSchema.safeParse(JSON.parse(json))
  return parsed.success ? parsed.data : null
}

/** The conform's sound chain for a shot; null when it has no narration, music or effect of its own. */
export function clipSoundOf(sound: ShotSound | null, dataDir: string, look: ChannelLook): ClipSound | null {
  if (!sound || (!sound.narration && !sound.music && !sound.effectAudio)) return null
  const abs = (rel: string): string => join(dataDir, ...rel.split('/'))
  return {
    speech: sound.narration ? abs(sound.narration.file) : undefined,
    music: sound.music ? { file: abs(sound.music.file), offsetSec: sound.music.offsetSec } : undefined,
    effect: sound.effectAudio ? abs(sound.effectAudio.file) : undefined,
    keepModelAudio: true,
    levels: look.mix ?? DEFAULT_MIX_LEVELS,
    holdToSec: shotSecondsFor(0, sound.narration)
  }
}

/** The captions to burn, when the channel burns them and the shot speaks. */
export function captionsOf(sound: ShotSound | null, look: ChannelLook): Cue[] | undefined {
  return look.captions === 'burned' && sound?.narration?.cues.length ? sound.narration.cues : undefined
}

/**
 * Put the sequence's music segment into a narrated shot's sound (data-folder-relative
 * track, offset in seconds). Returns false for a shot without sound: the caller lays
 * the music under the clip itself, as before.
 */
export function layMusicUnder(
  lib: { shotSoundJson(id: number): string | null; setShotSoundJson(id: number, json: string | null): void },
  shotId: number,
  track: string,
  offsetSec: number
): boolean {
  const sound = parseShotSound(lib.shotSoundJson(shotId))
  if (!sound) return false
  lib.setShotSoundJson(shotId, JSON.stringify({ ...sound, music: { file: track, offsetSec } }))
  return true
}
