/** What the checks know about one take, and what each check says about it. */
export type Verdict = 'pass' | 'fail' | 'skip'

/** A rectangle of the frame, in pixels of the conformed picture. */
export interface Rect {
  x: number
  y: number
  w: number
  h: number
}

/** One conformed take, as the checks see it. */
export interface TakeUnderCheck {
  /** The conformed MP4 (absolute path). */
  mp4: string
  width: number
  height: number
  durationMs: number
  /** The shot has speech or sound (narration planned, an import with sound…): silence is a failure. */
  expectsAudio?: boolean | undefined
  /** The plan's length; absent = no duration check. */
  plannedSeconds?: number | undefined
  /** The channel's loudness target (the conform levels to it). */
  loudnessTargetLufs: number
  /** Frames per second of the conformed take (the house format's); absent: probed. */
  fps?: number | undefined
  /** The conformed take has a sound track (the conform always writes one); absent: probed. */
  hasAudio?: boolean | undefined
  /** Regions the studio draws itself (logo, AI label, lower third, captions): never read as stray text. */
  masks: Rect[]
  /** Words the shot asked for (quoted in its prompt: a sign reading "OPEN"); seen in the picture they are fine. */
  allowedWords: string[]
  /** What the take was made from (the judge compares the frames with it). */
  prompt?: string | undefined
}

/** What one check found. */
export interface CheckResult {
  check: string
  verdict: Verdict
  /** 0 (clean) … 1 (certainly bad): how strongly the check fired. */
  score: number
  /** Seconds into the take of the frames that failed (start of each bad stretch). */
  frames: number[]
  /** Plain words for a person: what is wrong, or why it passed/was skipped. */
  reason: string
}

/** A stretch [start, end) in seconds. */
export interface Stretch {
  start: number
  end: number
}

/** A word OCR read in a sampled frame. */
export interface SeenWord {
  text: string
  confidence: number
  /** The first sampled time of the group of frames the word was read in. */
  at: number
  /** Which picture it was read from (static-text.ts: frame size and threshold, e.g. `f128`). */
  view?: string | undefined
  /** Where, as shares of the frame's width and height (frames are read at more than one size). */
  box: { x0: number; y0: number; x1: number; y1: number }
}

/** Everything the one measuring pass (plus OCR) learnt; each check reads its part. */
export interface Measurements {
  durationSec: number
  black: Stretch[]
  frozen: Stretch[]
  silence: Stretch[]
  hasAudio: boolean
  /** Integrated loudness, LUFS; null when not measurable. */
  integratedLufs: number | null
  /** Times of the frames sampled for OCR. */
  sampled: number[]
  words: SeenWord[]
  /**
   * The frames were the picture handed to the encoder (measured inside the conform), not the decoded
   * file: sharper, so a still texture's fine edge survives, and only another map may confirm a doubtful word.
   */
  beforeEncode?: boolean | undefined
  /** The judge's answer; null when it was not asked (off for the channel, or no service set). */
  judge: { matches: boolean; artefacts: string[] } | { error: string } | null
}
