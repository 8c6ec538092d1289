import { z } from 'zod'

/**
 * A channel's house format: every clip is conformed to it once, at ingest, so that
 * airing never decodes or encodes video (see shared/design/ARCHITECTURE.md).
 */
export const houseFormatSchema = z.object({
  width: z.number().int().min(160).max(3840).multipleOf(2),
  height: z.number().int().min(90).max(2160).multipleOf(2),
  fps: z.number().int().min(8).max(60),
  videoKbps: z.number().int().min(300).max(8000),
  videoMaxKbps: z.number().int().min(300).max(10000),
  audioKbps: z.number().int().min(64).max(320),
  audioRate: z.literal(48000),
  /** Keyframe interval in seconds (closed GOP). */
  gopSeconds: z.literal(2)
})
export type HouseFormat = z.infer<typeof houseFormatSchema>

export const DEFAULT_HOUSE_FORMAT: HouseFormat = {
  width: 1024,
  height: 576,
  fps: 24,
  videoKbps: 2000,
  videoMaxKbps: 2500,
  audioKbps: 128,
  audioRate: 48000,
  gopSeconds: 2
}
