/**
 * The publish path alone (run by bench/run.ts, or alone: npx tsx bench/publish.bench.ts):
 * a playout's FLV — detailed 1024x576 footage in the house format, cut into one chunk per packet as the
 * playout ffmpeg writes it — pushed through the media plane's publish path into
 * node-media-server with one HTTP-FLV viewer attached, CPU per second of media:
 *   - baseline: NMS's own path (its FLV parser and broadcastMessage: a copy into the
 *     parser, an FLV message and an RTMP message per packet, two GOP caches);
 *   - ours: onair/flv-fanout.ts (one copy per packet, RTMP built only for RTMP viewers).
 * The two alternate three times in this run; the ratio is the median's. This isolates
 * what bench/channels.bench.ts cannot see through a shared, loaded machine's noise.
 * WEBTV_BENCH_PUBLISH_S: seconds of media pushed per round (default 600).
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { toolPath } from '../src/main/media/ffmpeg-path'
import { houseEncoderArgs } from '../src/main/media/house-encoder'
import { DEFAULT_HOUSE_FORMAT } from '../src/shared/house-format'
import { fanOut, FlvTagSplitter, type FanOutBroadcast, type NmsPacket } from '../src/main/onair/flv-fanout'
import { tempDir } from '../test/helpers/tmp'
import { makeFootage } from './footage'

const run$ = promisify(execFile)
const req = createRequire(__filename)
const NmsFlv = req('node-media-server/src/protocol/flv.js') as new () => {
  parserData(b: Buffer): string | null
  onPacketCallback: (p: NmsPacket) => void
}
type NmsBroadcast = FanOutBroadcast & { broadcastMessage(p: NmsPacket): void }
const Broadcast = req('node-media-server/src/server/broadcast_server.js') as new (path: string) => NmsBroadcast

/** The FLV cut at its tags: one chunk per packet (the header with the first), as ffmpeg flushes them. */
function perPacketChunks(flv: Buffer): Buffer[] {
  const chunks: Buffer[] = []
  let i = 13
  let from = 0
  while (i + 11 <= flv.length) {
    const end = i + 11 + flv.readUIntBE(i + 1, 3) + 4
    chunks.push(Buffer.from(flv.subarray(from, end)))
    from = end
    i = end
  }
  return chunks
}

function viewer(b: NmsBroadcast): { bytes: number } {
  const seen = { bytes: 0 }
  b.subscribers.set('viewer', { protocol: 'flv', sendBuffer: (m: Buffer) => (seen.bytes += m.length) })
  return seen
}

function cpuS(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}

/** CPU seconds to push `rounds` passes of the clip through one path. */
function push(path: 'nms' | 'ours', chunks: Buffer[], rounds: number): { cpu: number; bytes: number } {
  const b = new Broadcast(`/live/bench-${path}`)
  const seen = viewer(b)
  global.gc?.()
  const from = cpuS()
  for (let r = 0; r < rounds; r++) {
    if (path === 'nms') {
      const parser = new NmsFlv()
      parser.onPacketCallback = (p) => b.broadcastMessage(p)
      for (const c of chunks) parser.parserData(c)
    } else {
      const splitter = new FlvTagSplitter((p, tag) => fanOut(b, p, tag))
      for (const c of chunks) splitter.push(c)
    }
  }
  global.gc?.()
  return { cpu: cpuS() - from, bytes: seen.bytes }
}

export default async function run(): Promise<void> {
  const mediaS = Number(process.env.WEBTV_BENCH_PUBLISH_S ?? 600)
  const { dir, cleanup } = tempDir('webtv-bench-publish-')
  try {
    const clipS = 6
    const mp4 = await makeFootage(join(dir, 'footage.mp4'), 0, clipS)
    const flvPath = join(dir, 'footage.flv')
    // In the house format, as a conformed clip airs (its bitrate, GOP and audio).
    await run$(toolPath('ffmpeg'), [
      ...['-hide_banner', '-loglevel', 'error', '-y', '-i', mp4],
      ...houseEncoderArgs(DEFAULT_HOUSE_FORMAT),
      ...['-f', 'flv', flvPath]
    ])
    const flv = readFileSync(flvPath)
    const chunks = perPacketChunks(flv)
    const rounds = Math.max(1, Math.round(mediaS / clipS))
    const kbps = (flv.length * 8) / clipS / 1000
    const results: Record<'nms' | 'ours', number[]> = { nms: [], ours: [] }
    for (let k = 0; k < 3; k++)
      for (const path of ['nms', 'ours'] as const) {
        const r = push(path, chunks, rounds)
        results[path].push(r.cpu / (rounds * clipS))
      }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[1]!
    const nms = median(results.nms)
    const ours = median(results.ours)
    console.log(
      `[publish] ${Math.round(chunks.length / clipS)} packets/s at ${kbps.toFixed(0)} kbit/s, one HTTP-FLV viewer: NMS's path ${(nms * 1000).toFixed(3)} ms CPU per second of media, ` +
        `ours ${(ours * 1000).toFixed(3)} ms → ×${(nms / ours).toFixed(2)} less (three rounds of ${rounds * clipS} s each, medians)`
    )
  } finally {
    cleanup()
  }
}

if (require.main === module) void run()
