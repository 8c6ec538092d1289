import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { runFfmpeg } from '../media/ffmpeg-runner'
import { readPcm, toMono, writePcm16 } from '../media/wav-pcm'
import { VoiceError, type VoiceProvider } from './types'

/** One caption: a sentence and when it is heard, in seconds from the start of the take. */
export interface Cue {
  start: number
  end: number
  text: string
  speaker: string
}

export interface Narration {
  /** Mono 16-bit WAV at the voice's own rate (the mix resamples): silence until the first sentence, the sentences with gaps, nothing after the last. */
  file: string
  cues: Cue[]
  /** When the last sentence ends. */
  endSec: number
}

/** Silence before the first sentence, and between sentences. */
export const LEAD_SECONDS = 0.4
export const GAP_SECONDS = 0.25
/** What a shot keeps after its line: a sentence is never cut (shot ≥ line end + this). */
export const TAIL_SECONDS = 0.3
/** Longest line accepted (characters): a shot is seconds long, not a chapter. */
export const MAX_LINE_CHARS = 600

/** Sentences, as a viewer reads captions: split after . ! ? … ; long ones again at commas. */
export function sentences(text: string, maxChars = 90): string[] {
  const clean = text.replace(/\s+/g, ' ').trim()
  if (!clean) return []
  const parts = clean.match(/[^.!?…]+(?:[.!?…]+["')\]]*|$)/g) ?? [clean]
  const out: string[] = []
  for (const p of parts.map((s) => s.trim()).filter(Boolean)) {
    if (p.length <= maxChars) {
      out.push(p)
      continue
    }
    let cur = ''
    for (const piece of p.split(/(?<=,)\s+/)) {
      if (cur && cur.length + piece.length + 1 > maxChars) {
        out.push(cur)
        cur = piece
      } else cur = cur ? `${cur} ${piece}` : piece
    }
    if (cur) out.push(cur)
  }
  return out
}

/** The length a shot needs so its line is never cut. */
export function shotSecondsFor(targetSec: number, narration: Pick<Narration, 'endSec'> | null): number {
  return Math.max(targetSec, narration ? narration.endSec + TAIL_SECONDS : 0)
}

/** Below this a sample is silence at a sentence's edges (as ffmpeg's silenceremove at −50 dB). */
const EDGE_THRESHOLD = Math.pow(10, -50 / 20)
/** Silence kept before a sentence's first and after its last sound, so no consonant is clipped. */
const EDGE_KEEP_SECONDS = 0.02

/** A sentence's sound with its own leading and trailing silence cut off (none left: empty). */
export function trimSilence(samples: Float32Array, sampleRate: number): Float32Array {
  let first = 0
  while (first < samples.length && Math.abs(samples[first]!) < EDGE_THRESHOLD) first++
  if (first === samples.length) return samples.subarray(0, 0)
  let last = samples.length - 1
  while (last > first && Math.abs(samples[last]!) < EDGE_THRESHOLD) last--
  const keep = Math.round(EDGE_KEEP_SECONDS * sampleRate)
  return samples.subarray(Math.max(0, first - keep), Math.min(samples.length, last + 1 + keep))
}

/**
 * The sentences as mono samples at one rate. A provider's PCM WAVs (espeak-ng, say, SAPI, most
 * speech servers) are read as they are; anything else (MP3, FLAC, Opus, or WAVs at mixed rates)
 * is decoded by one ffmpeg run for all the sentences together, not one per sentence.
 */
async function decodeAll(
  raws: string[],
  workDir: string,
  label: string,
  signal?: AbortSignal
): Promise<{ sampleRate: number; sentences: Float32Array[] }> {
  const read = raws.map(readPcm)
  const rates = new Set(read.map((p) => p?.sampleRate))
  if (read.every((p) => p !== null) && rates.size === 1)
    return { sampleRate: read[0]!.sampleRate, sentences: read.map((p) => toMono(p!)) }
  const outs = raws.map((_, i) => join(workDir, `sentence-${i}.wav`))
  try {
    await runFfmpeg(
      [
        ...['-hide_banner', '-nostdin', '-y', '-loglevel', 'error'],
        ...raws.flatMap((r) => ['-i', r]),
        ...outs.flatMap((o, i) => ['-map', `${i}:a:0`, '-ar', '48000', '-ac', '1', '-c:a', 'pcm_s16le', o])
      ],
      { signal, lowPriority: true }
    )
  } catch (err) {
    if (signal?.aborted) throw err
    throw new VoiceError(`${label} sent audio ffmpeg cannot read: ${(err as Error).message.slice(0, 200)}`)
  }
  return {
    sampleRate: 48000,
    sentences: outs.map((o) => {
      const p = readPcm(o)
      if (!p) throw new VoiceError(`${label} sent audio that did not decode to PCM.`)
      return toMono(p)
    })
  }
}

/**
 * Speak a line sentence by sentence, trim each sentence's own leading and trailing
 * silence, measure it (its samples), and lay the sentences end to end after a short lead:
 * the cues are exact because the track is built from the measured pieces. The speech
 * program runs once per sentence; the trimming, measuring and joining run here, in our own
 * process, so a line costs no ffmpeg start when the voice writes PCM WAV.
 */
export async function narrate(
  provider: VoiceProvider,
  line: { text: string; speaker: string; voice: string; rate?: number | undefined },
  workDir: string,
  signal?: AbortSignal
): Promise<Narration> {
  if (line.text.length > MAX_LINE_CHARS)
    throw new VoiceError(
      `The line is ${line.text.length} characters; a shot's line may have at most ${MAX_LINE_CHARS}. Split it over several shots.`
    )
  const parts = sentences(line.text)
  if (parts.length === 0) throw new VoiceError('The line is empty: nothing to say.')
  mkdirSync(workDir, { recursive: true })
  const raws: string[] = []
  for (const text of parts)
    raws.push(await provider.speak({ text, voice: line.voice, rate: line.rate ?? 1 }, workDir, signal))
  const { sampleRate, sentences: decoded } = await decodeAll(raws, workDir, provider.label, signal)
  const pieces = decoded.map((samples, i) => {
    const trimmed = trimSilence(samples, sampleRate)
    const seconds = trimmed.length / sampleRate
    if (!(seconds > 0.05))
      throw new VoiceError(`${provider.label} produced no audible speech for "${parts[i]!.slice(0, 60)}".`)
    return { samples: trimmed, seconds, text: parts[i]! }
  })
  const cues: Cue[] = []
  const lead = Math.round(LEAD_SECONDS * sampleRate)
  const gap = Math.round(GAP_SECONDS * sampleRate)
  const track = new Float32Array(lead + pieces.reduce((n, p) => n + p.samples.length, 0) + gap * (pieces.length - 1))
  let at = lead
  for (const p of pieces) {
    cues.push({
      start: at / sampleRate,
      end: (at + p.samples.length) / sampleRate,
      text: p.text,
      speaker: line.speaker
    })
    track.set(p.samples, at)
    at += p.samples.length + gap
  }
  const file = join(workDir, 'speech.wav')
  writePcm16(file, sampleRate, 1, track)
  return { file, cues, endSec: cues.at(-1)!.end }
}
