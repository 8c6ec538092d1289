import type { HouseFormat } from '../../shared/house-format'
import type { ProbeInfo } from './probe'
import { videoDurationSec } from './probe'
import { AIR_TS_MUX_ARGS, DEFAULT_TUNING, houseEncoderArgs, type EncoderTuning } from './house-encoder'
import { ffmpegPreamble, SINGLE_IMAGE } from './ffmpeg-runner'
import { graphicsFilters, pictureRect, type GraphicsSpec, type LogoSpec } from './graphics'

/** The channel's look for one clip (see graphics.ts, loudness.ts); absent = a plain conform. */
export interface ConformLook extends Pick<GraphicsSpec, 'label' | 'lowerThird' | 'fontFile' | 'dipSeconds'> {
  /** Loudness gain + limiter filters (loudness.ts gainFilters). */
  audioFilters: string[]
  logo?: (Omit<LogoSpec, 'inputIndex'> & { file: string }) | undefined
  /** Burned-in captions: the drawtext filters for the cues (sound/captions.ts), on the aired picture only. */
  captionFilters?: string[] | undefined
}

/** The sound chain's part of a conform (sound/mix.ts): the mixed audio and the extended length. */
export interface ConformSound {
  /** A WAV that replaces the clip's own audio (it already holds it, mixed). */
  audioFile: string
  /** The picture is extended to at least this long by holding its last frame. */
  holdToSec: number
}

/**
 * More work for the conform's own ffmpeg: filter chains that read the aired picture and sound (after the
 * look's graphics, captions and loudness) and the output arguments they need — the quality checks'
 * measuring pass (checks/tap.ts), made without a second ffmpeg start or a second decode.
 */
export interface ConformTap {
  /** `video` and `audio` are the labels to read; `durationSec` is the conformed length. */
  graph(video: string, audio: string, durationSec: number): { chains: string[]; outputs: string[] }
}

export interface ConformOutputs {
  mp4: string
  poster: string
  strip: string
}

export interface ConformPlan {
  /** Frames in the output: the source length rounded to the channel's frame rate. */
  frames: number
  durationSec: number
  audioSamples: number
  posterFrame: number
  stripTiles: number
  stripStep: number
}

export const POSTER_WIDTH = 480
export const STRIP_TILE_WIDTH = 160
export const STRIP_TILES = 8

/** The output's length and thumbnail picks, decided from the probe alone. */
export function planConform(format: HouseFormat, info: ProbeInfo, holdToSec = 0): ConformPlan {
  const src = Math.max(videoDurationSec(info) ?? 0, holdToSec)
  const frames = Math.max(1, Math.round(src * format.fps))
  const durationSec = frames / format.fps
  // A poster from about a second in (first frames are often black or fading in).
  const posterFrame = Math.min(frames - 1, Math.round(Math.min(1, durationSec / 3) * format.fps))
  const stripStep = Math.max(1, Math.floor(frames / STRIP_TILES))
  return {
    frames,
    durationSec,
    audioSamples: Math.round(durationSec * format.audioRate),
    posterFrame,
    stripTiles: STRIP_TILES,
    stripStep
  }
}

/**
 * ffmpeg arguments that turn `input` into the channel's house format (MP4 for
 * preview) plus a poster JPEG and a filmstrip, in one decode. Pure.
 * - letterbox/pillarbox, never stretch; rotation metadata is applied by ffmpeg's
 *   autorotate before the graph;
 * - constant fps, exactly `frames` frames (last frame held if the source runs short);
 * - closed GOP of fps*gopSeconds frames, keyframe at frame 0, no scene-cut keyframes;
 * - AAC-LC 48 kHz stereo, silence when the source has none, padded/trimmed to the
 *   video's length.
 */
export function conformArgs(
  input: string,
  outputs: ConformOutputs,
  format: HouseFormat,
  info: ProbeInfo,
  tuning: EncoderTuning = DEFAULT_TUNING,
  look?: ConformLook,
  sound?: ConformSound,
  tap?: ConformTap
): string[] {
  const plan = planConform(format, info, sound?.holdToSec)
  // Held last frame: enough to cover rounding, plus whatever a narration line needs beyond the picture.
  const hold = 1 + Math.max(0, (sound?.holdToSec ?? 0) - (videoDurationSec(info) ?? 0))
  const { width: W, height: H, fps } = format
  const posterH = Math.round((POSTER_WIDTH * H) / W / 2) * 2
  const tileH = Math.round((STRIP_TILE_WIDTH * H) / W / 2) * 2
  const video =
    `[0:v:0]setpts=PTS-STARTPTS,fps=${fps},` +
    `scale=${W}:${H}:force_original_aspect_ratio=decrease:force_divisible_by=2${tuning.scaleFlags ? `:flags=${tuning.scaleFlags}` : ''},` +
    `pad=${W}:${H}:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1,format=yuv420p,` +
    // Hold the last frame a little so rounding never leaves us short, then cut exactly.
    `tpad=stop_mode=clone:stop_duration=${hold.toFixed(3)},trim=end_frame=${plan.frames},setpts=PTS-STARTPTS,split=3[${look ? 'v0' : 'v'}][p0][s0]`
  const poster = `[p0]trim=start_frame=${plan.posterFrame}:end_frame=${plan.posterFrame + 1},scale=${POSTER_WIDTH}:${posterH}[p]`
  const strip = `[s0]select='not(mod(n\\,${plan.stripStep}))',scale=${STRIP_TILE_WIDTH}:${tileH},tile=${plan.stripTiles}x1[s]`
  const hasAudio = info.audio !== null || sound !== undefined
  const audioIn = sound ? '[1:a:0]asetpts=PTS-STARTPTS,' : hasAudio ? '[0:a:0]asetpts=PTS-STARTPTS,' : '[1:a]'
  const audio =
    `${audioIn}aresample=${format.audioRate},aformat=sample_fmts=fltp:channel_layouts=stereo,` +
    (look?.audioFilters.length ? `${look.audioFilters.join(',')},` : '') +
    `apad,atrim=end_sample=${plan.audioSamples}[${look ? 'a0' : 'a'}]`

  const args = [...ffmpegPreamble({ batch: true, loglevel: 'error', progress: 'stdout' }), '-i', input]
  if (sound) args.push('-i', sound.audioFile)
  else if (!hasAudio) {
    args.push('-f', 'lavfi', '-i', `anullsrc=channel_layout=stereo:sample_rate=${format.audioRate}`)
  }
  const graph = [video, poster, strip, audio]
  if (look) {
    // Graphics go on the aired picture only: the poster and filmstrip show the shot itself.
    const logoIndex = hasAudio && !sound ? 1 : 2
    if (look.logo) args.push('-i', look.logo.file)
    const picture = info.video
      ? pictureRect(W, H, info.video.displayWidth, info.video.displayHeight)
      : pictureRect(W, H, W, H)
    let logo: LogoSpec | undefined
    if (look.logo) {
      const { position, size, margin, opacity } = look.logo
      logo = { position, size, margin, opacity, inputIndex: logoIndex }
    }
    const spec: GraphicsSpec = {
      picture,
      frames: plan.frames,
      fps,
      audioSamples: plan.audioSamples,
      audioRate: format.audioRate,
      logo,
      label: look.label,
      lowerThird: look.lowerThird,
      fontFile: look.fontFile,
      dipSeconds: look.dipSeconds
    }
    let v0 = '[v0]'
    if (look.captionFilters?.length) {
      graph.push(`[v0]${look.captionFilters.join(',')}[vcap]`)
      v0 = '[vcap]'
    }
    graph.push(...graphicsFilters(spec, v0, '[v]', '[a0]', '[a]'))
  }
  let aired = { v: '[v]', a: '[a]' }
  let tapOutputs: string[] = []
  if (tap) {
    graph.push('[v]split[vair][vtap]', '[a]asplit[aair][atap]')
    const t = tap.graph('[vtap]', '[atap]', plan.durationSec)
    graph.push(...t.chains)
    tapOutputs = t.outputs
    aired = { v: '[vair]', a: '[aair]' }
  }
  args.push('-filter_complex', graph.join(';'))
  args.push(
    '-map',
    aired.v,
    '-map',
    aired.a,
    '-map_metadata',
    '-1',
    '-map_chapters',
    '-1',
    ...houseEncoderArgs(format, tuning),
    '-movflags',
    '+faststart',
    '-f',
    'mp4',
    outputs.mp4,
    '-map',
    '[p]',
    '-frames:v',
    '1',
    '-q:v',
    '3',
    ...SINGLE_IMAGE,
    '-f',
    'image2',
    outputs.poster,
    '-map',
    '[s]',
    '-frames:v',
    '1',
    '-q:v',
    '4',
    ...SINGLE_IMAGE,
    '-f',
    'image2',
    outputs.strip,
    ...tapOutputs
  )
  return args
}

/** MP4 → MPEG-TS for air: a stream copy, no re-encode. */
export function tsRemuxArgs(mp4: string, ts: string): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-y',
    '-loglevel',
    'error',
    '-i',
    mp4,
    '-map',
    '0',
    '-c',
    'copy',
    '-bsf:v',
    'h264_mp4toannexb',
    ...AIR_TS_MUX_ARGS,
    ts
  ]
}
