import { createWriteStream, rmSync } from 'node:fs'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { GenerationError, permanent, transient } from './errors'

/**
 * THE bounded download every backend saves its output with (ComfyUI /view, Gradio
 * files, fal and HF results): a rogue or broken server cannot fill the disk or hold a
 * job forever. Bounded by size — the expected clip's length at a generous bitrate,
 * never over a hard cap — and by time; past either it aborts with an error naming
 * the server, and the partial file is deleted on every failure path.
 */

/** 48 Mbit/s: several times what any generator's 1080p output uses. */
export const GENEROUS_BYTES_PER_SECOND = 6 * 1024 * 1024
/** What a clip of unknown length may weigh (a minute at that rate). */
export const UNKNOWN_CLIP_SECONDS = 60
/** Small clips still get room for a lossless intermediate. */
export const DOWNLOAD_FLOOR_BYTES = 64 * 1024 * 1024
/** Never more than this, whatever the clip claims. */
export const DOWNLOAD_HARD_CAP_BYTES = 1024 * 1024 * 1024
/** The whole body must arrive within this (a stalled or trickling server is dropped). */
export const DOWNLOAD_TIMEOUT_MS = 10 * 60_000

/** The size limit for a clip of `seconds` (undefined: unknown length). */
export function clipBudgetBytes(seconds?: number): number {
  const s = seconds !== undefined && Number.isFinite(seconds) && seconds > 0 ? seconds : UNKNOWN_CLIP_SECONDS
  return Math.min(DOWNLOAD_HARD_CAP_BYTES, Math.max(DOWNLOAD_FLOOR_BYTES, Math.ceil(s * GENEROUS_BYTES_PER_SECOND)))
}

export interface DownloadBounds {
  /** Named in every error: "the ComfyUI server at http://…", "the Space owner/name". */
  server: string
  /** Default clipBudgetBytes() for a clip of unknown length. */
  maxBytes?: number
  timeoutMs?: number
  signal?: AbortSignal | undefined
}

const mb = (n: number): string => `${Math.round(n / (1024 * 1024))} MB`

/** Save a fetched response's body to dest within the bounds; returns dest. */
export async function saveBounded(res: Response, dest: string, bounds: DownloadBounds): Promise<string> {
  const maxBytes = bounds.maxBytes ?? clipBudgetBytes()
  const timeoutMs = bounds.timeoutMs ?? DOWNLOAD_TIMEOUT_MS
  const tooLarge = (): GenerationError =>
    permanent(
      `The output from ${bounds.server} is larger than ${mb(maxBytes)}, more than a clip of this length can be; the download was stopped and its partial file deleted. Check what the server returns.`
    )
  const declared = Number(res.headers.get('content-length') ?? NaN)
  if (!res.body || declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined)
    if (!res.body) throw transient(`${bounds.server} answered without a body; will retry.`)
    throw tooLarge()
  }
  const timer = AbortSignal.timeout(timeoutMs)
  const signal = bounds.signal ? AbortSignal.any([bounds.signal, timer]) : timer
  let received = 0
  let over = false
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      received += chunk.length
      if (received > maxBytes) {
        over = true
        done(new Error('too large'))
      } else done(null, chunk)
    }
  })
  try {
    await pipeline(Readable.fromWeb(res.body as unknown as WebReadableStream), count, createWriteStream(dest), {
      signal
    })
    return dest
  } catch (err) {
    // Every failure path: nothing half-written stays in the job folder.
    rmSync(dest, { force: true })
    if (over) throw tooLarge()
    if (bounds.signal?.aborted) throw new GenerationError('canceled', 'Canceled.')
    if (timer.aborted)
      throw transient(
        `Downloading the output from ${bounds.server} took longer than ${Math.round(timeoutMs / 1000)} s (${mb(received)} received); the partial file was deleted; will retry.`
      )
    throw transient(
      `Downloading the output from ${bounds.server} broke off (${(err as Error).message}); the partial file was deleted; will retry.`
    )
  }
}
