import { z } from 'zod'

/**
 * The show plan's shape (bible, sequences, shots), shared by the studio core (which
 * validates every writer reply and every edit against it) and the UI's editors.
 */

export const NARRATOR = 'narrator'
export const MIN_SHOT_SECONDS = 1
export const MAX_SHOT_SECONDS = 20
export const DEFAULT_SHOT_SECONDS = 4

const text = (max: number) => z.string().trim().min(1).max(max)

export const characterSchema = z.object({
  name: text(60),
  /** Fixed visual description, injected into every prompt the character appears in. */
  look: text(300),
  /** A voice id of the channel's voice provider (e.g. espeak-ng "en-us+f3", an OpenAI voice "alloy"). */
  voice: z.string().trim().max(60).default('')
})

export const bibleSchema = z.object({
  setting: text(400),
  /** Palette and style, e.g. "soft pastel watercolour, warm light". */
  style: text(300),
  characters: z.array(characterSchema).max(12).default([]),
  narrator: z.object({ voice: z.string().trim().max(60).default('') }).default({ voice: '' })
})

export const lineSchema = z.object({
  /** 'narrator' or a character's name. */
  speaker: text(60),
  text: text(600)
})

export const plannedShotSchema = z.object({
  /** What happens: subject and camera motion. The bible's details are added by shotPrompt. */
  action: text(400),
  /** Names of the bible's characters in the shot. */
  characters: z.array(z.string().trim()).max(12).default([]),
  line: lineSchema.nullable().optional(),
  /** A short sound-effect cue, e.g. "rain on a tin roof". */
  effect: z.string().trim().max(120).nullable().optional(),
  seconds: z.number().min(MIN_SHOT_SECONDS).max(MAX_SHOT_SECONDS).default(DEFAULT_SHOT_SECONDS)
})

export const sequenceSchema = z.object({
  title: text(120),
  synopsis: z.string().trim().max(600).default(''),
  shots: z.array(plannedShotSchema).min(1).max(60)
})

export const showPlanSchema = z.object({
  bible: bibleSchema,
  sequences: z.array(sequenceSchema).min(1).max(40)
})

export type Character = z.infer<typeof characterSchema>
export type Bible = z.infer<typeof bibleSchema>
export type Line = z.infer<typeof lineSchema>
export type PlannedShot = z.infer<typeof plannedShotSchema>
export type PlannedSequence = z.infer<typeof sequenceSchema>
export type ShowPlan = z.infer<typeof showPlanSchema>
