import type { z } from 'zod'

/** One request → response call that main offers the renderer. */
export interface CallSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I
  output: O
  /** One line for `webtv --help`-style listings and for error messages. */
  summary: string
}

export function call<I extends z.ZodType, O extends z.ZodType>(input: I, output: O, summary: string): CallSpec<I, O> {
  return { input, output, summary }
}

/** Error codes every caller can branch on. */
export type StudioErrorCode =
  | 'invalid_input' // the call's input failed validation; `field` names it
  | 'unknown_call'
  | 'not_found'
  | 'conflict' // e.g. deleting a channel that is on air
  | 'unavailable' // a dependency (ffmpeg, a Space, a port) is missing or down
  | 'unauthorized'
  | 'internal'

export interface StudioErrorShape {
  code: StudioErrorCode
  message: string
  /** Dotted path of the offending input field, for invalid_input. */
  field?: string
}

/** What crosses the wire for every call: never a thrown value, always a result. */
export type CallResult<T> = { ok: true; value: T } | { ok: false; error: StudioErrorShape }

export class StudioError extends Error implements StudioErrorShape {
  readonly code: StudioErrorCode
  readonly field?: string
  constructor(code: StudioErrorCode, message: string, field?: string) {
    super(message)
    this.name = 'StudioError'
    this.code = code
    if (field !== undefined) this.field = field
  }
  toJSON(): StudioErrorShape {
    return this.field === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, field: this.field }
  }
}
