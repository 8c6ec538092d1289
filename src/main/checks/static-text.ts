/**
 * What stays put between sampled frames: the text check's picture for OCR.
 * Burned-in words keep their place while a generated picture moves, so the
 * high-passed frames (measure.ts: signed, 128 = flat picture) are thresholded
 * and combined — a pixel is a stroke only where every frame of a group has one
 * at or next to it. Strokes lighter than their surroundings and strokes darker
 * than them make separate maps: a light word's dark shadow (or outline) would
 * otherwise double every edge of its letters, which tesseract misreads. Moving texture (flames, foliage, noise) mostly vanishes,
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

/** Which strokes a map holds: lighter or darker than the picture around them. */
export type StrokeSign = 'light' | 'dark'

/** The neutral value of a signed high-passed frame (ffmpeg's grainextract: a − blur + 128). */
const FLAT = 128

/** Each pixel a stroke (0) where it stands more than `cut` from its surroundings on `sign`'s side, else paper (255). */
function binarize(img: Gray, sign: StrokeSign, cut: number): Uint8Array {
  const out = new Uint8Array(img.pixels.length)
  const px = img.pixels
  if (sign === 'light') for (let i = 0; i < out.length; i++) out[i] = px[i]! - FLAT > cut ? 0 : 255
  else for (let i = 0; i < out.length; i++) out[i] = FLAT - px[i]! > cut ? 0 : 255
  return out
}

/**
 * A 3×3 minimum (strokes grown by a pixel; `grow` true) or maximum (shrunk by one), separably;
 * outside the frame is paper. Pixels are only 0 or 255, so the minimum is a bitwise AND and the
 * maximum an OR (no per-pixel call: this runs over every map of every take).
 */
function spread(px: Uint8Array, w: number, h: number, grow: boolean): Uint8Array {
  const rows = new Uint8Array(px.length)
  const out = new Uint8Array(px.length)
  for (let y = 0; y < h; y++) {
    const r = y * w
    for (let x = 0; x < w; x++) {
      const i = r + x
      const l = x > 0 ? px[i - 1]! : 255
      const n = x < w - 1 ? px[i + 1]! : 255
      rows[i] = grow ? px[i]! & l & n : px[i]! | l | n
    }
  }
  for (let y = 0; y < h; y++) {
    const r = y * w
    for (let x = 0; x < w; x++) {
      const i = r + x
      const u = y > 0 ? rows[i - w]! : 255
      const d = y < h - 1 ? rows[i + w]! : 255
      out[i] = grow ? rows[i]! & u & d : rows[i]! | u | d
    }
  }
  return out
}

/** Strokes grown by one pixel each way: the slack for a word that shifts a little. */
const grow = (px: Uint8Array, w: number, h: number): Uint8Array => spread(px, w, h, true)

/**
 * Pinholes and one-pixel cracks filled (a 3×3 closing): the encoder's noise pits a big
 * letter's face differently at every thread count, and tesseract reads a pitted X as nothing.
 */
const close = (px: Uint8Array, w: number, h: number): Uint8Array => spread(grow(px, w, h), w, h, false)

export interface StaticMap extends Gray {
  /** Stroke pixels left: a map with almost none is not worth reading. */
  strokes: number
}

/**
 * The strokes of the first frame that every other frame of the group has too (within a pixel),
 * each frame thresholded at `cut` on `sign`'s side, then closed. All frames must have the same size.
 */
export function staticMap(frames: Gray[], sign: StrokeSign, cut: number): StaticMap {
  const first = frames[0]
  if (!first) throw new Error('staticMap needs at least one frame.')
  const { width: w, height: h } = first
  const kept = binarize(first, sign, cut)
  for (const f of frames.slice(1)) {
    if (f.width !== w || f.height !== h) throw new Error('Sampled frames differ in size.')
    const other = grow(binarize(f, sign, cut), w, h)
    for (let i = 0; i < kept.length; i++) if (other[i] !== 0) kept[i] = 255
  }
  // Nothing kept is the common case (a clean, moving picture): no closing to do.
  const out = kept.includes(0) ? close(kept, w, h) : kept
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
