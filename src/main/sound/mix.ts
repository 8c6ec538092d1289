import { runFfmpeg } from '../media/ffmpeg-runner'
import { parseEbur128Summary, type LoudnessMeasurement } from '../media/loudness'

/**
 * One mix at conform: the speech on top; the model's own audio and the sound effect
 * under it (the effect dips a little while a line is spoken); the music bed ducked
 * under the speech by a sidechain compressor keyed from the speech (it comes back up
 * between lines). The channel's loudness target
 * and true-peak ceiling are applied after, by the conform, to this mix as a whole.
 */

/** Levels of each layer relative to its source, dB (per channel, in the look). */
export interface MixLevels {
  speechDb: number
  modelDb: number
  effectDb: number
  musicDb: number
}

export const DEFAULT_MIX_LEVELS: MixLevels = { speechDb: 0, modelDb: -6, effectDb: -8, musicDb: -8 }
export const MIX_LEVEL_MIN_DB = -40
export const MIX_LEVEL_MAX_DB = 12

/**
 * The ducking compressor: a low threshold and the highest ratio, so any speech pulls
 * the music down by well over 8 dB (measured ≈ 15–25 dB on espeak-ng); a 400 ms
 * release brings it back up between sentences rather than between syllables.
 */
export const DUCK = 'threshold=0.01:ratio=20:attack=15:release=400:makeup=1:level_sc=2:link=maximum'

/**
 * The effect ducks gently under the speech (measured ≈ 8 dB on espeak-ng, where the music
 * dips 15–25 dB): it belongs to the scene and stays heard under the line, but never covers a word.
 */
export const DUCK_EFFECT = 'threshold=0.05:ratio=2:attack=20:release=500:makeup=1:level_sc=2:link=maximum'
/** An effect longer than its shot fades out over the shot's last this-many seconds. */
export const EFFECT_FADE_SECONDS = 0.25

export interface ClipSound {
  /** The narration (speech.wav from voice/narrate.ts): its timing is the take's. */
  speech?: string | undefined
  /** The sequence's music bed and where in it this shot begins. */
  music?: { file: string; offsetSec: number } | undefined
  /** A sound effect under the shot, from its start. */
  effect?: string | undefined
  /** Keep the audio the video model made with the picture (when the source has any). */
  keepModelAudio: boolean
  levels: MixLevels
  /** The shot lasts at least this long: the picture is extended (last frame held) so a line is never cut. */
  holdToSec: number
}

const STEREO = 'aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo'

/**
 * ffmpeg arguments for the mix: input 0 is the clip (its audio only), then speech,
 * effect, music as present. Writes a 48 kHz stereo float WAV `seconds` long, and
 * meters it (ebur128, true peak) in the same pass for the loudness decision. Pure.
 */
export function mixArgs(
  clip: string,
  clipHasAudio: boolean,
  sound: ClipSound,
  seconds: number,
  out: string
): { args: string[]; layers: string[] } {
  const args = ['-hide_banner', '-nostdin', '-y', '-nostats', '-loglevel', 'info']
  const chains: string[] = []
  const bed: string[] = []
  const layers: string[] = []
  let next = 0
  args.push('-vn', '-i', clip)
  next++
  const L = sound.levels
  if (sound.keepModelAudio && clipHasAudio) {
    chains.push(`[0:a:0]asetpts=PTS-STARTPTS,${STEREO},volume=${L.modelDb}dB[model]`)
    bed.push('[model]')
    layers.push('model')
  }
  let speech: string | null = null
  // One key (the speech, padded with silence) for each layer ducked under it: the music, then the effect.
  const keys: string[] = []
  if (sound.speech) {
    args.push('-i', sound.speech)
    const i = next++
    // Exactly one key per ducked layer: a padded key that feeds nothing never ends, and the mix with it.
    const n = (sound.music ? 1 : 0) + (sound.effect ? 1 : 0)
    const raw = Array.from({ length: n }, (_, k) => `[key${k}r]`)
    // The key is padded with silence: the compressor stops at the end of either input, the music must not.
    chains.push(
      `[${i}:a:0]${STEREO},volume=${L.speechDb}dB,${n > 0 ? `asplit=${n + 1}` : 'anull'}[speech]${raw.join('')}`
    )
    raw.forEach((r, k) => {
      chains.push(`${r}apad[key${k}]`)
      keys.push(`[key${k}]`)
    })
    speech = '[speech]'
    layers.push('speech')
  }
  if (sound.effect) {
    args.push('-i', sound.effect)
    const i = next++
    // Faded out at the shot's end (an effect longer than the shot must not stop with a click).
    const fade = `afade=t=out:st=${Math.max(0, seconds - EFFECT_FADE_SECONDS).toFixed(3)}:d=${EFFECT_FADE_SECONDS}`
    chains.push(`[${i}:a:0]asetpts=PTS-STARTPTS,${STEREO},volume=${L.effectDb}dB,${fade}[fx0]`)
    const key = speech ? keys.pop() : undefined
    chains.push(key ? `[fx0]${key}sidechaincompress=${DUCK_EFFECT}[fx]` : '[fx0]anull[fx]')
    bed.push('[fx]')
    layers.push('effect')
  }
  if (sound.music) {
    // Only this shot's segment of the bed is read.
    args.push('-ss', sound.music.offsetSec.toFixed(3), '-t', seconds.toFixed(3), '-i', sound.music.file)
    const i = next++
    chains.push(`[${i}:a:0]asetpts=PTS-STARTPTS,${STEREO},volume=${L.musicDb}dB[music0]`)
    const key = speech ? keys.pop() : undefined
    chains.push(key ? `[music0]${key}sidechaincompress=${DUCK}[music]` : '[music0]anull[music]')
    bed.push('[music]')
    layers.push('music')
  }
  const all = [...bed, ...(speech ? [speech] : [])]
  if (all.length === 0) {
    chains.push(`anullsrc=channel_layout=stereo:sample_rate=48000[silence]`)
    all.push('[silence]')
  }
  const samples = Math.round(seconds * 48000)
  const mixed = all.length > 1 ? `${all.join('')}amix=inputs=${all.length}:duration=longest:normalize=0,` : `${all[0]}`
  chains.push(`${mixed}${all.length > 1 ? '' : 'anull,'}apad,atrim=end_sample=${samples},ebur128=peak=true[out]`)
  args.push('-filter_complex', chains.join(';'), '-map', '[out]', '-c:a', 'pcm_f32le', '-ar', '48000', out)
  return { args, layers }
}

/** Render the mix to a WAV; returns what the meter measured on it (null for a silent mix). */
export async function renderMix(
  clip: string,
  clipHasAudio: boolean,
  sound: ClipSound,
  seconds: number,
  out: string,
  signal?: AbortSignal
): Promise<{ measurement: LoudnessMeasurement | null; layers: string[] }> {
  const { args, layers } = mixArgs(clip, clipHasAudio, sound, seconds, out)
  const { stderr } = await runFfmpeg(args, { signal, lowPriority: true })
  return { measurement: parseEbur128Summary(stderr), layers }
}
