import { join } from 'node:path'
import { probe, videoDurationSec, type ProbeInfo } from '../media/probe'
import { parseShotSound } from '../show/sound'
import { shotSecondsFor } from '../voice/narrate'
import type { StepBackend } from '../../shared/contract/generation'
import { backendFor } from './backends'
import { GenerationError } from './errors'
import { runFfmpegStep } from './ffmpeg-step'

/**
 * The line decides the shot's length. When a generated clip is shorter than its
 * narration needs (the line's end + a short tail, voice/narrate.ts shotSecondsFor),
 * the studio asks the same backend for a continuation that starts from the clip's
 * last frame, with the same prompt, and joins the pieces (a clean cut: the
 * continuation's first frame is that last frame, so it is dropped). A backend that
 * cannot start from an image, a failed continuation or the cap on continuations
 * leaves a gap: a small one (≤ SLOW_MAX of the clip) is covered by slowing the
 * motion, a larger one by the conform's held last frame (media/conform-args.ts).
 */

/** Continuation requests per shot at most: each is a paid generation at a provider. */
export const MAX_EXTENSIONS = 3
/** A gap up to this share of the clip is covered by slowing it down (×1.25 at most) rather than by a frozen frame. */
export const SLOW_MAX = 0.25
/** Less than this short is a rounding matter the conform's frame rounding covers. */
const FITS_WITHIN_SEC = 0.05

export type LengthOutcome = 'fits' | 'extended' | 'slowed' | 'held'

/** What the job did about its shot's length (kept on the job's payload; the take's origin shows the note). */
export interface LengthState {
  /** Seconds the shot needs for its line (line end + tail). */
  needSec: number
  /** Seconds of the clip as generated. */
  clipSec: number
  /** Seconds of picture so far: the clip and the continuations made (each less its first frame), or slowed to. */
  haveSec: number
  /** The clip as generated (data-folder path): what the continuations extend and the join starts with. */
  first?: string | undefined
  /** The continuations made so far (data-folder paths), in order. */
  parts: string[]
  /** Continuation requests sent (made or failed). */
  requests: number
  outcome?: LengthOutcome | undefined
  /** One line for the job and the take: what was done and why. */
  note?: string | undefined
}

/** Seconds a shot needs so its spoken line is never cut; 0 for a shot without narration. */
export function lineSeconds(lib: { shotSoundJson(id: number): string | null }, shotId: number | null): number {
  if (shotId === null) return 0
  let json: string | null
  try {
    json = lib.shotSoundJson(shotId)
  } catch {
    return 0 // the shot was deleted meanwhile: its job fails at the conform with its own words
  }
  const sound = parseShotSound(json)
  return sound?.narration ? shotSecondsFor(0, sound.narration) : 0
}

/** Whether this video step's backend can continue a clip from its last frame (image-to-video, same prompt). */
export function canExtend(step: StepBackend): boolean {
  const row = backendFor(step)
  return (row.extendsFrom ?? row.imageInput)?.(step, 'video') === true
}

export function needsMore(state: LengthState, haveSec: number): boolean {
  return state.needSec - haveSec > FITS_WITHIN_SEC
}

/** How a gap that continuations did not close is covered: slowed motion when small, else the held last frame. */
export function fallbackFor(haveSec: number, needSec: number): 'slowed' | 'held' {
  return needSec / haveSec - 1 <= SLOW_MAX ? 'slowed' : 'held'
}

const f1 = (s: number): string => s.toFixed(1)

/** The job's one line about its length, e.g. "line 6.2 s, clip 5.0 s: extended by 2 continuations to 9.9 s". */
export function lengthNote(state: LengthState, outcome: LengthOutcome, haveSec: number, why?: string): string {
  const head = `line needs ${f1(state.needSec)} s, clip ${f1(state.clipSec)} s`
  const made = state.parts.length
  const ext = made > 0 ? `${made} continuation${made === 1 ? '' : 's'} from the last frame (${f1(haveSec)} s)` : ''
  const tail = why ? ` (${why})` : ''
  switch (outcome) {
    case 'fits':
      return `${head}: fits`
    case 'extended':
      return `${head}: extended by ${ext}`
    case 'slowed':
      return `${head}: ${made > 0 ? `extended by ${ext}, then ` : ''}slowed to ${f1(state.needSec)} s${tail}`
    case 'held':
      return `${head}: ${made > 0 ? `extended by ${ext}, then ` : ''}last frame held to ${f1(state.needSec)} s${tail}`
  }
}

/** Seconds of picture in a clip (its video stream, else the container). */
export async function videoSeconds(file: string, signal?: AbortSignal): Promise<number> {
  const info = await probeOrFail(file, signal)
  const s = videoDurationSec(info) ?? info.formatDurationSec
  if (!s || !Number.isFinite(s) || s <= 0) throw new GenerationError('permanent', `${file} has no duration.`)
  return s
}

async function probeOrFail(file: string, signal?: AbortSignal): Promise<ProbeInfo> {
  try {
    return await probe(file, signal)
  } catch (err) {
    if (signal?.aborted) throw new GenerationError('canceled', 'Canceled.')
    throw new GenerationError(
      'permanent',
      `Could not read ${file}: ${err instanceof Error ? err.message : String(err)}`
    )
  }
}

/**
 * The first clip and its continuations as one clip at the first clip's size and frame rate. Each
 * continuation starts on the previous piece's last frame, so its first frame is dropped (a clean cut,
 * no repeated frame). A piece without sound gets silence, so the model's own sound of the others stays.
 */
export async function joinClips(
  parts: string[],
  out: string,
  signal?: AbortSignal
): Promise<{ file: string; seconds: number }> {
  const infos = await Promise.all(parts.map((p) => probeOrFail(p, signal)))
  const first = infos[0]!.video
  if (!first) throw new GenerationError('permanent', `${parts[0]} has no picture to extend.`)
  const W = first.displayWidth
  const H = first.displayHeight
  const fps = first.fps && first.fps > 0 ? first.fps : 24
  const withSound = infos.some((i) => i.audio !== null)
  const chains: string[] = []
  const labels: string[] = []
  let total = 0
  infos.forEach((info, i) => {
    const skip = i === 0 ? 0 : 1
    const secs = (videoDurationSec(info) ?? info.formatDurationSec ?? 0) - skip / fps
    total += secs
    chains.push(
      `[${i}:v:0]setpts=PTS-STARTPTS,fps=${fps},scale=${W}:${H}:force_original_aspect_ratio=decrease,` +
        `pad=${W}:${H}:(ow-iw)/2:(oh-ih)/2,setsar=1,format=yuv420p,trim=start_frame=${skip},setpts=PTS-STARTPTS[v${i}]`
    )
    labels.push(`[v${i}]`)
    if (withSound) {
      const a =
        info.audio !== null
          ? `[${i}:a:0]asetpts=PTS-STARTPTS,aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,atrim=start=${(skip / fps).toFixed(4)},asetpts=PTS-STARTPTS,apad,atrim=end=${secs.toFixed(4)}[a${i}]`
          : `aevalsrc=0|0:s=48000:d=${secs.toFixed(4)},aformat=sample_fmts=fltp:channel_layouts=stereo[a${i}]`
      chains.push(a)
      labels.push(`[a${i}]`)
    }
  })
  const graph = `${chains.join(';')};${labels.join('')}concat=n=${parts.length}:v=1:a=${withSound ? 1 : 0}[v]${withSound ? '[a]' : ''}`
  const args = [...parts.flatMap((p) => ['-i', p]), '-filter_complex', graph, '-map', '[v]']
  if (withSound) args.push('-map', '[a]', '-c:a', 'aac', '-b:a', '192k')
  // An intermediate: the conform encodes it once more to the house format, so quality over size here.
  args.push('-c:v', 'libx264', '-preset', 'veryfast', '-crf', '16', '-pix_fmt', 'yuv420p', '-r', String(fps), out)
  await runFfmpegStep(args, { signal })
  return { file: out, seconds: total }
}

/** The clip slowed so it lasts `toSec` (motion and its own sound stretched alike; the frame rate kept). */
export async function slowClip(src: string, toSec: number, out: string, signal?: AbortSignal): Promise<string> {
  const info = await probeOrFail(src, signal)
  const have = videoDurationSec(info) ?? info.formatDurationSec ?? 0
  if (!info.video || have <= 0) throw new GenerationError('permanent', `${src} has no picture to slow down.`)
  const factor = toSec / have
  const fps = info.video.fps && info.video.fps > 0 ? info.video.fps : 24
  const args = ['-i', src, '-filter:v', `setpts=${factor.toFixed(6)}*(PTS-STARTPTS),fps=${fps}`, '-map', '0:v:0']
  // atempo keeps the pitch; 1/factor stays within its 0.5–2 range for the gaps slowing is used for.
  if (info.audio) args.push('-filter:a', `atempo=${(1 / factor).toFixed(6)}`, '-map', '0:a:0', '-c:a', 'aac')
  args.push('-c:v', 'libx264', '-preset', 'veryfast', '-crf', '16', '-pix_fmt', 'yuv420p', out)
  await runFfmpegStep(args, { signal })
  return out
}

/** Where a continuation's pieces go inside a job's folder. */
export function partName(index: number): string {
  return `extend-${index + 1}`
}

export function joinedPath(dir: string): string {
  return join(dir, 'joined.mp4')
}
