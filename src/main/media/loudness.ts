/**
 * Loudness at conform: one measuring pass (ffmpeg's EBU R128 meter, `ebur128`
 * with true peak) over the audio exactly as the conform will see it, then a
 * static gain to the channel's target with a true-peak-safe limiter in the
 * conform's own encode.
 *
 * Why a measured static gain and not two-pass `loudnorm`: a static gain keeps the
 * clip's dynamics (loudnorm's dynamic mode rides the level inside the clip, and
 * its linear mode falls back to dynamic whenever the peak would pass the
 * ceiling), it costs one cheap audio-only pass, and `loudnorm` also resamples to
 * 192 kHz on output. The limiter only touches the few peaks a large gain pushes
 * over the ceiling. Where it shaves enough to pull a short, loud take short of the
 * target (a mixed narration), the conform meters a trial of the limiter on the mix and
 * raises the gain to make up for it (trialArgs, refineGain). Pure functions, tested on
 * captured meter output.
 */

export interface LoudnessTarget {
  /** Integrated loudness to reach, LUFS (−14 streaming, −23 EBU R128). */
  integratedLufs: number
  /** True-peak ceiling, dBTP. */
  truePeakDb: number
}

export const DEFAULT_LOUDNESS: LoudnessTarget = { integratedLufs: -14, truePeakDb: -1 }
export const LOUDNESS_MIN_LUFS = -31
export const LOUDNESS_MAX_LUFS = -5

/** What the meter says about a clip's audio (before any gain). */
export interface LoudnessMeasurement {
  integratedLufs: number
  /** Loudness range, LU. */
  lraLu: number
  truePeakDb: number
}

/** Measured values plus what was done about them: stored with the take, shown in the preview. */
export interface LoudnessDecision extends LoudnessMeasurement {
  /** Gain applied, dB (0 for silence). */
  gainDb: number
  /** The clip is (near) silent: left as it is rather than amplified into noise. */
  silent: boolean
  /** The gain would push peaks over the ceiling, so the limiter will act. */
  limited: boolean
  targetLufs: number
}

/**
 * Below this integrated loudness a clip counts as silent. ebur128's absolute
 * gate is −70 LUFS, and it reports exactly −70.0 for digital silence.
 */
export const SILENCE_GATE_LUFS = -60
/** Never raise a clip by more than this: a near-silent room tone would become hiss. */
export const MAX_GAIN_DB = 40
/**
 * Headroom the sample-peak limiter keeps under the true-peak ceiling, for the
 * peaks between samples and the AAC encoder's overshoot.
 */
export const LIMITER_MARGIN_DB = 1.5

function field(text: string, label: RegExp): number | null {
  const m = label.exec(text)
  if (!m) return null
  const v = Number(m[1])
  return Number.isFinite(v) ? v : m[1] === '-inf' ? -Infinity : null
}

/**
 * Parse the summary `ebur128=peak=true` prints at the end of a run (stderr,
 * loglevel info). Uses the LAST summary in the text. Returns null when there is none.
 */
export function parseEbur128Summary(stderr: string): LoudnessMeasurement | null {
  const at = stderr.lastIndexOf('Summary:')
  if (at < 0) return null
  const s = stderr.slice(at)
  const integrated = field(s, /Integrated loudness:\s*\n\s*I:\s*(-?[\d.]+|-inf)\s*LUFS/)
  const lra = field(s, /Loudness range:\s*\n\s*LRA:\s*(-?[\d.]+|-inf)\s*LU/)
  const peak = field(s, /True peak:\s*\n\s*Peak:\s*(-?[\d.]+|-inf)\s*dBFS/)
  if (integrated === null || lra === null) return null
  return { integratedLufs: integrated, lraLu: lra, truePeakDb: peak ?? -Infinity }
}

const round1 = (n: number): number => Math.round(n * 10) / 10

/** The gain that brings `m` to `target`; silence stays silence; capped at MAX_GAIN_DB. */
export function decideGain(m: LoudnessMeasurement, target: LoudnessTarget): LoudnessDecision {
  const silent = !Number.isFinite(m.integratedLufs) || m.integratedLufs <= SILENCE_GATE_LUFS
  const gainDb = silent ? 0 : round1(Math.min(MAX_GAIN_DB, target.integratedLufs - m.integratedLufs))
  const peakAfter = m.truePeakDb + gainDb
  return {
    integratedLufs: m.integratedLufs,
    lraLu: m.lraLu,
    truePeakDb: m.truePeakDb,
    gainDb,
    silent,
    limited: !silent && peakAfter > target.truePeakDb - LIMITER_MARGIN_DB,
    targetLufs: target.integratedLufs
  }
}

/**
 * The filters that apply a decision, to put in the conform's audio chain after
 * the resample to 48 kHz stereo (empty for silence). The limiter keeps its own
 * input level (level=0: alimiter otherwise normalises the output to 0 dBFS) and
 * compensates its lookahead delay so audio stays in sync with video.
 */
export function gainFilters(d: LoudnessDecision, target: LoudnessTarget): string[] {
  if (d.silent) return []
  const limit = Math.pow(10, (target.truePeakDb - LIMITER_MARGIN_DB) / 20)
  const filters = [`volume=${d.gainDb.toFixed(1)}dB`]
  // Always present (not only when `limited`): the meter's true peak is measured
  // before the AAC encode, so a margin for its overshoot is cheap insurance.
  filters.push(`alimiter=limit=${limit.toFixed(4)}:attack=5:release=50:level=0:latency=1`)
  return filters
}

/**
 * Every `ebur128` instance's summary in a run, in the order of the filters in the graph
 * (ffmpeg names each instance `Parsed_ebur128_N` by its place in the graph, and prints the
 * summaries as the graph is torn down, last first).
 */
export function parseEbur128Summaries(stderr: string): LoudnessMeasurement[] {
  // ffmpeg may set a graph up twice (once to learn its outputs): each instance's last summary is its real one.
  const byInstance = new Map<number, LoudnessMeasurement>()
  const starts = [...stderr.matchAll(/\[Parsed_ebur128_(\d+) @ [^\]]*\] Summary:/g)]
  starts.forEach((hit, i) => {
    const m = parseEbur128Summary(stderr.slice(hit.index, starts[i + 1]?.index ?? stderr.length))
    if (m) byInstance.set(Number(hit[1]), m)
  })
  return [...byInstance.entries()].sort(([a], [b]) => a - b).map(([, m]) => m)
}

/** The second trial gain, this many dB over the static one: the slope of loudness against gain under the limiter. */
export const TRIAL_STEP_DB = 2

/**
 * Arguments for the limiter's trial pass over a decoded track (the mix): the static gain and
 * the static gain + TRIAL_STEP_DB, each through the same limiter as the conform, metered
 * (integrated loudness only: the limiter holds the peak). Audio only, no output.
 */
export function trialArgs(file: string, d: LoudnessDecision, target: LoudnessTarget): string[] {
  const gains = [d.gainDb, d.gainDb + TRIAL_STEP_DB]
  const branches = gains.map(
    (g, i) => `[t${i}]${gainFilters({ ...d, gainDb: g }, target).join(',')},ebur128=framelog=verbose[o${i}]`
  )
  return [
    ...['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info', '-i', file],
    ...[
      '-filter_complex',
      [`[0:a:0]asplit=${gains.length}${gains.map((_, i) => `[t${i}]`).join('')}`, ...branches].join(';')
    ],
    ...gains.flatMap((_, i) => ['-map', `[o${i}]`, '-f', 'null', '-'])
  ]
}

/**
 * The gain that lands the limited track on the target: a static gain falls short when the
 * limiter under the ceiling shaves a short, loud take's peaks (a 3 s espeak-ng line lost
 * ~1 LU at −14 LUFS). From the two trials, loudness against gain is a line through both;
 * the gain where it meets the target is applied (interpolated, or a little past the second
 * trial, at most 2 × TRIAL_STEP_DB more; never past MAX_GAIN_DB). Pure.
 */
export function refineGain(
  d: LoudnessDecision,
  trials: LoudnessMeasurement[],
  target: LoudnessTarget
): LoudnessDecision {
  const [a, b] = trials
  const heard = (m: LoudnessMeasurement | undefined): m is LoudnessMeasurement =>
    !!m && Number.isFinite(m.integratedLufs) && m.integratedLufs > SILENCE_GATE_LUFS
  if (!heard(a) || !heard(b)) return d
  const slope = (b.integratedLufs - a.integratedLufs) / TRIAL_STEP_DB
  // A limiter that already holds nearly everything (slope near 0) turns more gain into distortion, not loudness.
  if (!(slope > 0.25)) return d
  const extra = Math.max(0, Math.min(2 * TRIAL_STEP_DB, (target.integratedLufs - a.integratedLufs) / slope))
  return { ...d, gainDb: round1(Math.min(MAX_GAIN_DB, d.gainDb + extra)) }
}

/**
 * Arguments for the measuring pass: the same resample/downmix as the conform
 * (a mono clip upmixed to stereo is 3 LU louder), audio only, no output.
 */
export function measureArgs(input: string, audioRate: number): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-nostats',
    '-loglevel',
    'info',
    '-i',
    input,
    '-map',
    '0:a:0',
    '-vn',
    '-sn',
    '-dn',
    '-af',
    `asetpts=PTS-STARTPTS,aresample=${audioRate},aformat=sample_fmts=fltp:channel_layouts=stereo,ebur128=peak=true:framelog=verbose`,
    '-f',
    'null',
    '-'
  ]
}

/** A target the channel may use; the message names the range. */
export function checkTarget(lufs: number): string | null {
  if (!Number.isFinite(lufs)) return 'the loudness target must be a number of LUFS, e.g. -14 or -23'
  if (lufs < LOUDNESS_MIN_LUFS || lufs > LOUDNESS_MAX_LUFS) {
    return `a loudness target of ${lufs} LUFS is outside ${LOUDNESS_MIN_LUFS}…${LOUDNESS_MAX_LUFS} LUFS; use -14 (streaming) or -23 (EBU R128)`
  }
  return null
}
