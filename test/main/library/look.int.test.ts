/**
 * A channel's look in the library: bad input refused with nothing changed; a
 * look change re-conforms in the background while every shot stays airable
 * with its previous media; each clip's measured loudness is stored.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from '../../helpers/tmp'
import { makeClip } from '../../fixtures/media'
import { openLibrary, type Library } from '../../../src/main/library'
import { applyLookPatch, LOGO_MAX_BYTES } from '../../../src/main/library/look'
import { toolPath } from '../../../src/main/media/ffmpeg-path'
import { StudioError } from '../../../src/shared/contract'

let tmp: ReturnType<typeof tempDir>
let lib: Library
const SMALL = { width: 320, height: 180, fps: 12 }

beforeEach(() => {
  tmp = tempDir()
  lib = openLibrary(join(tmp.dir, 'data'))
})
afterEach(async () => {
  await lib.close()
  tmp.cleanup()
})

function ffmpeg(args: string[]): Buffer {
  return execFileSync(toolPath('ffmpeg'), ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args], {
    maxBuffer: 64 * 1024 * 1024
  })
}

function png(name: string, filter: string): string {
  const out = join(tmp.dir, name)
  ffmpeg(['-f', 'lavfi', '-i', filter, '-frames:v', '1', out])
  return out
}

async function refusal(p: Promise<unknown>): Promise<StudioError> {
  try {
    await p
  } catch (err) {
    expect(err).toBeInstanceOf(StudioError)
    return err as StudioError
  }
  throw new Error('expected a refusal')
}

describe('bad look input changes nothing', () => {
  it('refuses each bad input with a message that names the problem', async () => {
    const c = lib.createChannel({ name: 'Look', format: SMALL })
    const look = c.look
    const cases: Array<[string, Parameters<typeof applyLookPatch>[2], RegExp, string]> = [
      ['target too low', { loudnessTargetLufs: -40 }, /outside -31…-5 LUFS.*-14.*-23/, 'look.loudnessTargetLufs'],
      ['target too high', { loudnessTargetLufs: -2 }, /outside -31…-5 LUFS/, 'look.loudnessTargetLufs'],
      ['missing logo file', { logo: { path: join(tmp.dir, 'nope.png') } }, /does not exist/, 'look.logo.path'],
      [
        'logo that is not an image',
        { logo: { path: (writeFileSync(join(tmp.dir, 'fake.png'), 'hello, not a png'), join(tmp.dir, 'fake.png')) } },
        /not a PNG/,
        'look.logo.path'
      ],
      ['JPEG logo', { logo: { path: png('logo.jpg', 'color=c=red:s=64x32') } }, /not a PNG/, 'look.logo.path'],
      [
        'logo without alpha',
        { logo: { path: png('opaque.png', 'color=c=red:s=64x32,format=rgb24') } },
        /no transparency.*alpha channel/,
        'look.logo.path'
      ],
      [
        'logo too large',
        {
          logo: {
            path: (writeFileSync(join(tmp.dir, 'big.png'), Buffer.alloc(LOGO_MAX_BYTES + 1)), join(tmp.dir, 'big.png'))
          }
        },
        /MB; keep it under 4 MB/,
        'look.logo.path'
      ],
      [
        'damaged PNG',
        {
          logo: {
            path:
              (writeFileSync(
                join(tmp.dir, 'broken.png'),
                Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)])
              ),
              join(tmp.dir, 'broken.png'))
          }
        },
        /could not be read|not a PNG/,
        'look.logo.path'
      ],
      ['placement without a logo', { logo: { position: 'top-left' } }, /no logo yet/, 'look.logo.path'],
      [
        'logo size out of range',
        { logo: { path: png('ok.png', 'color=c=red@0.5:s=64x32,format=rgba'), size: 0.9 } },
        /look\.logo\.size/,
        'look.logo.size'
      ],
      ['dip too long', { dipSeconds: 5 }, /look\.dipSeconds/, 'look.dipSeconds'],
      ['empty label', { aiLabel: { text: '   ' } }, /label needs some text/, 'look.aiLabel.text']
    ]
    for (const [name, patch, message, field] of cases) {
      const err = await refusal(applyLookPatch(lib.dataDir, look, patch))
      expect(err.message, name).toMatch(message)
      expect(err.field, name).toBe(field)
    }
    const after = lib.getChannel(c.id)
    expect(after.look).toEqual(look)
    expect(after.lookRev).toBe(c.lookRev)
    // nothing copied into the data folder by a refusal (the size refusal's valid PNG never got that far either)
    expect(existsSync(join(lib.dataDir, 'looks')) ? readdirSync(join(lib.dataDir, 'looks')) : []).toEqual([])
  })

  it('imports a good logo once, by content, and completes the placement with defaults', async () => {
    const c = lib.createChannel({ name: 'Logo', format: SMALL })
    const file = png('good.png', 'color=c=red@0.7:s=64x32,format=rgba')
    const next = await applyLookPatch(lib.dataDir, c.look, {
      logo: { path: file, position: 'bottom-left' },
      loudnessTargetLufs: -23
    })
    expect(next.logo).toMatchObject({ position: 'bottom-left', size: 0.12, margin: 0.04, opacity: 0.85 })
    expect(next.logo!.file).toMatch(/^looks\/[0-9a-f]{64}\.png$/)
    expect(next.loudness.targetLufs).toBe(-23)
    expect(existsSync(lib.abs(next.logo!.file))).toBe(true)
    const again = await applyLookPatch(lib.dataDir, next, { logo: { path: file } })
    expect(again.logo!.file).toBe(next.logo!.file)
    expect(again.logo!.position).toBe('bottom-left')
    expect((await applyLookPatch(lib.dataDir, again, { logo: null })).logo).toBeNull()
  })
})

describe('look change re-conforms in the background', () => {
  it('keeps every shot airable with its old media until its new file is in place, then trashes the old', async () => {
    const c = lib.createChannel({ name: 'Bg', format: SMALL })
    const clips = [1, 1.5].map((seconds) => makeClip(tmp.dir, { width: 320, height: 180, seconds, audio: {} }))
    const shots = []
    for (const [i, clip] of clips.entries())
      shots.push(await lib.ingestFile(c.id, clip, { prompt: `shot ${i}`, backend: 'offline' }))
    lib.addToPlaylist(
      c.id,
      shots.map((s) => s.id)
    )
    // the measured loudness is stored with the shot and its take
    expect(shots[0]!.loudness).toMatchObject({ silent: false, targetLufs: -14 })
    expect(shots[0]!.loudness!.integratedLufs).toBeLessThan(-14)
    expect(lib.listTakes(shots[0]!.id)[0]!.loudness).toEqual(shots[0]!.loudness)
    const before = lib.listPlaylist(c.id)
    expect(before.every((i) => i.airable)).toBe(true)

    const logo = png('bg-logo.png', 'color=c=red:s=64x32,format=rgba')
    const look = await applyLookPatch(lib.dataDir, c.look, {
      logo: { path: logo, position: 'top-right', size: 0.25, opacity: 1 }
    })
    const { channel, reconforming } = lib.updateChannel(c.id, { look })
    expect(reconforming).toBe(2)
    expect(channel.lookRev).toBe(c.lookRev + 1)
    expect(channel.reconformPending).toBe(2)
    // right after the change, before the worker has done anything: still airable, same files
    const during = lib.listPlaylist(c.id)
    expect(during.map((i) => [i.airable, i.tsPath])).toEqual(before.map((i) => [true, i.tsPath]))

    lib.kickWorker()
    const seen: boolean[] = []
    const stop = lib.onChange(() =>
      seen.push(lib.listPlaylist(c.id).every((i) => i.airable && i.tsPath !== null && existsSync(i.tsPath)))
    )
    await lib.idle()
    stop()
    expect(seen.length).toBeGreaterThan(0)
    expect(seen.every(Boolean)).toBe(true)
    const after = lib.listPlaylist(c.id)
    expect(after.every((i) => i.airable)).toBe(true)
    for (const [k, item] of after.entries()) {
      expect(item.tsPath).not.toBe(before[k]!.tsPath)
      expect(existsSync(before[k]!.tsPath!)).toBe(false) // trashed, not left behind
    }
    expect(lib.getChannel(c.id).reconformPending).toBe(0)
    // the new media carries the logo in the top-right corner
    const frame = ffmpeg([
      '-i',
      after[0]!.mp4Path!,
      '-vf',
      'select=eq(n\\,6)',
      '-frames:v',
      '1',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-'
    ])
    const m = Math.round(0.04 * 180)
    const o = ((m + 4) * 320 + (320 - m - 10)) * 3
    expect(frame[o]!).toBeGreaterThan(180)
    expect(frame[o + 1]!).toBeLessThan(90)
  })

  it('a format change still stops airing until the new media exists (the old cannot join the stream)', () => {
    const c = lib.createChannel({ name: 'Fmt', format: SMALL })
    const { reconforming } = lib.updateChannel(c.id, { format: { fps: 24 } })
    expect(reconforming).toBe(0)
    expect(lib.updateChannel(c.id, { reconform: true }).channel.lookRev).toBe(c.lookRev + 1)
  })

  it('renders a preview still of a real shot with the look, and says so when there is no shot yet', async () => {
    const c = lib.createChannel({ name: 'Preview', format: SMALL })
    const empty = await lib.previewLook(c, c.look)
    expect(empty.path).toBeNull()
    expect(empty.message).toMatch(/No shot to preview yet/)
    const shot = await lib.ingestFile(c.id, makeClip(tmp.dir, { width: 320, height: 240, seconds: 1 }), {
      prompt: 'a red kite',
      backend: 'offline'
    })
    const logo = png('pv-logo.png', 'color=c=red:s=64x32,format=rgba')
    const look = await applyLookPatch(lib.dataDir, c.look, {
      logo: { path: logo, position: 'bottom-left', size: 0.2, opacity: 1 }
    })
    const pv = await lib.previewLook(c, look)
    expect(pv.shotId).toBe(shot.id)
    expect(pv.path).toMatch(/^media\/previews\/.+\.png$/)
    const rgb = ffmpeg(['-i', lib.abs(pv.path!), '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'])
    expect(rgb.length).toBe(320 * 180 * 3)
    // 4:3 into 16:9 → pillarboxed; the logo sits at the picture's bottom-left, not in the bar
    const picX = (320 - 240) / 2
    const at = (x: number, y: number): number[] => [...rgb.subarray((y * 320 + x) * 3, (y * 320 + x) * 3 + 3)]
    const m = Math.round(0.04 * 180)
    const red = at(picX + m + 10, 180 - m - 5)
    expect(red[0]).toBeGreaterThan(180)
    expect(red[1]).toBeLessThan(90)
    expect(at(5, 90).every((v) => v < 30)).toBe(true)
    // the label shows on a generated shot (bright text in the top-left of the picture)
    let bright = 0
    for (let y = 0; y < 30; y++) for (let x = picX; x < picX + 120; x++) if (at(x, y).every((v) => v > 200)) bright++
    expect(bright).toBeGreaterThan(20)
  })
})
