/**
 * The one ffmpeg pass behind the filter checks: blackdetect and freezedetect on a
 * small copy of the picture, silencedetect and an EBU R128 meter on the sound, and
 * a few frames (studio graphics painted out, grey) written for OCR, and the same
 * moments in colour, small, for the judge. Pure argument
 * building and stderr parsing, plus the run itself.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { probe } from '../media/probe'
import { ffmpegPreamble, patternFolder, runFfmpeg } from '../media/ffmpeg-runner'
import { escapeFilterValue } from '../media/graphics'
import type { Rect, Stretch } from './types'

/** Shortest black stretch that counts: longer than the look's dips (≤ 2 × 0.25 s at a cut by default). */
export const BLACK_MIN_SEC = 0.8
/** Shortest still stretch that counts (a slow shot still moves within this). */
export const FREEZE_MIN_SEC = 1.2
/** Quieter than this (dBFS) is silence. */
export const SILENCE_DB = -50
export const SILENCE_MIN_SEC = 0.5
/** Width the detectors look at: enough to see black and stillness, cheap to scan. */
const DETECT_WIDTH = 192
/**
 * Blur radius of the high-pass that lifts text off the picture (px, at full OCR size): wider than
 * a big display word's stroke, or the middle of its letters goes flat (a hollow X reads as nothing).
 */
const HIGHPASS_SIGMA = 20
/** OCR frames are at most this wide. */
const OCR_MAX_WIDTH = 960

/** The judge's frames are at most this wide (a vision model sees little more; the request stays small). */
export const JUDGE_FRAME_WIDTH = 512

/** When to sample frames for OCR: every ~2 s, skipping the head and tail dips; at least three. */
export function sampleTimes(durationSec: number): number[] {
  const head = Math.min(0.4, durationSec / 4)
  const usable = Math.max(0, durationSec - 2 * head)
  const n = Math.max(3, Math.min(15, Math.ceil(usable / 2)))
  const step = usable / n
  return Array.from({ length: n }, (_, i) => Math.round((head + step * (i + 0.5)) * 1000) / 1000)
}

export interface MeasurePlan {
  width: number
  height: number
  fps: number
  durationSec: number
  hasAudio: boolean
  masks: Rect[]
  /**
   * Where the pass writes: the detectors' reports (`det.txt`, `sil.txt`, `r128.txt`) and the sampled
   * frames (`f%03d.pgm`, `h%03d.pgm`, `u%03d.pgm`, `v%03d.pgm`, `c%03d.jpg`).
   */
  dir: string
  /** Write the OCR frames (default true). */
  ocr?: boolean | undefined
  times: number[]
  /** Also write the sampled moments in colour (`c%03d.jpg`, for the judge). */
  judge?: boolean | undefined
}

/** A flat picture in the signed high-pass (grainextract's 128): neither a light nor a dark stroke. */
const FLAT_GREY = '0x808080'

/** The studio's regions painted out as flat picture, in the OCR frame's pixels. */
function boxesOf(masks: Rect[], k: number): string {
  return masks
    .map(
      (m) =>
        `drawbox=x=${Math.round(m.x * k)}:y=${Math.round(m.y * k)}:w=${Math.round(m.w * k)}:h=${Math.round(m.h * k)}:color=${FLAT_GREY}:t=fill`
    )
    .join(',')
}

/** The detectors' reports: frame metadata printed to files, so the pass needs no log level of its own. */
const REPORTS = { video: 'det.txt', silence: 'sil.txt', loudness: 'r128.txt' }

/** A path inside a filter option (the metadata filters' `file=`), escaped for the filter graph. */
function filterPath(file: string): string {
  return escapeFilterValue(file)
}

/**
 * The pass as filter chains reading `video` and `audio` (labels such as `[0:v:0]`, or the conform's own
 * aired picture and sound), and the output arguments they need. The standalone pass (measureArgs) runs it
 * over a conformed file; the conform runs it beside its encoder (checks/tap.ts), one decode for both.
 */
export function measureGraph(plan: MeasurePlan, video: string, audio: string): { chains: string[]; outputs: string[] } {
  const chains: string[] = []
  const frames = plan.times.length > 0
  const ocr = frames && plan.ocr !== false
  const judge = frames && plan.judge === true
  const branches = ['dv', ...(ocr ? ['ov'] : []), ...(judge ? ['jv'] : [])]
  // select by time: each sampled time picks the first frame at or after it.
  const window = 0.5 / plan.fps
  const pick = plan.times.map((t) => `lt(abs(t-${t.toFixed(3)})\\,${window.toFixed(4)})`).join('+')
  chains.push(
    `${video}${branches.length > 1 ? `split=${branches.length}${branches.map((b) => `[${b}]`).join('')};[dv]` : ''}scale=${DETECT_WIDTH}:-2,format=gray,` +
      `blackdetect=d=${BLACK_MIN_SEC}:pix_th=0.10:pic_th=0.97,freezedetect=n=-50dB:d=${FREEZE_MIN_SEC},` +
      `metadata=mode=print:file=${filterPath(join(plan.dir, REPORTS.video))}[det]`
  )
  if (judge) chains.push(`[jv]select='${pick}',scale='min(${JUDGE_FRAME_WIDTH}\\,iw)':-2[jud]`)
  if (ocr) {
    const scale = plan.width > OCR_MAX_WIDTH ? `,scale=${OCR_MAX_WIDTH}:-2` : ''
    // Text lifted off the picture, whatever its colour and the picture behind it: the frame minus its
    // blur, signed (grainextract: a − blur + 128), so a light word and its dark shadow stay apart
    // (static-text.ts thresholds each side). The studio's own graphics are then painted out as flat.
    // Twice: at full size for small words, at half size for big ones (whose inside the high-pass would hollow).
    const highpass = (from: string, sigma: number, to: string, boxes: string): string =>
      `${from}split[${to}1][${to}2];[${to}2]gblur=sigma=${sigma}[${to}b];` +
      `[${to}1][${to}b]blend=all_mode=grainextract` +
      `${boxes ? `,${boxes}` : ''}[${to}]`
    const halve = (m: Rect): Rect => ({ x: m.x / 2, y: m.y / 2, w: m.w / 2 + 1, h: m.h / 2 + 1 })
    // And the two colour planes (half size in 4:2:0), high-passed the same way: a word as light as the
    // picture behind it (orange on pink) shows only in its colour.
    chains.push(`[ov]select='${pick}',split[ovl][ovc]`)
    chains.push(`[ovl]format=gray${scale},split[ocrf][ocrh]`)
    // Scaled before the format is pinned: a scale after it leaves extractplanes no format to choose
    // (ffmpeg fails the whole pass at the default 1024×576, wider than OCR_MAX_WIDTH).
    chains.push(`[ovc]${scale.slice(1)}${scale ? ',' : ''}format=yuv420p,extractplanes=u+v[ocru][ocrv]`)
    chains.push(
      highpass(
        '[ocrf]',
        HIGHPASS_SIGMA,
        'ocr',
        boxesOf(plan.masks, plan.width > OCR_MAX_WIDTH ? OCR_MAX_WIDTH / plan.width : 1)
      )
    )
    chains.push(
      highpass(
        '[ocrh]scale=iw/2:-2,',
        HIGHPASS_SIGMA / 2,
        'ocrhalf',
        boxesOf(plan.masks.map(halve), plan.width > OCR_MAX_WIDTH ? OCR_MAX_WIDTH / plan.width : 1)
      )
    )
    for (const plane of ['u', 'v'])
      chains.push(
        highpass(
          `[ocr${plane}]`,
          HIGHPASS_SIGMA / 2,
          `ocrc${plane}`,
          boxesOf(plan.masks.map(halve), plan.width > OCR_MAX_WIDTH ? OCR_MAX_WIDTH / plan.width : 1)
        )
      )
  }
  if (plan.hasAudio)
    chains.push(
      `${audio}silencedetect=n=${SILENCE_DB}dB:d=${SILENCE_MIN_SEC},` +
        `ametadata=mode=print:file=${filterPath(join(plan.dir, REPORTS.silence))},` +
        // One-second frames: the meter reports its running integrated loudness once a frame, and the last is the take's.
        `asetnsamples=n=48000:p=0,ebur128=peak=none:metadata=1,` +
        `ametadata=mode=print:key=lavfi.r128.I:file=${filterPath(join(plan.dir, REPORTS.loudness))}[aud]`
    )
  const outputs = [
    // f001… full size, h001… half size, u001… and v001… the colour planes (text-read.ts groups by letter).
    ...(ocr
      ? [
          ['ocr', 'f'],
          ['ocrhalf', 'h'],
          ['ocrcu', 'u'],
          ['ocrcv', 'v']
        ].flatMap(([label, prefix]) => [
          '-map',
          `[${label}]`,
          '-fps_mode',
          'passthrough',
          '-c:v',
          'pgm',
          '-f',
          'image2',
          join(patternFolder(plan.dir), `${prefix}%03d.pgm`)
        ])
      : []),
    ...(judge
      ? [
          '-map',
          '[jud]',
          '-fps_mode',
          'passthrough',
          '-q:v',
          '5',
          '-f',
          'image2',
          join(patternFolder(plan.dir), 'c%03d.jpg')
        ]
      : []),
    '-map',
    '[det]',
    ...(plan.hasAudio ? ['-map', '[aud]'] : []),
    '-f',
    'null',
    '-'
  ]
  return { chains, outputs }
}

/** The standalone pass over a conformed file (an import whose media was already there, a re-check). */
export function measureArgs(plan: MeasurePlan & { input: string }): string[] {
  const { chains, outputs } = measureGraph(plan, '[0:v:0]', '[0:a:0]')
  return [
    ...ffmpegPreamble({ batch: true, loglevel: 'error' }),
    // One thread: a small clip's work is too little to share out, and threads cost CPU to start and sync.
    '-threads',
    '1',
    '-i',
    plan.input,
    '-filter_complex_threads',
    '1',
    '-filter_complex',
    chains.join(';'),
    ...outputs
  ]
}

function num(s: string | undefined): number {
  return s === undefined ? NaN : Number(s)
}

export interface ParsedPass {
  black: Stretch[]
  frozen: Stretch[]
  silence: Stretch[]
  integratedLufs: number | null
}

/** `key=value` lines of a metadata filter's print (`frame:N pts:… pts_time:T` lines between them are skipped). */
function values(report: string, key: string): number[] {
  const out: number[] = []
  for (const line of report.split(/\r?\n/)) {
    const eq = line.indexOf('=')
    if (eq > 0 && line.slice(0, eq) === key)
      out.push(line.slice(eq + 1) === '-inf' ? -Infinity : num(line.slice(eq + 1)))
  }
  return out
}

/** Stretches from start/end keys in order (a start without an end runs to the end of the take). */
function stretches(report: string, prefix: string, durationSec: number): Stretch[] {
  const out: Stretch[] = []
  let open: number | null = null
  for (const line of report.split(/\r?\n/)) {
    const m = new RegExp(`^${prefix.replace(/\./g, '\\.')}_(start|end)=(-?[\\d.]+)`).exec(line)
    if (!m) continue
    if (m[1] === 'start') open ??= num(m[2])
    else if (open !== null) {
      out.push({ start: open, end: num(m[2]) })
      open = null
    }
  }
  if (open !== null) out.push({ start: open, end: durationSec })
  return out
}

/** The detectors' reports (the metadata files the pass wrote; '' where one was not written). */
export function parseMeasure(
  reports: { video: string; silence: string; loudness: string },
  durationSec: number
): ParsedPass {
  const black = stretches(reports.video, 'lavfi.black', durationSec)
  const frozen = stretches(reports.video, 'lavfi.freezedetect.freeze', durationSec)
  const silence = stretches(reports.silence, 'lavfi.silence', durationSec).map((s) => ({
    start: Math.max(0, s.start),
    end: s.end
  }))
  // The meter's running integrated loudness; the last frame's covers the whole take.
  const i = values(reports.loudness, 'lavfi.r128.I')
  const integratedLufs = i.length ? i[i.length - 1]! : null
  return { black, frozen, silence, integratedLufs }
}

export interface PassResult extends ParsedPass {
  durationSec: number
  hasAudio: boolean
  /** PGM frames for OCR, in sampled order, with their times; the caller removes `dir`. */
  frames: Array<{ file: string; at: number }>
  /** Colour JPEGs of the same moments for the judge (empty unless asked for). */
  colour: Array<{ file: string; at: number }>
  dir: string
  /** Measured inside the conform, on the picture handed to the encoder (checks/tap.ts); else over the file. */
  beforeEncode?: boolean | undefined
}

/** What a finished pass left in its folder (`plan.dir`): the detectors' reports and the sampled frames. */
export function readPass(plan: Pick<MeasurePlan, 'dir' | 'times' | 'durationSec' | 'hasAudio'>): PassResult {
  const { dir, times, durationSec } = plan
  const text = (name: string): string => (existsSync(join(dir, name)) ? readFileSync(join(dir, name), 'utf8') : '')
  const parsed = parseMeasure(
    { video: text(REPORTS.video), silence: text(REPORTS.silence), loudness: text(REPORTS.loudness) },
    durationSec
  )
  const files = readdirSync(dir).sort()
  // f001…, h001…, u001…, v001…, c001…: the nth frame of any kind was sampled at times[n-1].
  const at = (f: string): { file: string; at: number } => ({
    file: join(dir, f),
    at: times[Number(f.slice(1, 4)) - 1] ?? 0
  })
  const frames = files.filter((f) => f.endsWith('.pgm')).map(at)
  const colour = files.filter((f) => f.endsWith('.jpg')).map(at)
  return { ...parsed, durationSec, hasAudio: plan.hasAudio, dir, frames, colour }
}

/** A fresh folder for one pass under `tmpRoot`. */
export function passDir(tmpRoot: string): string {
  mkdirSync(tmpRoot, { recursive: true })
  return mkdtempSync(join(tmpRoot, `${process.pid}-checks-`))
}

/**
 * The standalone pass over a conformed take (its own ffmpeg start and decode): for a take whose
 * conform ran without the checks beside it (media reused from an earlier identical conform, a re-check).
 */
export async function measureTake(
  input: {
    mp4: string
    width: number
    height: number
    durationMs: number
    masks: Rect[]
    fps?: number | undefined
    hasAudio?: boolean | undefined
  },
  tmpRoot: string,
  opts: { ocr: boolean; judge?: boolean | undefined; signal?: AbortSignal | undefined }
): Promise<PassResult> {
  // A probe is a second ffmpeg-sized process start (~0.2 CPU-s): skipped when the take says what it holds.
  const known = input.fps !== undefined && input.hasAudio !== undefined
  const info = known ? null : await probe(input.mp4, opts.signal)
  const durationSec = input.durationMs / 1000
  const hasAudio = info ? info.audio !== null && info.audio !== undefined : input.hasAudio === true
  const fps = info ? (info.video?.fps ?? 24) : input.fps!
  const sampling = opts.ocr || opts.judge === true
  const plan: MeasurePlan = {
    width: input.width,
    height: input.height,
    fps,
    durationSec,
    hasAudio,
    masks: input.masks,
    dir: passDir(tmpRoot),
    ocr: opts.ocr,
    judge: opts.judge,
    times: sampling ? sampleTimes(durationSec) : []
  }
  try {
    await runFfmpeg(measureArgs({ ...plan, input: input.mp4 }), { signal: opts.signal, lowPriority: true })
    return readPass(plan)
  } catch (err) {
    rmSync(plan.dir, { recursive: true, force: true })
    throw err
  }
}
