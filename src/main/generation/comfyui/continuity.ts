import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Library } from '../../library'
import { runFfmpegStep } from '../ffmpeg-step'
import type { JobRow, JobStore, ShotPayload } from '../store'

/**
 * Continuity: shot N+1 of a sequence starts from the last frame of shot N's
 * chosen take. While shot N's video is still being made, shot N+1 waits; when
 * shot N failed (or has no video), shot N+1 goes ahead from text alone.
 */
export type Continuity =
  | { kind: 'wait' }
  | { kind: 'text'; note: string }
  | { kind: 'image'; video: string; from: { shotId: number; takeId: number | null } }

export function previousShotJob(store: JobStore, job: JobRow): JobRow | undefined {
  if (job.sequence_id === null) return undefined
  return store.siblings(job.sequence_id).find((j) => j.kind === 'shot' && j.seq_index === job.seq_index - 1)
}

/** Where shot N+1's start frame comes from, right now. `abs` turns a data-folder path into a file path. */
export function continuitySource(lib: Library, store: JobStore, job: JobRow, abs: (rel: string) => string): Continuity {
  const prev = previousShotJob(store, job)
  if (!prev || prev.shot_id === null)
    return { kind: 'text', note: 'No previous shot in this sequence; started from text.' }
  if (prev.state === 'failed' || prev.state === 'canceled')
    return {
      kind: 'text',
      note: `The previous shot ${prev.state === 'failed' ? 'failed' : 'was canceled'}; started from text.`
    }
  if (prev.state === 'ready') {
    let chosen
    try {
      chosen = lib.listTakes(prev.shot_id).find((t) => t.chosen && t.status === 'ready' && t.mp4Path)
    } catch {
      return { kind: 'text', note: 'The previous shot was deleted; started from text.' }
    }
    if (chosen?.mp4Path && existsSync(abs(chosen.mp4Path)))
      return { kind: 'image', video: abs(chosen.mp4Path), from: { shotId: prev.shot_id, takeId: chosen.id } }
    return { kind: 'text', note: 'The previous shot has no clip; started from text.' }
  }
  if (prev.state === 'conforming') {
    // Its video steps are done: that clip is what becomes its first (chosen) take.
    const p = JSON.parse(prev.payload_json) as ShotPayload
    const rel = p.art.interpolated ?? p.art.upscaled ?? p.art.raw
    if (rel && existsSync(abs(rel)))
      return { kind: 'image', video: abs(rel), from: { shotId: prev.shot_id, takeId: null } }
  }
  return { kind: 'wait' }
}

/** The last frame of a clip as a PNG (seeking from the end: cheap on long clips). */
export async function lastFrame(video: string, dir: string, signal?: AbortSignal): Promise<string> {
  const out = join(dir, 'start-frame.png')
  // -update 1 keeps overwriting one image: what remains is the clip's last decoded frame.
  await runFfmpegStep(['-sseof', '-1', '-i', video, '-an', '-update', '1', '-frames:v', '100', out], { signal })
  return out
}
