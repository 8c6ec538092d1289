/**
 * What stays put between sampled frames: the text check's picture for OCR.
 * Burned-in words keep their place while a generated picture moves, so the
 * high-passed frames (measure.ts: strokes dark on white) are thresholded and
 * combined — a pixel stays dark only where every frame of a group has a stroke
 * at or next to it. Moving texture (flames, foliage, noise) mostly vanishes,
 * which is what keeps it from reading as words and keeps tesseract's work
 * small (it skips a blank map). A word that moves more than a pixel or two
 * between samples vanishes too: the price of reading textures as nothing.
 * Pure pixel work on binary PGM (P5, 8-bit) buffers.
 */

export interface Gray {
  width: number
  height: number
  /** One byte a pixel, row by row: 0 = stroke, 255 = paper. */
  pixels: Uint8Array
}

/** A sampled frame's PGM file contents as a grey image; throws on anything but 8-bit P5. */
export function parsePgm(data: Uint8Array): Gray {
  const head = Buffer.from(data.subarray(0, 64)).toString('latin1')
  const m = /^P5\s+(?:#[^\n]*\s+)*(\d+)\s+(\d+)\s+(\d+)\s/.exec(head)
  if (!m || Number(m[3]) > 255) throw new Error('Not an 8-bit binary PGM frame (expected P5 from ffmpeg).')
  const width = Number(m[1])
  const height = Number(m[2])
  const pixels = data.subarray(m[0].length, m[0].length + width * height)
  if (pixels.length < width * height) throw new Error(`The PGM frame is cut short (${width}×${height}).`)
  return { width, height, pixels }
}

export function toPgm(img: Gray): Buffer {
  return Buffer.concat([Buffer.from(`P5\n${img.width} ${img.height}\n255\n`, 'latin1'), img.pixels])
}

/** Each pixel a stroke (0) where darker than `threshold`, else paper (255). */
function binarize(img: Gray, threshold: number): Uint8Array {
  const out = new Uint8Array(img.pixels.length)
  for (let i = 0; i < out.length; i++) out[i] = img.pixels[i]! < threshold ? 0 : 255
  return out
}

/** Strokes grown by one pixel each way (a 3×3 minimum): the slack for a word that shifts a little. */
function grow(px: Uint8Array, w: number, h: number): Uint8Array {
  const rows = new Uint8Array(px.length)
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x
      rows[i] = Math.min(px[i]!, x > 0 ? px[i - 1]! : 255, x < w - 1 ? px[i + 1]! : 255)
    }
  const out = new Uint8Array(px.length)
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x
      out[i] = Math.min(rows[i]!, y > 0 ? rows[i - w]! : 255, y < h - 1 ? rows[i + w]! : 255)
    }
  return out
}

export interface StaticMap extends Gray {
  /** Stroke pixels left: a map with almost none is not worth reading. */
  strokes: number
}

/**
 * The strokes of the first frame that every other frame of the group has too (within a pixel),
 * after thresholding each at `threshold`. All frames must have the same size.
 */
export function staticMap(frames: Gray[], threshold: number): StaticMap {
  const first = frames[0]
  if (!first) throw new Error('staticMap needs at least one frame.')
  const { width: w, height: h } = first
  const out = binarize(first, threshold)
  for (const f of frames.slice(1)) {
    if (f.width !== w || f.height !== h) throw new Error('Sampled frames differ in size.')
    const other = grow(binarize(f, threshold), w, h)
    for (let i = 0; i < out.length; i++) if (other[i] !== 0) out[i] = 255
  }
  let strokes = 0
  for (let i = 0; i < out.length; i++) if (out[i] === 0) strokes++
  return { width: w, height: h, pixels: out, strokes }
}

/** Sampled frames in groups of about three, in order (a last lone frame joins the group before it). */
export function groupsOf<T>(items: T[], size = 3): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  if (out.length > 1 && out[out.length - 1]!.length < 2) out[out.length - 2]!.push(...out.pop()!)
  return out
}
