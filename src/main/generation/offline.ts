import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runFfmpegStep } from './ffmpeg-step'
import type { InterpolateStep, MusicStep, ShotPrompt, StepContext, UpscaleStep, VideoStep } from './types'

/** 32-bit FNV-1a: a stable seed from a prompt, so the same prompt renders the same clip. */
export function hashText(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h >>> 0
}

/** A tiny deterministic PRNG (mulberry32) for palette and motion choices. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const FONT_CANDIDATES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/TTF/DejaVuSans.ttf',
  '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf',
  '/System/Library/Fonts/Supplemental/Arial.ttf',
  '/Library/Fonts/Arial.ttf',
  'C:\\Windows\\Fonts\\arial.ttf'
]

/**
 * drawtext needs a font file; without one the offline generator still renders
 * colours and motion, only without the caption (the shot's metadata says so).
 */
export function findCaptionFont(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.WEBTV_CAPTION_FONT && existsSync(env.WEBTV_CAPTION_FONT)) return env.WEBTV_CAPTION_FONT
  return FONT_CANDIDATES.find((p) => existsSync(p))
}

/** Escape a value for use inside a filtergraph option (\ : ' , ; [ ] are special). */
export function escapeFilterValue(value: string): string {
  return value.replace(/[\\:',;[\]]/g, (c) => `\\${c}`)
}

const hex = (n: number): string => `0x${(n & 0xffffff).toString(16).padStart(6, '0')}`

export interface OfflineVideoOptions {
  width?: number
  height?: number
  fps?: number
  durationSeconds?: number
  /** Override the font lookup (tests); null forces the no-caption fallback. */
  fontFile?: string | null
}

export const OFFLINE_LABEL = 'Offline generator (ffmpeg)'

/**
 * The offline text-to-video stand-in: moving colour gradients, a moving shape and
 * a caption, all chosen from the prompt and seed. Needs no network and no key;
 * labelled as the offline generator wherever it shows.
 */
export class OfflineVideo implements VideoStep {
  readonly kind = 'offline' as const
  readonly label = OFFLINE_LABEL
  readonly width: number
  readonly height: number
  readonly fps: number
  readonly durationSeconds: number
  readonly fontFile: string | undefined

  constructor(opts: OfflineVideoOptions = {}) {
    this.width = opts.width ?? 512
    this.height = opts.height ?? 288
    this.fps = opts.fps ?? 24
    this.durationSeconds = opts.durationSeconds ?? 3
    this.fontFile = opts.fontFile === null ? undefined : (opts.fontFile ?? findCaptionFont())
  }

  get hasCaption(): boolean {
    return this.fontFile !== undefined
  }

  /** The ffmpeg arguments for one shot (pure: exposed for tests). */
  buildArgs(request: ShotPrompt, out: string, captionFile: string | undefined): string[] {
    const rnd = seededRandom(hashText(request.prompt) ^ request.seed)
    const c0 = hex(Math.floor(rnd() * 0xffffff))
    const c1 = hex(Math.floor(rnd() * 0xffffff))
    const c2 = hex(Math.floor(rnd() * 0xffffff))
    const speed = (0.01 + rnd() * 0.04).toFixed(3)
    const boxSpeed = Math.round((this.width / this.durationSeconds) * (0.4 + rnd() * 0.6))
    const boxSize = Math.max(8, Math.round(this.height * (0.12 + rnd() * 0.12)))
    const boxY = Math.round(rnd() * (this.height - boxSize))
    const filters = [`drawbox=x=mod(t*${boxSpeed}\\,iw):y=${boxY}:w=${boxSize}:h=${boxSize}:color=white@0.7:t=fill`]
    if (captionFile && this.fontFile) {
      const size = Math.max(10, Math.round(this.height / 16))
      filters.push(
        `drawtext=fontfile=${escapeFilterValue(this.fontFile)}:textfile=${escapeFilterValue(captionFile)}` +
          `:fontsize=${size}:fontcolor=white:box=1:boxcolor=black@0.45:boxborderw=4:x=${size / 2}:y=h-${size * 2}`
      )
    }
    return [
      '-f',
      'lavfi',
      '-i',
      `gradients=s=${this.width}x${this.height}:r=${this.fps}:d=${this.durationSeconds}:c0=${c0}:c1=${c1}:c2=${c2}:nb_colors=3:speed=${speed}:seed=${request.seed % 2147483647}`,
      '-vf',
      filters.join(','),
      '-t',
      String(this.durationSeconds),
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-pix_fmt',
      'yuv420p',
      '-metadata',
      `comment=${OFFLINE_LABEL}`,
      out
    ]
  }

  async generate(request: ShotPrompt, ctx: StepContext): Promise<string> {
    const out = join(ctx.workDir, 'offline.mp4')
    let captionFile: string | undefined
    if (this.fontFile) {
      captionFile = join(ctx.workDir, 'caption.txt')
      // A text file, not the text option: no escaping of the user's prompt into the filtergraph.
      writeFileSync(captionFile, captionFor(request.prompt))
    }
    await runFfmpegStep(this.buildArgs(request, out, captionFile), {
      signal: ctx.signal,
      durationSeconds: this.durationSeconds,
      onPercent: (percent) => ctx.onProgress({ percent })
    })
    return out
  }

  /**
   * A continuation from a frame (the last of a clip that is too short for its line): a slow push-in
   * on that very frame for this generator's clip length. Frame 0 is the image itself, so a join that
   * drops it cuts cleanly. Procedural like the rest: the offline demo exercises the extension path.
   */
  continueArgs(image: string, out: string): string[] {
    const { width: W, height: H, fps } = this
    const frames = Math.round(this.durationSeconds * fps)
    return [
      '-loop',
      '1',
      '-framerate',
      String(fps),
      '-i',
      image,
      '-vf',
      `scale=${W}:${H},setsar=1,zoompan=z='1+0.08*on/${frames}':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=1:s=${W}x${H}:fps=${fps},format=yuv420p`,
      '-frames:v',
      String(frames),
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-pix_fmt',
      'yuv420p',
      '-metadata',
      `comment=${OFFLINE_LABEL}`,
      out
    ]
  }

  async continueFrom(image: string, ctx: StepContext): Promise<string> {
    const out = join(ctx.workDir, 'offline-continued.mp4')
    await runFfmpegStep(this.continueArgs(image, out), {
      signal: ctx.signal,
      durationSeconds: this.durationSeconds,
      onPercent: (percent) => ctx.onProgress({ percent })
    })
    return out
  }
}

/** The caption: the start of the prompt, marked as offline so nobody mistakes it for a model's output. */
export function captionFor(prompt: string): string {
  const words = prompt.replace(/\s+/g, ' ').trim()
  const short = words.length > 48 ? `${words.slice(0, 45).trimEnd()}…` : words
  return `${short}\n[offline generator]`
}

/** Local upscale: lanczos to the target size (no new detail, unlike the XL pass). */
export class LocalUpscale implements UpscaleStep {
  readonly label = 'Local upscale (lanczos)'
  constructor(
    private readonly width = 1024,
    private readonly height = 576
  ) {}
  async upscale(request: { prompt: string; video: string }, ctx: StepContext): Promise<string> {
    const out = join(ctx.workDir, 'upscaled.mp4')
    await runFfmpegStep(
      [
        '-i',
        request.video,
        '-vf',
        `scale=${this.width}:${this.height}:flags=lanczos`,
        '-an',
        '-c:v',
        'libx264',
        '-preset',
        'veryfast',
        '-pix_fmt',
        'yuv420p',
        out
      ],
      { signal: ctx.signal }
    )
    return out
  }
}

/** Local frame interpolation with ffmpeg's motion-compensated minterpolate. */
export class LocalInterpolate implements InterpolateStep {
  readonly label = 'Local interpolation (minterpolate)'
  constructor(private readonly fps = 24) {}
  async interpolate(request: { video: string }, ctx: StepContext): Promise<string> {
    const out = join(ctx.workDir, 'interpolated.mp4')
    await runFfmpegStep(
      [
        '-i',
        request.video,
        '-vf',
        `minterpolate=fps=${this.fps}:mi_mode=mci`,
        '-an',
        '-c:v',
        'libx264',
        '-preset',
        'veryfast',
        '-pix_fmt',
        'yuv420p',
        out
      ],
      { signal: ctx.signal }
    )
    return out
  }
}

/** Notes of a minor pentatonic scale over two octaves, in Hz. */
const PENTATONIC = [220, 261.63, 293.66, 329.63, 392, 440, 523.25, 587.33, 659.25, 783.99]

/**
 * Local music: a soft three-voice drone with a slow pulse, notes picked from the
 * prompt and seed, synthesised by ffmpeg's aevalsrc. 48 kHz stereo WAV.
 */
export class LocalMusic implements MusicStep {
  readonly label = 'Local music (ffmpeg synth)'

  buildExpression(prompt: string, seed: number): string {
    const rnd = seededRandom(hashText(prompt) ^ seed)
    const pick = (): number => PENTATONIC[Math.floor(rnd() * PENTATONIC.length)]!
    const [a, b, c] = [pick(), pick(), pick()]
    const pulse = (0.5 + rnd() * 1.5).toFixed(2)
    return `0.12*sin(2*PI*${a}*t)+0.08*sin(2*PI*${b}*t)*(0.6+0.4*sin(2*PI*${pulse}*t))+0.06*sin(2*PI*${c}*t)`
  }

  async compose(request: { prompt: string; seed: number; durationSeconds: number }, ctx: StepContext): Promise<string> {
    const out = join(ctx.workDir, 'music.wav')
    const d = request.durationSeconds
    const expr = this.buildExpression(request.prompt, request.seed)
    await runFfmpegStep(
      ['-f', 'lavfi', '-i', `aevalsrc=${expr}|${expr}:s=48000:d=${d.toFixed(3)}`, '-c:a', 'pcm_s16le', out],
      { signal: ctx.signal, durationSeconds: d, onPercent: (percent) => ctx.onProgress({ percent }) }
    )
    return out
  }
}
