import { createWriteStream } from 'node:fs'
import { rm, writeFile } from 'node:fs/promises'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { GenerationError, transient } from '../errors'

/**
 * Bringing a RunPod result home, bounded: at most `maxBytes` (the clip's length at a
 * generous bitrate, under a hard cap) and `timeoutMs`; a partial file is deleted on
 * any failure. Small and self-contained on purpose (a shared bounded download is on
 * its way for issue 19; this one folds into it then).
 */
export interface Bounds {
  maxBytes: number
  timeoutMs: number
}

/** 50 Mbit/s of output plus 8 MB of headroom, never above 1 GiB. */
const GENEROUS_BYTES_PER_SECOND = 50_000_000 / 8
const HEADROOM = 8 * 1024 * 1024
export const HARD_CAP_BYTES = 1024 * 1024 * 1024

export function boundsFor(seconds: number, timeoutMs = 5 * 60_000): Bounds {
  return { maxBytes: Math.min(HARD_CAP_BYTES, Math.ceil(seconds * GENEROUS_BYTES_PER_SECOND) + HEADROOM), timeoutMs }
}

const tooBig = (what: string, max: number): GenerationError =>
  new GenerationError(
    'permanent',
    `RunPod's ${what} is larger than ${Math.round(max / 1024 / 1024)} MB, far more than a clip of this length needs; it was not kept. Check the workflow's output settings.`
  )

/** A base64 output (worker-comfyui's default): size checked before decoding. */
export async function saveBase64(data: string, out: string, bounds: Bounds): Promise<string> {
  if (Math.floor((data.length * 3) / 4) > bounds.maxBytes) throw tooBig('result', bounds.maxBytes)
  const bytes = Buffer.from(data, 'base64')
  if (bytes.length === 0) throw new GenerationError('permanent', 'RunPod returned an empty result file.')
  try {
    await writeFile(out, bytes)
  } catch (err) {
    await rm(out, { force: true })
    throw err
  }
  return out
}

/** An S3 (pre-signed) URL output: fetched without any key, bounded in size and time. */
export async function saveUrl(url: string, out: string, bounds: Bounds, signal: AbortSignal): Promise<string> {
  const limit = AbortSignal.any([signal, AbortSignal.timeout(bounds.timeoutMs)])
  try {
    let res: Response
    try {
      res = await fetch(url, { signal: limit, redirect: 'follow' })
    } catch (err) {
      throw failure(err, signal, bounds)
    }
    if (!res.ok || !res.body) throw transient(`Downloading the RunPod result failed (HTTP ${res.status}); will retry.`)
    const declared = Number(res.headers.get('content-length') ?? NaN)
    if (Number.isFinite(declared) && declared > bounds.maxBytes) {
      await res.body.cancel().catch(() => {})
      throw tooBig('result', bounds.maxBytes)
    }
    let seen = 0
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        seen += chunk.length
        if (seen > bounds.maxBytes) done(tooBig('result', bounds.maxBytes))
        else done(null, chunk)
      }
    })
    try {
      await pipeline(Readable.fromWeb(res.body as unknown as WebReadableStream), counter, createWriteStream(out))
    } catch (err) {
      throw failure(err, signal, bounds)
    }
    return out
  } catch (err) {
    await rm(out, { force: true })
    throw err
  }
}

function failure(err: unknown, signal: AbortSignal, bounds: Bounds): GenerationError {
  if (err instanceof GenerationError) return err
  if (signal.aborted) return new GenerationError('canceled', 'Canceled.')
  const e = err as Error
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError')
    return transient(
      `Downloading the RunPod result took longer than ${Math.round(bounds.timeoutMs / 1000)} s; it was dropped, will retry.`
    )
  return transient(`Downloading the RunPod result failed (${e?.message ?? String(err)}); will retry.`)
}
