import type { z } from 'zod'
import {
  calls,
  isCallName,
  StudioError,
  type CallName,
  type CallOutput,
  type CallResult,
  type ParsedInput,
  type StudioErrorShape
} from '../../shared/contract'

export type Handler<K extends CallName> = (input: ParsedInput<K>) => Promise<CallOutput<K>> | CallOutput<K>
export type Handlers = { [K in CallName]: Handler<K> }
/** What one feature module contributes. */
export type PartialHandlers = Partial<Handlers>

function describeIssue(issue: z.core.$ZodIssue): { field: string; message: string } {
  const field = issue.path.map(String).join('.') || '(input)'
  return { field, message: `${field}: ${issue.message}` }
}

export function toErrorShape(err: unknown): StudioErrorShape {
  if (err instanceof StudioError) return err.toJSON()
  const message = err instanceof Error ? err.message : String(err)
  return { code: 'internal', message }
}

/**
 * Validate and run one call. Never throws and never hangs on bad input: every
 * failure becomes a typed error result naming the field.
 */
export async function dispatchCall(
  handlers: Partial<Handlers>,
  name: unknown,
  rawInput: unknown
): Promise<CallResult<unknown>> {
  if (!isCallName(name)) {
    return { ok: false, error: { code: 'unknown_call', message: `Unknown call "${String(name)}".` } }
  }
  const handler = handlers[name] as Handler<CallName> | undefined
  if (!handler) {
    return {
      ok: false,
      error: { code: 'unavailable', message: `The call "${name}" is not available in this build.` }
    }
  }
  const parsed = calls[name].input.safeParse(rawInput ?? {})
  if (!parsed.success) {
    const first = describeIssue(parsed.error.issues[0]!)
    return {
      ok: false,
      error: { code: 'invalid_input', message: `Invalid ${name} call — ${first.message}`, field: first.field }
    }
  }
  try {
    const value = await handler(parsed.data as ParsedInput<CallName>)
    return { ok: true, value }
  } catch (err) {
    return { ok: false, error: toErrorShape(err) }
  }
}

export type { CallOutput }
