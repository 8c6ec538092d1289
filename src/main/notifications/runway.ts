/**
 * Warn when a channel on air is about to run out of new material: fewer than this many
 * seconds of approved, airable clips after the clip on air, to the end of its timeline
 * (OnAirEngine.runwaySeconds). Past that the channel repeats its timeline from the top
 * ("next in order", looping) — or, with nothing airable left, airs the standby slate.
 * Two minutes: long enough to approve a waiting take or add clips, short enough not to
 * cry wolf on a channel that is being fed.
 */
export const RUNWAY_WARN_S = 120

export interface RunwaySample {
  onAir: boolean
  /** Seconds of new material after the clip on air (0 when nothing is airable). */
  runwayS: number
  /** Seconds of airable material on the whole timeline. */
  totalS: number
  /** The standby slate is on air. */
  slate: boolean
}

export type RunwayVerdict = 'low' | 'slate' | 'clear' | null

interface ChannelWatch {
  /** Seen with enough runway since the last warning: a drop below the threshold is news. */
  armed: boolean
  /** The timeline's length when we warned; only more material than that re-arms (not a loop back to the top). */
  warnedTotalS: number | null
  /** Aired real material in this session: falling to the slate after it is news. */
  airedMaterial: boolean
}

/**
 * Decides, per channel, when "runway low" is news. A channel that goes live with a
 * short (looping) timeline is not warned about — the operator just saw it — but one
 * that had enough and is now running short is, once; each loop back to the top does
 * not warn again, only new material (the timeline growing past its length at the
 * warning) re-arms it, and that also clears the warning.
 */
export class RunwayWatch {
  private readonly channels = new Map<number, ChannelWatch>()

  constructor(private readonly warnS = RUNWAY_WARN_S) {}

  observe(channelId: number, s: RunwaySample): RunwayVerdict {
    const w = this.channels.get(channelId)
    if (!s.onAir) {
      this.channels.delete(channelId)
      return w?.warnedTotalS !== null && w !== undefined ? 'clear' : null
    }
    const low = s.runwayS < this.warnS
    if (!w) {
      this.channels.set(channelId, { armed: !low, warnedTotalS: null, airedMaterial: !s.slate })
      return null
    }
    if (!s.slate) w.airedMaterial = true
    if (w.warnedTotalS !== null) {
      if (s.totalS > w.warnedTotalS && !low) {
        w.warnedTotalS = null
        w.armed = true
        return 'clear'
      }
      return null
    }
    if (!low) {
      w.armed = true
      return null
    }
    if (w.armed || (s.slate && w.airedMaterial)) {
      w.armed = false
      w.warnedTotalS = s.totalS
      return s.slate || s.totalS === 0 ? 'slate' : 'low'
    }
    return null
  }
}
