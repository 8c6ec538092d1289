import type { z } from 'zod'

/**
 * A show is data: a bible (setting, recurring characters with fixed looks and
 * voices, palette, narrator) and sequences of shots. A shot never repeats the
 * bible itself: its video prompt is BUILT from the bible (`shotPrompt`), so every
 * prompt of a channel carries the same character and colour details, word for word
 * (what keeps colours and characters from drifting between clips).
 */

export {
  NARRATOR,
  MIN_SHOT_SECONDS,
  MAX_SHOT_SECONDS,
  DEFAULT_SHOT_SECONDS,
  characterSchema,
  bibleSchema,
  lineSchema,
  plannedShotSchema,
  sequenceSchema,
  showPlanSchema
} from '../../shared/show-plan'
export type { Character, Bible, Line, PlannedShot, PlannedSequence, ShowPlan } from '../../shared/show-plan'
import {
  NARRATOR,
  MAX_SHOT_SECONDS,
  MIN_SHOT_SECONDS,
  showPlanSchema,
  type Bible,
  type Character,
  type PlannedShot,
  type ShowPlan
} from '../../shared/show-plan'

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

/**
 * Every text of a plan that reaches a generator or the air (setting, style, looks,
 * titles, synopses, each shot's prompt, spoken line and sound cue): what moderation reads.
 */
export function planLines(plan: ShowPlan): string[] {
  const b = plan.bible
  return [
    b.setting,
    b.style,
    ...b.characters.flatMap((c) => [c.name, c.look]),
    ...plan.sequences.flatMap((seq) => [
      seq.title,
      seq.synopsis ?? '',
      ...seq.shots.flatMap((s) => [shotPrompt(b, s), s.line?.text ?? '', s.effect ?? ''])
    ])
  ].filter((t) => t.trim().length > 0)
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
