/**
 * The regions of the frame the studio draws itself (media/graphics.ts places them):
 * logo, "AI-generated" label, lower third, burned captions. The text check paints
 * them out before OCR, so the channel's own graphics never read as stray text.
 * Generous on purpose: a few pixels of picture lost to OCR cost nothing.
 */
import type { Corner } from '../../shared/channel-look'
import type { ClipLook } from '../media/conform'
import type { PictureRect } from '../media/graphics'
import type { Rect } from './types'

/** Average glyph width of the studio's sans font, as a share of its size (with slack). */
const GLYPH = 0.72
const PAD = 6

function inCorner(pos: Corner, p: PictureRect, margin: number, w: number, h: number): Rect {
  const x = pos.endsWith('left') ? p.x + margin : p.x + p.w - margin - w
  const y = pos.startsWith('top') ? p.y + margin : p.y + p.h - margin - h
  return { x, y, w, h }
}

function padded(r: Rect, frameW: number, frameH: number): Rect {
  const x = Math.max(0, Math.floor(r.x - PAD))
  const y = Math.max(0, Math.floor(r.y - PAD))
  return { x, y, w: Math.min(frameW - x, Math.ceil(r.w + 2 * PAD)), h: Math.min(frameH - y, Math.ceil(r.h + 2 * PAD)) }
}

export interface MaskInput {
  frameW: number
  frameH: number
  /** Where the picture sits in the frame (letter/pillarbox); default the whole frame. */
  picture?: PictureRect | undefined
  look: Pick<ClipLook, 'logo' | 'label' | 'lowerThird'>
  /** The take carries burned captions (bottom band of the picture). */
  captions?: boolean | undefined
}

/** Share of the picture's height, from the bottom, that burned captions may use. */
export const CAPTION_BAND = 0.3

export function studioMasks(input: MaskInput): Rect[] {
  const { frameW: W, frameH: H } = input
  const p = input.picture ?? { x: 0, y: 0, w: W, h: H }
  const out: Rect[] = []
  const { logo, label, lowerThird } = input.look
  if (logo) {
    const w = Math.max(2, Math.round((logo.size * p.w) / 2) * 2)
    // The logo's height is its own aspect; a square (or up to a third of the picture) covers common logos.
    const h = Math.min(w, Math.round(p.h / 3))
    out.push(inCorner(logo.position, p, Math.round(logo.margin * p.h), w, h))
  }
  if (label) {
    const size = Math.max(10, Math.round(p.h * 0.032))
    const border = Math.round(size * 0.35)
    const w = Math.min(p.w, label.text.length * size * GLYPH + 2 * border)
    const h = size * 1.4 + 2 * border
    const r = inCorner(label.position, p, Math.round(p.h * 0.04), w, h)
    out.push({ ...r, x: r.x - border, y: r.y - border })
  }
  if (lowerThird) {
    const size = Math.max(12, Math.round(p.h * 0.045))
    const border = Math.round(size * 0.4)
    const x = p.x + Math.round(p.w * 0.05) - border
    const bottom = p.y + p.h - Math.round(p.h * 0.1) + border
    const h = size * 1.4 + 2 * border
    out.push({ x, y: bottom - h, w: Math.min(p.x + p.w - x, lowerThird.text.length * size * GLYPH + 2 * border), h })
  }
  if (input.captions) out.push({ x: p.x, y: p.y + p.h * (1 - CAPTION_BAND), w: p.w, h: p.h * CAPTION_BAND })
  return out.map((r) => padded(r, W, H))
}

/** Words a prompt asks to see written: anything in quotes ("a sign reading 'OPEN'"). */
export function askedWords(prompt: string): string[] {
  const out: string[] = []
  for (const m of prompt.matchAll(/["“‘']([^"”’']{1,60})["”’']/g)) out.push(...m[1]!.split(/\s+/).filter(Boolean))
  return out
}
