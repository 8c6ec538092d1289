import { execFileSync, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { toolPath } from '../../src/main/media/ffmpeg-path'
import { parseEbur128Summary } from '../../src/main/media/loudness'
import { meanVolume } from '../fixtures/speech-onsets'

/**
 * EBU R128 integrated loudness (LUFS) and true peak (dBTP) of a file's first audio track,
 * by ffmpeg's ebur128 meter. framelog=verbose keeps the per-frame lines out of stderr;
 * the summary is the same.
 */
export function meter(file: string): { i: number; tp: number } {
  const r = spawnSync(
    toolPath('ffmpeg'),
    [
      ...['-hide_banner', '-nostdin', '-nostats', '-i', file, '-map', '0:a:0'],
      ...['-af', 'ebur128=peak=true:framelog=verbose', '-f', 'null', '-']
    ],
    { encoding: 'utf8' }
  )
  const m = parseEbur128Summary(r.stderr)
  if (r.status !== 0 || !m) throw new Error(`no ebur128 summary for ${file}: ${r.stderr.slice(-300)}`)
  return { i: m.integratedLufs, tp: m.truePeakDb }
}

/**
 * Mean level (dB, volumedetect) between `from` and `to` seconds of a narrow band around `hz`
 * of a file's first audio track: two bandpass filters of quality `q` in a row, written as
 * float WAV into `dir` first so the window is cut from the filtered sound, not the source.
 */
export async function bandLevel(
  file: string,
  hz: number,
  from: number,
  to: number,
  { q, dir }: { q: number; dir: string }
): Promise<number> {
  const out = join(dir, `band-${hz}-${Math.random().toString(36).slice(2)}.wav`)
  execFileSync(
    toolPath('ffmpeg'),
    [
      ...['-hide_banner', '-nostdin', '-y', '-loglevel', 'error', '-i', file, '-map', '0:a:0'],
      ...['-af', `bandpass=f=${hz}:width_type=q:w=${q},bandpass=f=${hz}:width_type=q:w=${q}`, '-c:a', 'pcm_f32le', out]
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] }
  )
  return meanVolume(out, from, to)
}
