/**
 * Issue 19 finding 5: an image's size is read from its header before anything decodes
 * it. A small PNG declaring 16000×16000 (a gigabyte of pixels once decoded) is refused
 * from the header, by the logo check and by every probe of a file the user picked.
 */
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { deflateSync } from 'node:zlib'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { importLogo } from '../../../src/main/library/look'
import { toolPath } from '../../../src/main/media/ffmpeg-path'
import { readImageHeader } from '../../../src/main/media/image-header'
import { MediaRejectedError, probe } from '../../../src/main/media/probe'
import { StudioError } from '../../../src/shared/contract'
import { tempDir } from '../../helpers/tmp'

let tmp: ReturnType<typeof tempDir>
beforeEach(() => (tmp = tempDir()))
afterEach(() => tmp.cleanup())

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
function crc32(b: Buffer): number {
  let c = 0xffffffff
  for (const x of b) c = CRC_TABLE[(c ^ x) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([len, body, crc])
}

/** A valid-looking RGBA PNG declaring width×height whose first rows (zeros) compress to a few kilobytes. */
function pngBomb(file: string, width: number, height: number): string {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr.set([8, 6, 0, 0, 0], 8)
  const rows = deflateSync(Buffer.alloc((1 + width * 4) * 64))
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  writeFileSync(file, Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', rows), chunk('IEND', Buffer.alloc(0))]))
  return file
}

describe('image sizes come from the header, before any decode', () => {
  it('the logo check refuses a small PNG declaring 16000x16000 from its header, naming the size and the limit', async () => {
    const bomb = pngBomb(join(tmp.dir, 'bomb.png'), 16000, 16000)
    let err: unknown
    try {
      await importLogo(join(tmp.dir, 'data'), bomb)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(StudioError)
    expect((err as StudioError).message).toMatch(/bomb\.png is 16000x16000; keep it within 4096x4096/)
  })

  it('probe refuses an oversized image unread (every file the user picks goes through it)', async () => {
    const bomb = pngBomb(join(tmp.dir, 'upload.png'), 16000, 16000)
    await expect(probe(bomb)).rejects.toThrow(MediaRejectedError)
    await expect(probe(bomb)).rejects.toThrow(/upload\.png is 16000x16000 pixels; keep it within 4096x4096/)
  })

  it('reads PNG, JPEG, WebP and GIF headers ffmpeg wrote', () => {
    for (const [ext, w, h] of [
      ['png', 320, 180],
      ['jpg', 641, 361],
      ['webp', 200, 100],
      ['gif', 64, 48]
    ] as const) {
      const out = join(tmp.dir, `x.${ext}`)
      execFileSync(toolPath('ffmpeg'), [
        ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-f', 'lavfi'],
        ...['-i', `testsrc=size=${w}x${h}:rate=1`, '-frames:v', '1', out]
      ])
      expect(readImageHeader(out), ext).toMatchObject({ width: w, height: h })
    }
    expect(readImageHeader(pngBomb(join(tmp.dir, 'b.png'), 16000, 9000))).toEqual({
      format: 'png',
      width: 16000,
      height: 9000
    })
  })
})
