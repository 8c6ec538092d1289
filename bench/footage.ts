/**
 * Clips with the look of real footage for the on-air benches: a Mandelbrot zoom, a
 * scrolling cellular texture blended over it and temporal grain, 1024x576@24 H.264
 * with AAC — not flat test patterns, which would flatter any encoder and make the
 * copy path's bytes unrealistically few.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { toolPath } from '../src/main/media/ffmpeg-path'

const run$ = promisify(execFile)

export async function makeFootage(out: string, i: number, seconds: number): Promise<string> {
  const video =
    `mandelbrot=size=1024x576:rate=24:maxiter=200:start_scale=${2 + i}:end_scale=0.05:end_pts=${seconds * 8}` +
    `:start_x=-0.7436438870371587:start_y=${i % 2 ? 0.1318259042 : -0.1318259042},format=yuv420p,hue=h=${i * 120}[m];` +
    `cellauto=size=1024x576:rate=24:rule=${[110, 30, 90][i % 3]}:scroll=1,format=yuv420p[c];` +
    `[m][c]blend=all_mode=overlay:all_opacity=0.25,noise=alls=18:allf=t+u,format=yuv420p`
  await run$(toolPath('ffmpeg'), [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', video,
    '-f', 'lavfi', '-i', `sine=frequency=${330 + 110 * i}:sample_rate=48000`,
    '-t', String(seconds),
    '-c:v', 'libx264', '-preset', 'veryfast', '-g', '48', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-ar', '48000', '-ac', '2', out
  ]) // prettier-ignore
  return out
}
