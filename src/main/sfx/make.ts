import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { runFfmpeg } from '../media/ffmpeg-runner'
import { parseEbur128Summary, SILENCE_GATE_LUFS } from '../media/loudness'
import { normalizeCue } from './offline-synth'
import {
  CUE_MAX_CHARS,
  EFFECT_MAX_SECONDS,
  EFFECT_MIN_SECONDS,
  EffectError,
  type EffectProvider,
  type EffectRequest,
  type MadeEffect
} from './types'
import { finishChain } from './finish-chain'
import { readPcm, writePcm16 } from '../media/wav-pcm'

/** A shot's effect as kept in the data folder: 48 kHz stereo WAV, exactly `seconds` long, at its family's level. */
export interface StoredEffect {
  /** Data-folder-relative (sfx/ab/<key>.wav). */
  file: string
  seconds: number
}

/** The effect's own ceiling before the mix (the conform's limiter decides the channel's). */
const PEAK_CEILING_DB = -1

/** Same provider, model, cue and length: same file (a hosted effect is asked for once). */
export function effectKey(provider: Pick<EffectProvider, 'key'>, req: EffectRequest): string {
  return createHash('sha256')
    .update(`${provider.key}|${normalizeCue(req.cue)}|${req.seconds.toFixed(1)}`)
    .digest('hex')
}

export function checkEffectRequest(req: EffectRequest): EffectRequest {
  const cue = req.cue.trim().replace(/\s+/g, ' ')
  if (!cue) throw new EffectError('The effect cue is empty: say what should be heard (e.g. "rain on a tin roof").')
  if (cue.length > CUE_MAX_CHARS)
    throw new EffectError(`The effect cue is ${cue.length} characters; a cue may have at most ${CUE_MAX_CHARS}.`)
  if (!Number.isFinite(req.seconds) || req.seconds <= 0)
    throw new EffectError(`An effect needs a length in seconds (got ${req.seconds}).`)
  return { cue, seconds: Math.min(EFFECT_MAX_SECONDS, Math.max(EFFECT_MIN_SECONDS, req.seconds)) }
}

/**
 * Bring a provider's file to the shot's terms: 48 kHz stereo, exactly `seconds` long,
 * faded at the edges and metered (finish-chain.ts) — a pass of its own unless the provider
 * did that in its run (the offline synth) — then one gain to its level, never past
 * −1 dBTP (applied here, in our process). A file with no audible sound is refused rather than kept.
 */
export async function finishEffect(
  made: MadeEffect,
  seconds: number,
  out: string,
  where: string,
  signal?: AbortSignal
): Promise<void> {
  let shaped = made.file
  let m = made.measured ?? null
  if (!made.measured) {
    shaped = `${out}.shaped.wav`
    try {
      const { stderr } = await runFfmpeg(
        [
          ...['-hide_banner', '-nostdin', '-y', '-nostats', '-loglevel', 'info', '-vn', '-i', made.file],
          ...['-filter_complex', `[0:a:0]asetpts=PTS-STARTPTS,${finishChain(seconds)}[out]`],
          ...['-map', '[out]', '-c:a', 'pcm_f32le', shaped]
        ],
        { signal, lowPriority: true }
      )
      m = parseEbur128Summary(stderr)
    } catch (err) {
      if (signal?.aborted) throw new EffectError('Canceled.')
      throw new EffectError(
        `${where} sent something that is not audio ffmpeg can read: ${(err as Error).message.slice(0, 200)}`
      )
    }
  }
  if (!m || !Number.isFinite(m.integratedLufs) || m.integratedLufs < SILENCE_GATE_LUFS)
    throw new EffectError(`${where} made no audible sound for this cue.`)
  const gain = Math.min(made.lufs - m.integratedLufs, PEAK_CEILING_DB - m.truePeakDb)
  // The shaped file is ours (48 kHz stereo float from finish-chain.ts): the gain is a loop here, not an ffmpeg start.
  const pcm = readPcm(shaped)
  if (!pcm) throw new EffectError(`${where}: the shaped effect could not be read back.`)
  const k = Math.pow(10, gain / 20)
  for (let i = 0; i < pcm.samples.length; i++) pcm.samples[i]! *= k
  writePcm16(out, pcm.sampleRate, pcm.channels, pcm.samples)
  if (shaped !== made.file) rmSync(shaped, { force: true })
}

/**
 * The effect for a cue, made once: kept in the data folder under a key of provider, model,
 * cue and length, so a re-conform, a regenerated take or the same cue on another shot
 * reuses it. Made in a temp folder inside the data folder and renamed into place, so
 * nothing half-made is ever found there; the temp folder goes whatever happens.
 */
export async function makeEffect(
  provider: EffectProvider,
  request: EffectRequest,
  dataDir: string,
  signal?: AbortSignal
): Promise<StoredEffect> {
  const req = checkEffectRequest(request)
  const key = effectKey(provider, req)
  const rel = `sfx/${key.slice(0, 2)}/${key}.wav`
  const abs = join(dataDir, 'sfx', key.slice(0, 2), `${key}.wav`)
  if (existsSync(abs) && statSync(abs).size > 0) return { file: rel, seconds: req.seconds }
  const work = mkdtempSync(join(dataDir, 'tmp-sfx-'))
  try {
    const made = await provider.make(req, work, signal)
    const out = join(work, 'effect.wav')
    await finishEffect(made, req.seconds, out, provider.label, signal)
    mkdirSync(join(dataDir, 'sfx', key.slice(0, 2)), { recursive: true })
    renameSync(out, abs)
    return { file: rel, seconds: req.seconds }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
