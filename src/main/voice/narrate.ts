import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { probe } from '../media/probe'
import { runFfmpeg } from '../media/ffmpeg-runner'
import { VoiceError, type VoiceProvider } from './types'

/** One caption: a sentence and when it is heard, in seconds from the start of the take. */
export interface Cue {
  start: number
  end: number
  text: string
  speaker: string
}

export interface Narration {
  /** 48 kHz mono WAV: silence until the first sentence, the sentences with gaps, nothing after the last. */
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

/**
 * Speak a line sentence by sentence, trim each sentence's own leading and trailing
 * silence, measure it (ffprobe), and lay the sentences end to end after a short lead:
 * the cues are exact because the track is built from the measured pieces.
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
  const pieces: Array<{ file: string; seconds: number; text: string }> = []
  for (const [i, text] of parts.entries()) {
    const raw = await provider.speak({ text, voice: line.voice, rate: line.rate ?? 1 }, workDir, signal)
    const trimmed = join(workDir, `sentence-${i}.wav`)
    const edge = 'silenceremove=start_periods=1:start_threshold=-50dB:start_silence=0.02'
    await runFfmpeg(
      [
        '-hide_banner',
        '-nostdin',
        '-y',
        '-loglevel',
        'error',
        '-i',
        raw,
        '-af',
        `aresample=48000,aformat=sample_fmts=s16:channel_layouts=mono,${edge},areverse,${edge},areverse`,
        '-c:a',
        'pcm_s16le',
        trimmed
      ],
      { signal, lowPriority: true }
    )
    const info = await probe(trimmed, signal)
    const seconds = info.audio?.durationSec ?? info.formatDurationSec ?? 0
    if (!(seconds > 0.05))
      throw new VoiceError(`${provider.label} produced no audible speech for "${text.slice(0, 60)}".`)
    pieces.push({ file: trimmed, seconds, text })
  }
  const cues: Cue[] = []
  let t = LEAD_SECONDS
  for (const p of pieces) {
    cues.push({ start: t, end: t + p.seconds, text: p.text, speaker: line.speaker })
    t += p.seconds + GAP_SECONDS
  }
  const file = join(workDir, 'speech.wav')
  const inputs = pieces.flatMap((p) => ['-i', p.file])
  const chains = pieces.map((_, i) => {
    const pad = i < pieces.length - 1 ? `apad=pad_dur=${GAP_SECONDS}` : 'anull'
    const lead = i === 0 ? `adelay=delays=${Math.round(LEAD_SECONDS * 1000)}:all=1,` : ''
    return `[${i}:a]${lead}${pad}[s${i}]`
  })
  const concat = `${pieces.map((_, i) => `[s${i}]`).join('')}concat=n=${pieces.length}:v=0:a=1[out]`
  await runFfmpeg(
    [
      '-hide_banner',
      '-nostdin',
      '-y',
      '-loglevel',
      'error',
      ...inputs,
      '-filter_complex',
      [...chains, concat].join(';'),
      '-map',
      '[out]',
      '-c:a',
      'pcm_s16le',
      '-ar',
      '48000',
      '-ac',
      '1',
      file
    ],
    { signal, lowPriority: true }
  )
  return { file, cues, endSec: cues.at(-1)!.end }
}
