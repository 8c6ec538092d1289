import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Core } from '../../../src/main/core/core'
import { libraryFeature } from '../../../src/main/library/feature'
import { closeOcr } from '../../../src/main/checks/ocr'
import { runChecks } from '../../../src/main/checks/run'
import { toolPath } from '../../../src/main/media/ffmpeg-path'
import { hlsArgs, recordArgs } from '../../../src/main/outputs/copy-tap'
import type { CallInput, CallName, CallOutput } from '../../../src/shared/contract'
import { makeClip } from '../../fixtures/media'
import { tempDir } from '../../helpers/tmp'

/**
 * A data folder whose name ffmpeg could read as a pattern: `%d` is a frame number to the
 * image2 and HLS muxers and the day of the month to strftime. Every file the
 * studio writes there must land under the name it chose.
 */
const ODD = "data a%d [x]: 'q'"
const tmp = tempDir()
const dataDir = join(tmp.dir, ODD)
let core: Core

beforeAll(async () => {
  core = await Core.open({ dataDir, shell: 'headless', version: 'test' }, [libraryFeature])
})
afterAll(async () => {
  await core.close()
  await closeOcr()
  tmp.cleanup()
})

async function call<K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>> {
  const r = await core.dispatch(name, input)
  if (!r.ok) throw new Error(r.error.message)
  return r.value as CallOutput<K>
}

const ffmpeg = (args: string[], cwd?: string): string =>
  execFileSync(toolPath('ffmpeg'), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], cwd })

describe('a data folder whose name looks like an ffmpeg pattern', () => {
  it('imports a clip: the conform writes its poster and filmstrip under their own names', async () => {
    const created = await call('library.channels.create', {
      name: 'Odd',
      format: { width: 320, height: 180, fps: 12 }
    })
    const clip = makeClip(tmp.dir, { seconds: 1, audio: {} })
    const { results } = await call('library.import', { channelId: created.id, paths: [clip] })
    const result = results[0]!
    expect(result.ok, result.ok ? '' : result.error).toBe(true)
    if (!result.ok) return
    expect(result.shot.status).toBe('ready')
    const media = readdirSync(join(dataDir, 'media'), { recursive: true }).map(String)
    expect(media.some((f) => f.endsWith('.strip.jpg'))).toBe(true)
    expect(media.some((f) => /\.jpg$/.test(f) && !f.endsWith('.strip.jpg'))).toBe(true)
    // Nothing written beside the data folder under a name ffmpeg made up (`a1`, the year).
    expect(readdirSync(tmp.dir).filter((f) => f !== ODD && !f.endsWith('.mp4'))).toEqual([])
  }, 120_000)

  it("runs the checks' measuring pass with its frames in that folder", async () => {
    const mp4 = join(tmp.dir, 'text.mp4')
    ffmpeg([
      ...['-hide_banner', '-loglevel', 'error', '-y'],
      ...['-f', 'lavfi', '-i', 'life=s=640x360:r=12:mold=10:ratio=0.3:seed=3,gblur=sigma=2'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=330:sample_rate=48000', '-t', '3'],
      '-vf',
      "drawtext=fontfile=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf:text='Shot on iPhone':fontsize=32:fontcolor=white:shadowcolor=black:shadowx=2:shadowy=2:x=w-tw-24:y=h-th-20,format=yuv420p",
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-threads', '1', '-c:a', 'aac', mp4]
    ])
    const results = await runChecks(
      {
        mp4,
        width: 640,
        height: 360,
        durationMs: 3000,
        fps: 12,
        hasAudio: true,
        loudnessTargetLufs: -14,
        masks: [],
        allowedWords: []
      },
      { tmpRoot: join(dataDir, 'tmp'), only: ['text', 'frozen'] }
    )
    expect(results.find((c) => c.check === 'text')).toMatchObject({ verdict: 'fail' })
    expect(results.find((c) => c.check === 'frozen')).toMatchObject({ verdict: 'pass' })
  }, 120_000)

  it('writes HLS segments and recording files into folders under that name', () => {
    const flv = join(tmp.dir, 'stream.flv')
    ffmpeg([
      ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=160x90:r=10:d=5'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '20', '-f', 'flv', flv]
    ])
    const hls = join(dataDir, 'hls', 'odd')
    const rec = join(dataDir, 'recordings', 'odd')
    mkdirSync(hls, { recursive: true })
    mkdirSync(rec, { recursive: true })
    // As outputs.ts runs the copy taps: inside their folder, names relative to it.
    ffmpeg(hlsArgs(flv, '.'), hls)
    ffmpeg(recordArgs(flv, '.', 2), rec)
    expect(existsSync(join(hls, 'index.m3u8'))).toBe(true)
    expect(readdirSync(hls).filter((f) => /^seg-\d+\.ts$/.test(f)).length).toBeGreaterThan(0)
    expect(readdirSync(rec).filter((f) => /^\d{8}T\d{6}Z\.ts$/.test(f)).length).toBeGreaterThan(0)
  })
})
