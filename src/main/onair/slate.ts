import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { HouseFormat } from '../../shared/house-format'
import { runFfmpeg } from '../media/ffmpeg-runner'
import { synthClipArgs, type SynthClipSpec } from './ffmpeg-args'

/**
 * Encode a synthetic clip in the house format, written atomically (temp + rename)
 * so a crash never leaves a half clip where a cached one is expected.
 */
export async function makeHouseClip(spec: SynthClipSpec): Promise<string> {
  const tmp = `${spec.output}.${process.pid}.tmp.ts`
  try {
    try {
      await runFfmpeg(synthClipArgs({ ...spec, output: tmp }))
    } catch (err) {
      // drawtext needs fontconfig and a font; a slate without text still does its job.
      if (!spec.text) throw err
      await runFfmpeg(synthClipArgs({ ...spec, text: undefined, output: tmp }))
    }
    renameSync(tmp, spec.output)
  } finally {
    rmSync(tmp, { force: true })
  }
  return spec.output
}

export function formatKey(f: HouseFormat): string {
  return `${f.width}x${f.height}p${f.fps}-v${f.videoKbps}-${f.videoMaxKbps}-a${f.audioKbps}-${f.audioRate}-g${f.gopSeconds}`
}

const pending = new Map<string, Promise<string>>()

/** The standby slate for a format: made once with ffmpeg, cached under the data dir. */
export function ensureSlate(dataDir: string, format: HouseFormat): Promise<string> {
  const dir = join(dataDir, 'onair', 'slates')
  // "2": the mux recipe (AIR_TS_MUX_ARGS); a slate cached by an older build is remade.
  const out = join(dir, `standby-2-${formatKey(format)}.ts`)
  if (existsSync(out) && statSync(out).size > 0) return Promise.resolve(out)
  let p = pending.get(out)
  if (!p) {
    mkdirSync(dir, { recursive: true })
    p = makeHouseClip({
      format,
      frames: format.fps * format.gopSeconds,
      video: 'smptehdbars',
      text: 'Standby - back soon',
      toneHz: 0,
      output: out
    }).finally(() => pending.delete(out))
    pending.set(out, p)
  }
  return p
}
