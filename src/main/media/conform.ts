import { existsSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import type { HouseFormat } from '../../shared/house-format'
import {
  conformArgs,
  planConform,
  tsRemuxArgs,
  type ConformLook,
  type ConformPlan,
  type ConformSound,
  type ConformTap
} from './conform-args'
import { DEFAULT_TUNING, type EncoderTuning } from './house-encoder'
import { escapeFilterValue, findFont, pictureRect } from './graphics'
import { renderMix, type ClipSound } from '../sound/mix'
import { captionFilters, writeCaptionFiles } from '../sound/captions'
import type { Cue } from '../voice/narrate'
import {
  decideGain,
  gainFilters,
  measureArgs,
  parseEbur128Summaries,
  parseEbur128Summary,
  refineGain,
  trialArgs,
  type LoudnessDecision,
  type LoudnessMeasurement,
  type LoudnessTarget
} from './loudness'
import type { Corner } from '../../shared/channel-look'
import { checkClip, MediaRejectedError, probe, type ClipLimits, type ProbeInfo } from './probe'
import { runFfmpeg, FfmpegError, AbortedError } from './ffmpeg-runner'

export interface ConformTargets {
  mp4: string
  ts: string
  poster: string
  strip: string
}

export interface ConformProgress {
  percent: number
  step: 'probe' | 'measure' | 'conform' | 'remux' | 'done'
}

/** The channel's look for one clip, resolved to files and texts by the caller (library/look.ts). */
export interface ClipLook {
  /** null: leave the level as it is. */
  loudness: LoudnessTarget | null
  logo?: { file: string; position: Corner; size: number; margin: number; opacity: number } | undefined
  label?: { text: string; position: Corner } | undefined
  lowerThird?: { text: string; seconds: number } | undefined
  dipSeconds: number
  /** Captions burned in (the take's cues); absent = captions off. */
  captions?: Cue[] | undefined
}

export interface ConformOptions {
  signal?: AbortSignal | undefined
  onProgress?: ((p: ConformProgress) => void) | undefined
  limits?: ClipLimits
  tuning?: EncoderTuning
  /** Skip the probe when the caller already has it. */
  probeInfo?: ProbeInfo
  /** Loudness, graphics and dips; absent = a plain conform. */
  look?: ClipLook | undefined
  /** The sound chain: narration, model audio, effect and ducked music mixed into one track first (sound/mix.ts). */
  sound?: ClipSound | undefined
  /** More outputs of the same ffmpeg run, reading the aired picture and sound (the quality checks' pass). */
  tap?: ConformTap | undefined
}

export interface ConformResult {
  probe: ProbeInfo
  plan: ConformPlan
  durationMs: number
  /** What the meter measured and the gain applied; null when not levelled (no look, no audio). */
  loudness: LoudnessDecision | null
  /** The layers mixed (speech, model, effect, music) when a sound chain ran. */
  mixed?: string[] | undefined
}

/** Measure the clip's audio as the conform will see it (EBU R128 integrated, range, true peak). */
export async function measureLoudness(
  input: string,
  audioRate: number,
  signal?: AbortSignal
): Promise<LoudnessMeasurement | null> {
  const { stderr } = await runFfmpeg(measureArgs(input, audioRate), { signal, lowPriority: true })
  return parseEbur128Summary(stderr)
}

/**
 * The gain that lands a limited mix on the target, from a trial of the limiter on the mix
 * itself (loudness.ts refineGain): a short take whose peaks the limiter shaves would
 * otherwise land about 1 LU short.
 */
async function refineMixGain(
  file: string,
  d: LoudnessDecision,
  target: LoudnessTarget,
  signal?: AbortSignal
): Promise<LoudnessDecision> {
  const { stderr } = await runFfmpeg(trialArgs(file, d, target), { signal, lowPriority: true })
  return refineGain(d, parseEbur128Summaries(stderr), target)
}

/** Resolve a ClipLook into filter inputs: measure, decide the gain, write the texts next to the outputs. */
async function prepareLook(
  input: string,
  info: ProbeInfo,
  format: HouseFormat,
  look: ClipLook,
  workDir: string,
  signal?: AbortSignal,
  mixed?: { measurement: LoudnessMeasurement | null; file: string }
): Promise<{ conformLook: ConformLook; loudness: LoudnessDecision | null }> {
  let loudness: LoudnessDecision | null = null
  let audioFilters: string[] = []
  if (look.loudness && (info.audio || mixed)) {
    // A mixed track was metered while it was rendered: no second pass.
    const m = mixed ? mixed.measurement : await measureLoudness(input, format.audioRate, signal)
    if (!m) throw new FfmpegError('ffmpeg measured the audio but printed no loudness summary', 0, '')
    loudness = decideGain(m, look.loudness)
    // The mix is on disk: where the limiter will act, one short audio-only pass measures it after the limiter.
    if (mixed && loudness.limited) loudness = await refineMixGain(mixed.file, loudness, look.loudness, signal)
    audioFilters = gainFilters(loudness, look.loudness)
  }
  const text = (name: string, value: string): string => {
    const file = join(workDir, name)
    writeFileSync(file, value.replace(/[\r\n\t]+/g, ' ').trim(), 'utf8')
    return file
  }
  const needsFont = look.label !== undefined || look.lowerThird !== undefined || !!look.captions?.length
  const fontFile = needsFont ? findFont() : null
  let captions: string[] | undefined
  if (look.captions?.length) {
    const { width: W, height: H } = format
    const picture = info.video
      ? pictureRect(W, H, info.video.displayWidth, info.video.displayHeight)
      : pictureRect(W, H, W, H)
    const spec = { cues: look.captions, lowerThirdSeconds: look.lowerThird?.seconds }
    const files = writeCaptionFiles(spec, picture, workDir)
    const font = fontFile ? `fontfile=${escapeFilterValue(fontFile)}` : 'font=Sans'
    captions = captionFilters(spec, files, picture, font, escapeFilterValue)
  }
  const conformLook: ConformLook = {
    captionFilters: captions,
    audioFilters,
    logo: look.logo,
    label: look.label ? { textFile: text('label.txt', look.label.text), position: look.label.position } : undefined,
    lowerThird: look.lowerThird
      ? { textFile: text('lower-third.txt', look.lowerThird.text), seconds: look.lowerThird.seconds }
      : undefined,
    fontFile,
    dipSeconds: look.dipSeconds
  }
  return { conformLook, loudness }
}

export const DEFAULT_LIMITS: ClipLimits = { minSeconds: 0.5, maxSeconds: 600 }

/**
 * Decoder complaints that mean the file ends early or is damaged. A truncated MP4
 * whose index survived probes fine and only fails here.
 */
const DAMAGE =
  /partial file|Invalid NAL unit|error while decoding|corrupt|Invalid data found|missing picture|stream \d+, offset 0x[0-9a-f]+: partial/i

/**
 * Probe, check and conform one file into the four target paths (which the caller
 * chooses — normally temp names it renames once everything exists). Throws
 * MediaRejectedError for files that cannot become clips, AbortedError on abort.
 */
export async function conform(
  input: string,
  targets: ConformTargets,
  format: HouseFormat,
  opts: ConformOptions = {}
): Promise<ConformResult> {
  const report = opts.onProgress ?? (() => {})
  report({ percent: 0, step: 'probe' })
  // Cancelled while probing or while encoding: the same AbortedError either way.
  const info =
    opts.probeInfo ??
    (await probe(input, opts.signal).catch((err: unknown) => {
      throw opts.signal?.aborted ? new AbortedError() : err
    }))
  if (opts.signal?.aborted) throw new AbortedError()
  checkClip(info, opts.limits ?? DEFAULT_LIMITS)
  const plan = planConform(format, info, opts.sound?.holdToSec)
  const durationUs = plan.durationSec * 1e6
  let sound: ConformSound | undefined
  let mixed: { measurement: LoudnessMeasurement | null; layers: string[]; file: string } | undefined
  if (opts.sound) {
    report({ percent: 1, step: 'measure' })
    const audioFile = join(dirname(targets.mp4), 'mix.wav')
    mixed = {
      ...(await renderMix(input, info.audio !== null, opts.sound, plan.durationSec, audioFile, opts.signal)),
      file: audioFile
    }
    sound = { audioFile, holdToSec: opts.sound.holdToSec }
  }
  let prepared: { conformLook: ConformLook; loudness: LoudnessDecision | null } | undefined
  if (opts.look) {
    report({ percent: 1, step: 'measure' })
    prepared = await prepareLook(input, info, format, opts.look, dirname(targets.mp4), opts.signal, mixed)
  }
  let stderr: string
  try {
    ;({ stderr } = await runFfmpeg(
      conformArgs(input, targets, format, info, opts.tuning ?? DEFAULT_TUNING, prepared?.conformLook, sound, opts.tap),
      {
        signal: opts.signal,
        durationUs,
        lowPriority: true,
        // Conform is ~95 % of the work; the remux is a copy.
        onProgress: (pct) => report({ percent: pct * 0.95, step: 'conform' })
      }
    ))
  } catch (err) {
    if (err instanceof FfmpegError && DAMAGE.test(err.stderr)) {
      throw new MediaRejectedError(
        'corrupt',
        `${basename(input)} is truncated or corrupt: ffmpeg could not decode it to the end. Copy or export it again.`
      )
    }
    throw err
  }
  if (DAMAGE.test(stderr)) {
    throw new MediaRejectedError(
      'corrupt',
      `${basename(input)} is truncated or corrupt: ffmpeg could not decode it to the end. Copy or export it again.`
    )
  }
  for (const p of [targets.mp4, targets.poster, targets.strip]) {
    if (!existsSync(p) || statSync(p).size === 0) {
      throw new FfmpegError(`ffmpeg finished but did not write ${basename(p)}`, 0, stderr)
    }
  }
  report({ percent: 95, step: 'remux' })
  await runFfmpeg(tsRemuxArgs(targets.mp4, targets.ts), { signal: opts.signal, lowPriority: true })
  report({ percent: 100, step: 'done' })
  if (sound) rmSync(sound.audioFile, { force: true })
  return {
    probe: info,
    plan,
    durationMs: Math.round(plan.durationSec * 1000),
    loudness: prepared?.loudness ?? null,
    mixed: mixed?.layers
  }
}
