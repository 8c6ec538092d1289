import { z } from 'zod'

/**
 * A show is data: a bible (setting, recurring characters with fixed looks and
 * voices, palette, narrator) and sequences of shots. A shot never repeats the
 * bible itself: its video prompt is BUILT from the bible (`shotPrompt`), so every
 * prompt of a channel carries the same character and colour details, word for word
 * (what keeps colours and characters from drifting between clips).
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

/**
 * The video prompt of one shot: its action, then each character's fixed look, the
 * setting and the style. Names are left out of the prompt on purpose: a video model
 * tends to paint a proper name into the picture as text. Pure.
 */
export function shotPrompt(bible: Bible, shot: PlannedShot): string {
  const looks = shot.characters
    .map((name) => bible.characters.find((c) => c.name.toLowerCase() === name.toLowerCase()))
    .filter((c): c is Character => c !== undefined)
    .map((c) => c.look)
  return [shot.action.replace(/[.\s]+$/, ''), ...looks, bible.setting, bible.style]
    .map((s) => s.trim().replace(/[.\s]+$/, ''))
    .filter(Boolean)
    .join(', ')
}

/** The voice id a line is spoken with: the speaker's own, else the narrator's, else the provider's default (''). */
export function voiceFor(bible: Bible, speaker: string): string {
  const who = bible.characters.find((c) => c.name.toLowerCase() === speaker.toLowerCase())
  return who?.voice || bible.narrator.voice || ''
}

/** Problems a schema-valid plan can still have (a speaker or character the bible does not know). */
export function planProblems(plan: ShowPlan): string[] {
  const names = new Set(plan.bible.characters.map((c) => c.name.toLowerCase()))
  const out: string[] = []
  plan.sequences.forEach((seq, si) =>
    seq.shots.forEach((shot, i) => {
      for (const c of shot.characters)
        if (!names.has(c.toLowerCase()))
          out.push(`sequences.${si}.shots.${i}.characters: "${c}" is not a character of the bible`)
      const speaker = shot.line?.speaker.toLowerCase()
      if (speaker && speaker !== NARRATOR && !names.has(speaker))
        out.push(`sequences.${si}.shots.${i}.line.speaker: "${shot.line!.speaker}" is not the narrator or a character`)
    })
  )
  return out
}

/** One readable sentence for the first few schema issues: where, and what is wrong. */
export function describeIssues(error: z.ZodError, max = 3): string {
  return error.issues
    .slice(0, max)
    .map((i) => `${i.path.join('.') || 'root'}: ${i.message}`)
    .join('; ')
}

/**
 * The small, safe repairs of a near-miss reply: a line given as a bare string
 * (spoken by the narrator), a duration given as a string ("4 s"), an empty line or
 * effect. Anything else is left for the schema to reject.
 */
export function repairPlan(raw: unknown): unknown {
  if (!raw || typeof raw !== 'object') return raw
  const plan = raw as { sequences?: unknown }
  if (!Array.isArray(plan.sequences)) return raw
  for (const seq of plan.sequences as Array<{ shots?: unknown }>) {
    if (!seq || !Array.isArray(seq.shots)) continue
    for (const shot of seq.shots as Array<Record<string, unknown>>) {
      if (!shot || typeof shot !== 'object') continue
      if (typeof shot.line === 'string') shot.line = shot.line.trim() ? { speaker: NARRATOR, text: shot.line } : null
      if (typeof shot.effect === 'string' && !shot.effect.trim()) shot.effect = null
      if (typeof shot.seconds === 'string') {
        const n = Number.parseFloat(shot.seconds)
        if (Number.isFinite(n)) shot.seconds = n
      }
      if (typeof shot.seconds === 'number')
        shot.seconds = Math.min(MAX_SHOT_SECONDS, Math.max(MIN_SHOT_SECONDS, shot.seconds))
    }
  }
  return raw
}

/** Validate (after the safe repairs) into a plan, or throw one readable reason. */
export function parseShowPlan(raw: unknown): ShowPlan {
  const parsed = showPlanSchema.safeParse(repairPlan(raw))
  if (!parsed.success) throw new Error(`the plan does not match the schema (${describeIssues(parsed.error)})`)
  const problems = planProblems(parsed.data)
  if (problems.length > 0) throw new Error(`the plan is inconsistent (${problems.slice(0, 3).join('; ')})`)
  return parsed.data
}
