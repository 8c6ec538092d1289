import { closeSync, openSync, readSync } from 'node:fs'

/**
 * An image's declared size, read from its header alone (PNG IHDR, JPEG SOFn, WebP
 * VP8/VP8L/VP8X, GIF logical screen) — before anything decodes it. A 1 MB PNG can
 * declare 16000×16000 pixels (a gigabyte once decoded): checking the header first
 * refuses it in microseconds instead of after a minute of CPU.
 */
export interface ImageHeader {
  format: 'png' | 'jpeg' | 'webp' | 'gif'
  width: number
  height: number
}

/** The largest side any image the studio accepts (logos, uploads, start frames) may declare. */
export const IMAGE_MAX_SIDE = 4096

/** JPEG markers before the first frame header can be long (EXIF thumbnails): read this much. */
const HEAD_BYTES = 256 * 1024

function png(b: Buffer): ImageHeader | undefined {
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  if (b.length < 24 || !b.subarray(0, 8).equals(sig) || b.toString('latin1', 12, 16) !== 'IHDR') return undefined
  return { format: 'png', width: b.readUInt32BE(16), height: b.readUInt32BE(20) }
}

function gif(b: Buffer): ImageHeader | undefined {
  if (b.length < 10 || !/^GIF8[79]a$/.test(b.toString('latin1', 0, 6))) return undefined
  return { format: 'gif', width: b.readUInt16LE(6), height: b.readUInt16LE(8) }
}

function webp(b: Buffer): ImageHeader | undefined {
  if (b.length < 30 || b.toString('latin1', 0, 4) !== 'RIFF' || b.toString('latin1', 8, 12) !== 'WEBP') return undefined
  const chunk = b.toString('latin1', 12, 16)
  if (chunk === 'VP8X') return { format: 'webp', width: 1 + b.readUIntLE(24, 3), height: 1 + b.readUIntLE(27, 3) }
  if (chunk === 'VP8L') {
    const bits = b.readUInt32LE(21)
    return { format: 'webp', width: 1 + (bits & 0x3fff), height: 1 + ((bits >>> 14) & 0x3fff) }
  }
  if (chunk === 'VP8 ')
    return { format: 'webp', width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff }
  return undefined
}

/** Start-of-frame markers (baseline, progressive, lossless…): every SOFn except DHT, JPG and DAC. */
const SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf])

function jpeg(b: Buffer): ImageHeader | undefined {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return undefined
  let i = 2
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return undefined
    const marker = b[i + 1]!
    if (marker === 0xff) {
      i += 1
      continue
    }
    if (SOF.has(marker)) return { format: 'jpeg', width: b.readUInt16BE(i + 7), height: b.readUInt16BE(i + 5) }
    if (marker === 0xd9 || marker === 0xda) return undefined
    i += 2 + b.readUInt16BE(i + 2)
  }
  return undefined
}

const READERS = [png, jpeg, webp, gif]

/** The header of an image in `head` (the file's first bytes), or undefined when it is none of these formats. */
export function parseImageHeader(head: Buffer): ImageHeader | undefined {
  for (const read of READERS) {
    const h = read(head)
    if (h) return h
  }
  return undefined
}

/** The declared size of the image file, read from its first bytes only; undefined when it is not a known image. */
export function readImageHeader(file: string): ImageHeader | undefined {
  const fd = openSync(file, 'r')
  try {
    const buf = Buffer.alloc(HEAD_BYTES)
    const n = readSync(fd, buf, 0, HEAD_BYTES, 0)
    return parseImageHeader(buf.subarray(0, n))
  } finally {
    closeSync(fd)
  }
}

/** A plain refusal when the image declares more than maxSide pixels on a side (or none), else undefined. */
export function oversizeImage(h: ImageHeader, maxSide = IMAGE_MAX_SIDE): string | undefined {
  if (h.width === 0 || h.height === 0) return `declares an empty ${h.width}x${h.height} picture`
  if (h.width > maxSide || h.height > maxSide)
    return `is ${h.width}x${h.height} pixels; keep it within ${maxSide}x${maxSide}`
  return undefined
}
