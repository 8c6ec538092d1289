import type { HouseFormat } from '../../shared/house-format'
import { h264Level } from './conform-args'
import { runFfmpeg } from './run-ffmpeg'

/**
 * A standby slate in the house format (colour bars + silence), as MPEG-TS ready to
 * be fed to the on-air encoder between clips. Same encoder settings as conform so
 * its SPS matches every clip of the channel. Pure argument builder.
 */
export function slateArgs(format: HouseFormat, seconds: number, outTs: string): string[] {
  const frames = Math.max(1, Math.round(seconds * format.fps))
  const gop = format.fps * format.gopSeconds
  return [
    '-hide_banner', '-nostdin', '-y', '-loglevel', 'error',
    '-f', 'lavfi', '-i', `smptehdbars=size=${format.width}x${format.height}:rate=${format.fps}`,
    '-f', 'lavfi', '-i', `anullsrc=channel_layout=stereo:sample_rate=${format.audioRate}`,
    '-frames:v', String(frames), '-t', String(frames / format.fps),
    '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'high', '-level:v', h264Level(format), '-pix_fmt', 'yuv420p',
    '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0', '-flags', '+cgop',
    '-b:v', `${format.videoKbps}k`, '-maxrate', `${format.videoMaxKbps}k`, '-bufsize', `${format.videoMaxKbps * 2}k`,
    '-c:a', 'aac', '-b:a', `${format.audioKbps}k`, '-ar', String(format.audioRate), '-ac', '2',
    '-f', 'mpegts', outTs
  ]
}

export async function makeSlate(format: HouseFormat, seconds: number, outTs: string, signal?: AbortSignal): Promise<void> {
  await runFfmpeg(slateArgs(format, seconds, outTs), { signal })
}
