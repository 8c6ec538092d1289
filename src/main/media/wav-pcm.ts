import { readFileSync, writeFileSync } from 'node:fs'
import { WaveFile } from 'wavefile'

/**
 * WAV files read and written in our own process (the `wavefile` library): a sentence's
 * length, its silent edges, a join of sentences or one gain need no ffmpeg start
 * (~0.15 CPU-s each: Debian's ffmpeg loads over 200 shared libraries before it reads a byte).
 */
export interface Pcm {
  sampleRate: number
  channels: number
  /** Interleaved, full scale ±1. */
  samples: Float32Array
}

/** Sample formats read here: integer PCM and float; anything else (µ-law, ADPCM…) is for ffmpeg. */
const SCALE: Record<string, number> = { '8': 128, '16': 32768, '24': 8388608, '32': 2147483648, '32f': 1, '64': 1 }

/** The samples of a PCM or float WAV; null when the file is not one (another container or codec). */
export function readPcm(file: string): Pcm | null {
  let wav: WaveFile
  try {
    wav = new WaveFile(readFileSync(file))
  } catch {
    return null
  }
  const fmt = wav.fmt as { numChannels?: number; sampleRate?: number }
  const scale = SCALE[wav.bitDepth]
  if (!scale || !fmt.numChannels || !fmt.sampleRate) return null
  let raw: ArrayLike<number>
  try {
    raw = wav.getSamples(true, Float32Array)
  } catch {
    return null
  }
  const samples = new Float32Array(raw.length)
  // 8-bit WAV is unsigned around 128; the rest are signed around 0.
  const offset = wav.bitDepth === '8' ? 128 : 0
  for (let i = 0; i < raw.length; i++) samples[i] = (raw[i]! - offset) / scale
  return { sampleRate: fmt.sampleRate, channels: fmt.numChannels, samples }
}

/** One channel: the mean of all (a stereo voice heard as the mix will hear it, centred). */
export function toMono(p: Pcm): Float32Array {
  if (p.channels === 1) return p.samples
  const n = Math.floor(p.samples.length / p.channels)
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    let s = 0
    for (let c = 0; c < p.channels; c++) s += p.samples[i * p.channels + c]!
    out[i] = s / p.channels
  }
  return out
}

/** 16-bit PCM WAV from interleaved full-scale samples (clamped: never wraps round). */
export function writePcm16(file: string, sampleRate: number, channels: number, samples: Float32Array): void {
  const ints = new Int16Array(samples.length)
  for (let i = 0; i < samples.length; i++) ints[i] = Math.max(-32768, Math.min(32767, Math.round(samples[i]! * 32768)))
  const wav = new WaveFile()
  wav.fromScratch(channels, sampleRate, '16', ints)
  writeFileSync(file, wav.toBuffer())
}
