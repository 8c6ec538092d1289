import { z } from 'zod'

/**
 * A channel's look and sound: everything burned into its clips once, at
 * conform (loudness, logo, "AI-generated" label, lower third, dips), so that
 * airing stays a byte copy. A change re-conforms the channel's library in the
 * background while the old media keeps airing.
 */
export const cornerSchema = z.enum(['top-left', 'top-right', 'bottom-left', 'bottom-right'])
export type Corner = z.infer<typeof cornerSchema>

export const LOUDNESS_TARGET_MIN = -31
export const LOUDNESS_TARGET_MAX = -5

export const channelLookSchema = z
  .object({
    loudness: z
      .object({
        /** Integrated loudness every clip is brought to (−14 streaming platforms, −23 EBU R128). */
        targetLufs: z
          .number()
          .min(
            LOUDNESS_TARGET_MIN,
            `the loudness target must be between ${LOUDNESS_TARGET_MIN} and ${LOUDNESS_TARGET_MAX} LUFS (e.g. -14 or -23)`
          )
          .max(
            LOUDNESS_TARGET_MAX,
            `the loudness target must be between ${LOUDNESS_TARGET_MIN} and ${LOUDNESS_TARGET_MAX} LUFS (e.g. -14 or -23)`
          ),
        /** True-peak ceiling, dBTP. */
        truePeakDb: z.number().min(-9).max(0)
      })
      .strict(),
    logo: z
      .object({
        /** The logo PNG inside the data folder (copied there by the studio; relative path). */
        file: z.string().min(1),
        position: cornerSchema,
        /** Width as a fraction of the picture's width. */
        size: z.number().min(0.02).max(0.5),
        /** Distance from the picture's edges as a fraction of its height. */
        margin: z.number().min(0).max(0.25),
        opacity: z.number().min(0.05).max(1)
      })
      .strict()
      .nullable(),
    aiLabel: z
      .object({
        /** Burned into generated shots (imported clips are the user's own). */
        enabled: z.boolean(),
        text: z.string().trim().min(1, 'the label needs some text').max(60, 'keep the label under 60 characters'),
        position: cornerSchema
      })
      .strict(),
    lowerThird: z
      .object({
        enabled: z.boolean(),
        /** The shot's title (its first sentence of prompt when it has no title) or its whole prompt. */
        source: z.enum(['title', 'prompt']),
        /** Shown for the clip's first N seconds. */
        seconds: z.number().min(1).max(30)
      })
      .strict(),
    /** Fade from and to black (and audio fade in/out) at each clip's head and tail; 0 = hard cuts. */
    dipSeconds: z.number().min(0).max(2),
    /**
     * Captions of narrated shots: off; burned into the picture at conform; or subtitles, a
     * WebVTT rendition in the channel's HLS that viewers turn on (burned ones get it too). Absent = off.
     */
    captions: z.enum(['off', 'burned', 'subtitles']).optional(),
    /** Levels of the mix at conform, dB (absent = the defaults: speech 0, model audio −6, effects −8, music −8). */
    mix: z
      .object({
        speechDb: z.number().min(-40).max(12),
        modelDb: z.number().min(-40).max(12),
        effectDb: z.number().min(-40).max(12),
        musicDb: z.number().min(-40).max(12)
      })
      .strict()
      .optional()
  })
  .strict()
export type ChannelLook = z.infer<typeof channelLookSchema>
export type ChannelLookCaptions = NonNullable<ChannelLook['captions']>

export const DEFAULT_CHANNEL_LOOK: ChannelLook = {
  loudness: { targetLufs: -14, truePeakDb: -1 },
  logo: null,
  aiLabel: { enabled: true, text: 'AI-generated', position: 'top-left' },
  lowerThird: { enabled: false, source: 'title', seconds: 5 },
  dipSeconds: 0.25
}

/** Measured loudness of a clip's audio and the gain applied at conform; shown in the preview. */
export const loudnessInfoSchema = z.object({
  integratedLufs: z.number().nullable(),
  lraLu: z.number().nullable(),
  truePeakDb: z.number().nullable(),
  gainDb: z.number(),
  silent: z.boolean(),
  limited: z.boolean(),
  targetLufs: z.number()
})
export type LoudnessInfo = z.infer<typeof loudnessInfoSchema>
