import { createWriteStream, renameSync, rmSync } from 'node:fs'
import { Readable, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'

/** Join small strings into chunks of about `size` characters: one write per chunk, not per line. */
export function* batched(parts: Iterable<string>, size = 64 * 1024): Generator<string> {
  let buf: string[] = []
  let len = 0
  for (const p of parts) {
    buf.push(p)
    len += p.length
    if (len >= size) {
      yield buf.join('')
      buf = []
      len = 0
    }
  }
  if (len > 0) yield buf.join('')
}

/**
 * Write text of any length to a stream. The parts are pulled only as fast as the
 * stream drains (pipeline's backpressure), so memory holds a chunk or two whatever
 * the total. `end: false` leaves the stream open (stdout).
 */
export async function writeParts(
  parts: Iterable<string>,
  dest: Writable,
  opts: { end: boolean; signal?: AbortSignal | undefined }
): Promise<void> {
  await pipeline(Readable.from(batched(parts)), dest, {
    end: opts.end,
    ...(opts.signal ? { signal: opts.signal } : {})
  })
}

/**
 * Write to `file` through `file.part`, renamed into place once complete: a failed or
 * interrupted export leaves no half-written file behind (and an earlier export under
 * that name intact).
 */
export async function writePartsToFile(
  parts: Iterable<string>,
  file: string,
  signal?: AbortSignal | undefined
): Promise<void> {
  const part = `${file}.part`
  try {
    await writeParts(parts, createWriteStream(part), { end: true, signal })
    renameSync(part, file)
  } catch (err) {
    rmSync(part, { force: true })
    throw err
  }
}

/** The reader went away (`webtv asrun | head`): not an error of ours. */
export function isBrokenPipe(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'EPIPE'
}
