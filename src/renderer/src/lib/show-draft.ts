import type { PlannedShot } from '../../../shared/show-plan'

/** A planned shot as its form edits it: every field a plain string or number, '' meaning "none". */
export interface ShotDraft {
  action: string
  characters: string[]
  /** '' = no line; else 'narrator' or a character's name. */
  speaker: string
  text: string
  effect: string
  seconds: number
}

export function toDraft(shot: PlannedShot): ShotDraft {
  return {
    action: shot.action,
    characters: [...shot.characters],
    speaker: shot.line?.speaker ?? '',
    text: shot.line?.text ?? '',
    effect: shot.effect ?? '',
    seconds: shot.seconds
  }
}

/**
 * Back to the plan's shape: a line only when it has a speaker and words (a speaker
 * with an empty line is no line), an effect only when it says something. The core
 * validates the rest and names what it refuses.
 */
export function fromDraft(d: ShotDraft): PlannedShot {
  const text = d.text.trim()
  const effect = d.effect.trim()
  return {
    action: d.action.trim(),
    characters: d.characters,
    line: d.speaker && text ? { speaker: d.speaker, text } : null,
    effect: effect || null,
    seconds: d.seconds
  }
}

/** Who may speak a line: the narrator, then the bible's characters; a speaker the bible lost stays listed (so it shows, and the core names it). */
export function speakerChoices(characters: readonly string[], current: string): string[] {
  const names = ['narrator', ...characters]
  return current && !names.some((n) => n.toLowerCase() === current.toLowerCase()) ? [...names, current] : names
}
