import { join } from 'node:path'
import { hashText, seededRandom } from '../generation/offline'
import { runFfmpeg } from '../media/ffmpeg-runner'
import { parseEbur128Summary } from '../media/loudness'
import { finishChain } from './finish-chain'
import type { EffectRequest, MadeEffect } from './types'

/**
 * The offline effects: no account, no model — ffmpeg's own sources (filtered noise,
 * expressions) shaped into a recognisable family of sound, chosen from the cue's words.
 * Rain, wind and sea are filtered noise with their own motion; thunder, knocks, doors and
 * footsteps are shaped bursts; bells are sine partials that decay. A cue no family
 * knows becomes a soft room tone. Deterministic: the cue seeds every choice, so the same
 * cue always sounds the same and two cues of one family still differ.
 */
interface Family {
  name: string
  match: RegExp
  /** Where this family sits before the mix level (a room tone is soft, thunder is not). */
  lufs: number
  /** A filter graph ending in [raw]: mono, 48 kHz, `d` seconds (`text`: the cue, for a variant such as a gong). */
  graph: (d: number, r: () => number, seed: number, text: string) => string
}

const n3 = (v: number): string => v.toFixed(3)
const noise = (color: string, seed: number, d: number, amp = 0.8): string =>
  `anoisesrc=c=${color}:r=48000:a=${amp}:d=${n3(d)}:s=${seed}`
const expr = (e: string, d: number): string => `aevalsrc='${e}':s=48000:d=${n3(d)}`
/** A per-sample envelope over the input (aeval: no steps between frames). */
const env = (e: string): string => `aeval='val(0)*(${e})':c=same`
const mix2 = (a: string, b: string): string => `${a}[fa];${b}[fb];[fa][fb]amix=inputs=2:normalize=0[raw]`
/** A decaying burst that starts at `at`: 0 before, 1 at the start. */
const hit = (at: number, decay: number): string => `gte(t,${n3(at)})*exp(-${n3(decay)}*max(0,t-${n3(at)}))`

/**
 * A cue names its sound first and its place after ("gulls over the harbour", "footsteps
 * in the rain"): the family whose words come earliest in the cue wins; on a tie, the
 * first in this table.
 */
const FAMILIES: Family[] = [
  {
    name: 'thunder',
    match: /thunder|lightning|explosion|\bboom|rumbl/,
    lufs: -20,
    graph: (d, r, seed) => {
      const at = 0.2 + r() * Math.min(1.2, d / 4)
      return mix2(
        `${noise('brown', seed, d, 1)},lowpass=f=${Math.round(140 + r() * 120)},${env(`0.06+${hit(at, 0.5 + r() * 0.6)}`)}`,
        `${noise('white', seed + 1, d, 0.5)},highpass=f=900,${env(`0.5*${hit(at, 9)}`)}`
      )
    }
  },
  {
    name: 'rain',
    match: /rain|drizzl|downpour|shower|raindrop/,
    lufs: -24,
    graph: (d, r, seed) =>
      mix2(
        `${noise('pink', seed, d)},highpass=f=${Math.round(500 + r() * 600)},lowpass=f=${Math.round(12000 + r() * 3000)}`,
        // Drops on a surface: sparse clicks, band-passed.
        `${expr(`gt(random(0),${(0.996 + r() * 0.003).toFixed(4)})*(random(1)-0.5)*3`, d)},bandpass=f=${Math.round(2500 + r() * 2500)}:width_type=q:w=1.5`
      )
  },
  {
    name: 'wind',
    match: /wind|breeze|gust|gale|blizzard|storm|howl/,
    lufs: -24,
    graph: (d, r, seed) =>
      `${noise('brown', seed, d, 1)},bandpass=f=${Math.round(300 + r() * 400)}:width_type=q:w=0.7,` +
      env(`0.3+0.7*pow(sin(PI*t/${n3(3 + r() * 3)}+${n3(r() * 3)}),2)`) +
      '[raw]'
  },
  {
    name: 'sea',
    match: /\bseas?\b|seaside|ocean|wave|surf|shore|tide|beach|harbou?r/,
    lufs: -22,
    graph: (d, r, seed) =>
      `${noise('pink', seed, d, 1)},lowpass=f=${Math.round(900 + r() * 900)},` +
      env(`0.12+0.88*pow(sin(PI*t/${n3(5 + r() * 3)}+${n3(0.4 + r())}),4)`) +
      '[raw]'
  },
  {
    name: 'water',
    match: /water|stream|river|brook|creek|fountain|drip|splash|pour/,
    lufs: -24,
    graph: (d, r, seed) =>
      `${noise('white', seed, d)},bandpass=f=${Math.round(1800 + r() * 1600)}:width_type=q:w=0.6,` +
      env(`0.7+0.3*sin(2*PI*${n3(6 + r() * 5)}*t)`) +
      '[raw]'
  },
  {
    name: 'fire',
    match: /fire|crackl|campfire|hearth|flame|burn/,
    lufs: -26,
    graph: (d, r, seed) =>
      mix2(
        `${noise('brown', seed, d, 0.6)},lowpass=f=600`,
        `${expr(`gt(random(0),${(0.997 + r() * 0.002).toFixed(4)})*(random(1)-0.5)*4`, d)},highpass=f=1500`
      )
  },
  {
    name: 'knock',
    match: /knock|\btap|\brap\b/,
    lufs: -22,
    graph: (d, r) => {
      const f = Math.round(140 + r() * 80)
      const knocks = 2 + Math.floor(r() * 3)
      const gap = 0.2 + r() * 0.1
      const groups = d >= 4.5 ? [0.3, d / 2] : [0.3]
      const terms = groups.flatMap((g) =>
        Array.from(
          { length: knocks },
          (_, k) => `${hit(g + k * gap, 38)}*(0.8*sin(2*PI*${f}*t)+0.4*sin(2*PI*${Math.round(f * 2.3)}*t))`
        )
      )
      return `${expr(terms.join('+'), d)}[raw]`
    }
  },
  {
    name: 'door',
    match: /door|slam|creak|gate|hatch|latch/,
    lufs: -22,
    graph: (d, r) => {
      const at = 0.3 + r() * Math.min(1, d / 4)
      const f = Math.round(55 + r() * 35)
      return `${expr(`${hit(at, 14)}*sin(2*PI*${f}*t)+0.6*${hit(at, 60)}*(random(0)-0.5)`, d)},lowpass=f=2500[raw]`
    }
  },
  {
    name: 'footsteps',
    match: /footstep|step|walk|footfall|gravel|running|stride/,
    lufs: -24,
    graph: (d, r) => {
      const p = n3(0.45 + r() * 0.15)
      return (
        `${expr(`gte(t,0.2)*exp(-40*mod(t-0.2,${p}))*(0.6*(random(0)-0.5)+0.5*sin(2*PI*${Math.round(80 + r() * 40)}*t))`, d)},` +
        'lowpass=f=1800[raw]'
      )
    }
  },
  {
    name: 'bell',
    match: /bell|chime|gong|toll|church|\bring/,
    lufs: -22,
    graph: (d, r, _seed, text) => {
      const gong = /gong|toll/.test(text)
      const f0 = gong ? 90 + r() * 80 : 300 + r() * 500
      const every = n3(2.5 + r() * 1.5)
      const u = `mod(t-0.2,${every})`
      const partials: Array<[number, number, number]> = [
        [1, 1, 1.2],
        [2, 0.6, 1.8],
        [2.76, 0.45, 2.4],
        [4.07, 0.25, 3],
        [5.4, 0.15, 4]
      ]
      const sum = partials
        .map(([ratio, amp, decay]) => `${amp}*sin(2*PI*${n3(f0 * ratio)}*${u})*exp(-${gong ? decay / 3 : decay}*${u})`)
        .join('+')
      return `${expr(`gte(t,0.2)*(${sum})`, d)}[raw]`
    }
  },
  {
    name: 'birds',
    match: /bird|chirp|gull|tweet|sparrow|robin|\bcrows?\b/,
    lufs: -26,
    graph: (d, r, _seed, text) => {
      const gull = /gull|\bcrow/.test(text)
      const f = gull ? 1100 + r() * 400 : 2500 + r() * 2000
      const rate = n3(1.5 + r() * 2)
      return (
        `${expr(`0.5*sin(2*PI*${n3(f)}*t+${n3(3 + r() * 5)}*sin(2*PI*${n3(18 + r() * 20)}*t))*pow(max(0,sin(2*PI*${rate}*t+2*sin(2*PI*0.3*t))),6)`, d)}` +
        '[raw]'
      )
    }
  },
  {
    name: 'crowd',
    match: /crowd|chatter|people|caf[eé]|market|applause|murmur|voices|party|restaurant|station/,
    lufs: -26,
    graph: (d, r, seed) =>
      `${noise('pink', seed, d, 1)},bandpass=f=${Math.round(650 + r() * 400)}:width_type=q:w=0.8,` +
      env(`0.6+0.25*sin(2*PI*0.7*t)+0.15*sin(2*PI*${n3(3 + r() * 2)}*t)`) +
      '[raw]'
  },
  {
    name: 'engine',
    match: /engine|motor|car\b|cars|traffic|train|truck|boat|\bship|city|machine|\bhum\b/,
    lufs: -26,
    graph: (d, r, seed) => {
      const f = n3(35 + r() * 25)
      return mix2(
        `${noise('brown', seed, d, 0.8)},lowpass=f=180`,
        expr(`0.4*sin(2*PI*${f}*t)+0.2*sin(2*PI*2*${f}*t)+0.1*sin(2*PI*3*${f}*t)`, d)
      )
    }
  },
  {
    name: 'clock',
    match: /clock|tick/,
    lufs: -28,
    graph: (d, r) =>
      `${expr(`exp(-300*mod(t,1))*sin(2*PI*${Math.round(2000 + r() * 1000)}*t)*(0.6+0.4*lt(mod(t,2),1))`, d)}[raw]`
  }
]

/** What a cue no family knows becomes: a soft room tone. */
const ROOM: Family = {
  name: 'room tone',
  match: /$^/,
  lufs: -36,
  graph: (d, r, seed) => `${noise('brown', seed, d, 0.6)},lowpass=f=${Math.round(180 + r() * 120)}[raw]`
}

export function normalizeCue(cue: string): string {
  return cue.trim().replace(/\s+/g, ' ').toLowerCase()
}

function familyOf(text: string): Family {
  let best: { family: Family; at: number } = { family: ROOM, at: Infinity }
  for (const family of FAMILIES) {
    const at = family.match.exec(text)?.index
    if (at !== undefined && at < best.at) best = { family, at }
  }
  return best.family
}

export function cueFamily(cue: string): { name: string; lufs: number } {
  const f = familyOf(normalizeCue(cue))
  return { name: f.name, lufs: f.lufs }
}

/**
 * ffmpeg arguments that render `cue` as `seconds` of 48 kHz stereo float WAV, shaped and
 * metered in the same run (finish-chain.ts: the summary on stderr). Pure.
 */
export function synthArgs(cue: string, seconds: number, out: string): { args: string[]; family: string; lufs: number } {
  const text = normalizeCue(cue)
  const family = familyOf(text)
  const seed = hashText(`${text}|sfx`)
  const graph = family.graph(seconds, seededRandom(seed), seed % 2147483647, text)
  return {
    args: [
      ...['-hide_banner', '-nostdin', '-y', '-nostats', '-loglevel', 'info'],
      ...['-filter_complex', `${graph};[raw]${finishChain(seconds)}[out]`, '-map', '[out]', '-c:a', 'pcm_f32le', out]
    ],
    family: family.name,
    lufs: family.lufs
  }
}

let counter = 0

export async function synthEffect(req: EffectRequest, workDir: string, signal?: AbortSignal): Promise<MadeEffect> {
  const out = join(workDir, `sfx-synth-${process.pid}-${++counter}.wav`)
  const { args, lufs } = synthArgs(req.cue, req.seconds, out)
  const { stderr } = await runFfmpeg(args, { signal, lowPriority: true })
  return { file: out, lufs, measured: parseEbur128Summary(stderr) ?? undefined }
}
