/**
 * The channel's graphics and dips as ffmpeg filters, burned in at conform (never
 * on air): logo, "AI-generated" label, lower third, fade from/to black at the
 * head and tail. Pure: the caller resolves files (logo, font, text files).
 */
import { existsSync } from 'node:fs'
import type { Corner } from '../../shared/channel-look'
import { SINGLE_IMAGE } from './ffmpeg-runner'

/** Where the picture sits inside the frame after letter/pillarboxing. */
export interface PictureRect {
  x: number
  y: number
  w: number
  h: number
}

/** The scaled source inside a W×H frame, as `scale=…:force_original_aspect_ratio=decrease,pad=…` places it. */
export function pictureRect(frameW: number, frameH: number, srcW: number, srcH: number): PictureRect {
  if (!(srcW > 0 && srcH > 0)) return { x: 0, y: 0, w: frameW, h: frameH }
  const s = Math.min(frameW / srcW, frameH / srcH)
  const even = (n: number): number => Math.max(2, Math.min(n, Math.round(n / 2) * 2))
  const w = Math.min(frameW, even(srcW * s))
  const h = Math.min(frameH, even(srcH * s))
  return { x: Math.floor((frameW - w) / 2), y: Math.floor((frameH - h) / 2), w, h }
}

export interface LogoSpec {
  /** Index of the logo image among ffmpeg's inputs. */
  inputIndex: number
  position: Corner
  size: number
  margin: number
  opacity: number
}

export interface TextSpec {
  /** A UTF-8 file holding the text (drawtext's textfile: no escaping of the text itself). */
  textFile: string
}

export interface GraphicsSpec {
  picture: PictureRect
  frames: number
  fps: number
  audioSamples: number
  audioRate: number
  logo?: LogoSpec | undefined
  label?: (TextSpec & { position: Corner }) | undefined
  lowerThird?: (TextSpec & { seconds: number }) | undefined
  /** A TrueType/OpenType file; null: let fontconfig pick "Sans". */
  fontFile?: string | null | undefined
  dipSeconds: number
}

/**
 * Escape a value for a filter option inside a filtergraph string: once for the
 * option parser (`\ ' :`), once more for the graph parser (`\ ' [ ] , ;`).
 */
export function escapeFilterValue(value: string): string {
  const opt = value.replace(/[\\':]/g, '\\$&')
  return opt.replace(/[\\'[\],;]/g, '\\$&')
}

function fontOption(fontFile: string | null | undefined): string {
  return fontFile ? `fontfile=${escapeFilterValue(fontFile)}` : 'font=Sans'
}

/** x/y expressions for drawtext (tw/th = text size) or overlay (overlay_w/h) in a corner of the picture. */
function corner(pos: Corner, p: PictureRect, margin: number, objW: string, objH: string): { x: string; y: string } {
  const left = pos.endsWith('left')
  const top = pos.startsWith('top')
  return {
    x: left ? String(p.x + margin) : `${p.x + p.w - margin}-${objW}`,
    y: top ? String(p.y + margin) : `${p.y + p.h - margin}-${objH}`
  }
}

/** Frames of the dip at each end: at most a third of the clip, so a short clip still shows its picture. */
export function dipFrames(dipSeconds: number, fps: number, frames: number): number {
  if (dipSeconds <= 0) return 0
  return Math.max(1, Math.min(Math.round(dipSeconds * fps), Math.floor(frames / 3)))
}

/**
 * Filtergraph chains that take the conformed picture `[inV]` to `[outV]` with
 * the graphics and dips, and the audio `[inA]` to `[outA]` with the dips.
 * Pass-throughs (`null`/`anull`) when nothing is on; no audio chain when `inA` is ''.
 */
export function graphicsFilters(spec: GraphicsSpec, inV: string, outV: string, inA: string, outA: string): string[] {
  const p = spec.picture
  const chains: string[] = []
  let v = inV
  if (spec.logo) {
    const l = spec.logo
    const w = Math.max(2, Math.round((l.size * p.w) / 2) * 2)
    const m = Math.round(l.margin * p.h)
    const pos = corner(l.position, p, m, 'overlay_w', 'overlay_h')
    // The logo is converted to yuva420p once; overlay then blends in the main picture's own format
    // (format=auto re-converted every frame: +0.1 CPU-s per clip-second at 1024x576).
    chains.push(
      `[${l.inputIndex}:v:0]scale=${w}:-2,format=rgba,colorchannelmixer=aa=${l.opacity.toFixed(3)},format=yuva420p[logo]`
    )
    chains.push(`${v}[logo]overlay=x=${pos.x}:y=${pos.y}:format=yuv420:eof_action=repeat[vlogo]`)
    v = '[vlogo]'
  }
  const filters: string[] = []
  const font = fontOption(spec.fontFile)
  if (spec.label) {
    const size = Math.max(10, Math.round(p.h * 0.032))
    const m = Math.round(p.h * 0.04)
    const pos = corner(spec.label.position, p, m, 'tw', 'th')
    filters.push(
      `drawtext=${font}:textfile=${escapeFilterValue(spec.label.textFile)}:expansion=none:fontsize=${size}:fontcolor=white@0.9:` +
        `box=1:boxcolor=black@0.45:boxborderw=${Math.round(size * 0.35)}:x=${pos.x}:y=${pos.y}`
    )
  }
  if (spec.lowerThird) {
    const size = Math.max(12, Math.round(p.h * 0.045))
    const x = p.x + Math.round(p.w * 0.05)
    const y = p.y + p.h - Math.round(p.h * 0.1)
    filters.push(
      `drawtext=${font}:textfile=${escapeFilterValue(spec.lowerThird.textFile)}:expansion=none:fontsize=${size}:fontcolor=white:` +
        `box=1:boxcolor=black@0.6:boxborderw=${Math.round(size * 0.4)}:x=${x}:y=${y}-th:enable='lt(t\\,${spec.lowerThird.seconds})'`
    )
  }
  const dip = dipFrames(spec.dipSeconds, spec.fps, spec.frames)
  if (dip > 0) {
    filters.push(`fade=t=in:s=0:n=${dip}`, `fade=t=out:s=${Math.max(0, spec.frames - 1 - dip)}:n=${dip}`)
  }
  chains.push(`${v}${filters.length ? filters.join(',') : 'null'}${outV}`)
  if (!inA) return chains
  const aFilters: string[] = []
  if (dip > 0) {
    const n = Math.round((dip / spec.fps) * spec.audioRate)
    aFilters.push(`afade=t=in:ss=0:ns=${n}`, `afade=t=out:ss=${spec.audioSamples - n}:ns=${n}`)
  }
  chains.push(`${inA}${aFilters.length ? aFilters.join(',') : 'anull'}${outA}`)
  return chains
}

const FONT_CANDIDATES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/TTF/DejaVuSans.ttf',
  '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf',
  '/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf',
  '/System/Library/Fonts/Supplemental/Arial.ttf',
  '/Library/Fonts/Arial.ttf',
  'C:\\Windows\\Fonts\\arial.ttf'
]

/** A sans font on this machine for drawtext; null lets ffmpeg's fontconfig choose. */
export function findFont(): string | null {
  const env = process.env.WEBTV_FONT
  if (env && existsSync(env)) return env
  return FONT_CANDIDATES.find((f) => existsSync(f)) ?? null
}

/**
 * One still of `input` at `atSec` as it will air: the house size (letter/pillarboxed)
 * with the graphics, as PNG. For the Channel look preview.
 */
export function lookStillArgs(
  input: string,
  output: string,
  size: { width: number; height: number },
  source: { width: number; height: number },
  atSec: number,
  spec: Omit<GraphicsSpec, 'picture' | 'frames' | 'fps' | 'audioSamples' | 'audioRate' | 'dipSeconds'>,
  logoFile?: string
): string[] {
  const { width: W, height: H } = size
  const base =
    `[0:v:0]scale=${W}:${H}:force_original_aspect_ratio=decrease:force_divisible_by=2,` +
    `pad=${W}:${H}:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1,format=yuv420p,setpts=PTS-STARTPTS[v0]`
  const chains = graphicsFilters(
    {
      ...spec,
      picture: pictureRect(W, H, source.width, source.height),
      frames: 1,
      fps: 1,
      audioSamples: 0,
      audioRate: 48000,
      dipSeconds: 0
    },
    '[v0]',
    '[v]',
    '',
    ''
  )
  return [
    '-hide_banner',
    '-nostdin',
    '-y',
    '-loglevel',
    'error',
    '-ss',
    atSec.toFixed(3),
    '-i',
    input,
    ...(logoFile ? ['-i', logoFile] : []),
    '-filter_complex',
    [base, ...chains].join(';'),
    '-map',
    '[v]',
    '-frames:v',
    '1',
    ...SINGLE_IMAGE,
    '-f',
    'image2',
    '-c:v',
    'png',
    output
  ]
}
