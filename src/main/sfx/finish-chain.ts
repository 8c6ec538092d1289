/** Fades at an effect's edges, so a cut never clicks. */
export const FADE_IN_SECONDS = 0.02
export const FADE_OUT_SECONDS = 0.25

/**
 * The filters that put any audio on an effect's terms: 48 kHz stereo float, exactly
 * `seconds` long (padded with silence or cut), faded at both edges, then metered (EBU R128
 * and true peak, in the run's summary) for the level it is brought to. The offline synth
 * ends its own graph with it, so one ffmpeg run makes, shapes and meters an effect.
 */
export function finishChain(seconds: number): string {
  const samples = Math.round(seconds * 48000)
  return (
    `aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,apad,atrim=end_sample=${samples},` +
    `afade=t=in:d=${FADE_IN_SECONDS},afade=t=out:st=${Math.max(0, seconds - FADE_OUT_SECONDS).toFixed(3)}:d=${FADE_OUT_SECONDS},` +
    'ebur128=peak=true'
  )
}
