import { existsSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { execTool } from '../media/ffmpeg-runner'

export const RECORDING_FILE = /^\d{8}T\d{6}Z\.ts$/

/**
 * Only the newest files can be unfinished: a recorder writes one file at a time, so
 * a stop, a crash or a restart leaves at most its last file (and, when it stopped
 * just after crossing a segment boundary, the one before it just closed).
 */
const CHECK_NEWEST = 2
const PROBE_TIMEOUT_MS = 30_000

type Verdict = 'ok' | 'bad' | 'unknown'

/** Decodable: ffprobe reads it and finds a duration (a header without packets has none). */
function probe(file: string): Promise<Verdict> {
  return new Promise((resolve) => {
    execTool(
      'ffprobe',
      ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file],
      { timeout: PROBE_TIMEOUT_MS },
      (err, stdout) => {
        // Killed by our timeout (a very busy machine): no verdict, the file stays.
        if (err?.killed) return resolve('unknown')
        if (err) return resolve('bad')
        const d = Number(stdout.trim())
        resolve(Number.isFinite(d) && d > 0 ? 'ok' : 'bad')
      }
    )
  })
}

/**
 * Removes the recording files that a stop, a crash or a restart of the recorder left
 * empty or undecodable (e.g. a segment opened just before the stop, holding a header
 * and no picture). Call it only while no recorder writes into `dir`. Returns the
 * names removed.
 */
export async function finishRecordings(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return []
  const names = readdirSync(dir)
    .filter((n) => RECORDING_FILE.test(n))
    .sort()
    .slice(-CHECK_NEWEST)
  const removed: string[] = []
  for (const name of names) {
    const path = join(dir, name)
    let size: number
    try {
      size = statSync(path).size
    } catch {
      continue
    }
    if (size === 0 || (await probe(path)) === 'bad') {
      rmSync(path, { force: true })
      removed.push(name)
    }
  }
  return removed
}
