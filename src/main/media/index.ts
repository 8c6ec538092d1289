/** ffmpeg/ffprobe plumbing: probe, conform to a house format, thumbnails, progress. */
export { toolPath, resolveTool, ToolNotFoundError } from './ffmpeg-path'
export {
  probe,
  parseProbeJson,
  checkClip,
  explainProbeFailure,
  looksLikeMedia,
  videoDurationSec,
  MediaRejectedError
} from './probe'
export type { ProbeInfo, VideoInfo, AudioInfo, RejectKind, ClipLimits } from './probe'
export { conformArgs, planConform, tsRemuxArgs, POSTER_WIDTH, STRIP_TILES, STRIP_TILE_WIDTH } from './conform-args'
export type { ConformOutputs, ConformPlan } from './conform-args'
export { houseEncoderArgs, h264Level, DEFAULT_TUNING, AIR_TS_MUX_ARGS } from './house-encoder'
export type { EncoderTuning } from './house-encoder'
export { conform, DEFAULT_LIMITS } from './conform'
export type { ConformTargets, ConformProgress, ConformOptions, ConformResult } from './conform'
export { ProgressParser, parseProgress, progressPercent } from './ffmpeg-progress'
export type { ProgressBlock } from './ffmpeg-progress'
export { runFfmpeg, FfmpegError, AbortedError } from './ffmpeg-runner'
