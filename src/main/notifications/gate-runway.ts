/**
 * "Runway at risk because takes keep failing": when the quality gate rejects most of a
 * channel's recent takes and the channel's ready, approved, airable material is under
 * the runway threshold, the operator hears why and what to do — from the gate's own log
 * (what the gate reported), never from a guess.
 */

/** How many of the channel's latest checked takes the notice looks at. */
export const GATE_RECENT_TAKES = 6
/** At least this many of them failed, and at least half: one bad take is not "keeps failing". */
export const GATE_MIN_FAILED = 2

/** Short words for each check in a one-line notice (a table, not a switch; unknown names as they are). */
const checkLabels: Record<string, string> = {
  text: 'text in the picture',
  black: 'black',
  frozen: 'frozen picture',
  silence: 'silence',
  duration: 'wrong length',
  loudness: 'loudness',
  judge: 'the judge',
  checks: 'checks could not run'
}

export interface GateRunwayInput {
  /** The latest checked takes, newest first, with the deciding checks each failed. */
  recent: Array<{ failed: string[] }>
  /** Seconds of new material: the engine's runway on air, the airable timeline off air. */
  runwayS: number
  onAir: boolean
  warnS: number
  budgetLeft: number
  /** Shots the gate held for review in the last hour. */
  held: number
}

/** Why the runway is at risk, or null when it is not (too few failures, or enough runway). */
export function gateRunwayRisk(
  i: GateRunwayInput,
  formatSeconds: (s: number) => string
): { failed: number; body: string } | null {
  const failedTakes = i.recent.filter((t) => t.failed.length > 0)
  const failed = failedTakes.length
  if (failed < GATE_MIN_FAILED || failed * 2 < i.recent.length || i.runwayS >= i.warnS) return null
  const byCheck = new Map<string, number>()
  for (const t of failedTakes) for (const c of t.failed) byCheck.set(c, (byCheck.get(c) ?? 0) + 1)
  const reasons = [...byCheck]
    .sort((a, b) => b[1] - a[1])
    .map(([c, n]) => `${checkLabels[c] ?? c} ×${n}`)
    .join(', ')
  const left = i.onAir
    ? `${formatSeconds(i.runwayS)} of runway left`
    : `${formatSeconds(i.runwayS)} ready to air on its timeline`
  const todo = [
    i.held > 0 ? `review the ${i.held} held shot${i.held === 1 ? '' : 's'} (webtv shots --failed)` : null,
    'loosen its checks (webtv gate set --checks)',
    `raise its budget (${i.budgetLeft} regeneration${i.budgetLeft === 1 ? '' : 's'} left this hour; --takes-per-hour)`
  ].filter(Boolean)
  return {
    failed,
    body: `${failed} of the last ${i.recent.length} takes failed the quality gate: ${reasons}; ${left}. To keep it fed: ${todo.slice(0, -1).join(', ')} or ${todo[todo.length - 1]}.`
  }
}
