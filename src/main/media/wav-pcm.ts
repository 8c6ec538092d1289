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

const PCM = 1
const FLOAT = 3
/** WAVE_FORMAT_EXTENSIBLE (ffmpeg writes it for float): the real format is the sub-format GUID's first field. */
const EXTENSIBLE = 0xfffe

type Read = (v: DataView, at: number) => number
/** Sample decoders by format and bits: integer PCM and float; anything else (µ-law, ADPCM…) is for ffmpeg. */
const DECODERS: Record<string, Read> = {
  'pcm:8': (v, at) => (v.getUint8(at) - 128) / 128,
  'pcm:16': (v, at) => v.getInt16(at, true) / 32768,
  'pcm:24': (v, at) => ((v.getUint8(at + 2) << 24) | (v.getUint8(at + 1) << 16) | (v.getUint8(at) << 8)) / 2147483648,
  'pcm:32': (v, at) => v.getInt32(at, true) / 2147483648,
  'float:32': (v, at) => v.getFloat32(at, true),
  'float:64': (v, at) => v.getFloat64(at, true)
}

/**
 * The samples of a PCM or float WAV; null when the file is not one (another container or
 * codec). The library finds the chunks; the samples are decoded here because it reads an
 * extensible-format float WAV (what ffmpeg writes) as integers.
 */
export function readPcm(file: string): Pcm | null {
  const wav = new WaveFile()
  try {
    wav.fromBuffer(readFileSync(file))
  } catch {
    return null
  }
  const fmt = wav.fmt as {
    audioFormat?: number
    numChannels?: number
    sampleRate?: number
    bitsPerSample?: number
    subformat?: number[]
  }
  const data = (wav.data as { samples?: Uint8Array }).samples
  const format = fmt.audioFormat === EXTENSIBLE ? fmt.subformat?.[0] : fmt.audioFormat
  const kind = format === PCM ? 'pcm' : format === FLOAT ? 'float' : null
  const decode = kind ? DECODERS[`${kind}:${fmt.bitsPerSample}`] : undefined
  if (!decode || !data || !fmt.numChannels || !fmt.sampleRate) return null
  const bytes = fmt.bitsPerSample! / 8
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  const n = Math.floor(data.byteLength / bytes / fmt.numChannels) * fmt.numChannels
  const samples = new Float32Array(n)
  for (let i = 0; i < n; i++) samples[i] = decode(view, i * bytes)
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
