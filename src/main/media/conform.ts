import { existsSync, statSync } from 'node:fs'
import { basename } from 'node:path'
import type { HouseFormat } from '../../shared/house-format'
import { conformArgs, planConform, tsRemuxArgs, type ConformPlan } from './conform-args'
import { DEFAULT_TUNING, type EncoderTuning } from './house-encoder'
import { checkClip, MediaRejectedError, probe, type ClipLimits, type ProbeInfo } from './probe'
import { runFfmpeg, FfmpegError, AbortedError } from './run-ffmpeg'

export interface ConformTargets {
  mp4: string
  ts: string
  poster: string
  strip: string
}

export interface ConformProgress {
  percent: number
  step: 'probe' | 'conform' | 'remux' | 'done'
}

export interface ConformOptions {
  signal?: AbortSignal | undefined
  onProgress?: ((p: ConformProgress) => void) | undefined
  limits?: ClipLimits
  tuning?: EncoderTuning
  /** Skip the probe when the caller already has it. */
  probeInfo?: ProbeInfo
}

export interface ConformResult {
  probe: ProbeInfo
  plan: ConformPlan
  durationMs: number
}

export const DEFAULT_LIMITS: ClipLimits = { minSeconds: 0.5, maxSeconds: 600 }

/**
 * Decoder complaints that mean the file ends early or is damaged. A truncated MP4
 * whose index survived probes fine and only fails here.
 */
const DAMAGE = /partial file|Invalid NAL unit|error while decoding|corrupt|Invalid data found|missing picture|stream \d+, offset 0x[0-9a-f]+: partial/i

/**
 * Probe, check and conform one file into the four target paths (which the caller
 * chooses — normally temp names it renames once everything exists). Throws
 * MediaRejectedError for files that cannot become clips, AbortedError on abort.
 */
export async function conform(input: string, targets: ConformTargets, format: HouseFormat, opts: ConformOptions = {}): Promise<ConformResult> {
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
  const plan = planConform(format, info)
  const durationUs = plan.durationSec * 1e6
  let stderr: string
  try {
    ;({ stderr } = await runFfmpeg(conformArgs(input, targets, format, info, opts.tuning ?? DEFAULT_TUNING), {
      signal: opts.signal,
      durationUs,
      lowPriority: true,
      // Conform is ~95 % of the work; the remux is a copy.
      onProgress: (pct) => report({ percent: pct * 0.95, step: 'conform' })
    }))
  } catch (err) {
    if (err instanceof FfmpegError && DAMAGE.test(err.stderr)) {
      throw new MediaRejectedError('corrupt', `${basename(input)} is truncated or corrupt: ffmpeg could not decode it to the end. Copy or export it again.`)
    }
    throw err
  }
  if (DAMAGE.test(stderr)) {
    throw new MediaRejectedError('corrupt', `${basename(input)} is truncated or corrupt: ffmpeg could not decode it to the end. Copy or export it again.`)
  }
  for (const p of [targets.mp4, targets.poster, targets.strip]) {
    if (!existsSync(p) || statSync(p).size === 0) {
      throw new FfmpegError(`ffmpeg finished but did not write ${basename(p)}`, 0, stderr)
    }
  }
  report({ percent: 95, step: 'remux' })
  await runFfmpeg(tsRemuxArgs(targets.mp4, targets.ts), { signal: opts.signal, lowPriority: true })
  report({ percent: 100, step: 'done' })
  return { probe: info, plan, durationMs: Math.round(plan.durationSec * 1000) }
}

