import { execFileSync } from 'node:child_process'
import { toolPath } from '../../src/main/media/ffmpeg-path'

/** Runs the studio's ffmpeg quietly (errors only, overwriting) and returns what it writes to stdout (raw frames with `-`). */
export function ffmpeg(args: string[]): Buffer {
  return execFileSync(toolPath('ffmpeg'), ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024
  })
}
