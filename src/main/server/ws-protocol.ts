import { z } from 'zod'
import type { CallResult } from '../../shared/contract'

/** Browser ↔ headless studio, JSON text frames. The same calls and events as Electron IPC. */
export const clientMessageSchema = z.object({
  t: z.literal('call'),
  id: z.number().int().nonnegative(),
  name: z.string().max(200),
  input: z.unknown().optional()
})
export type ClientMessage = z.infer<typeof clientMessageSchema>

export type ServerMessage =
  | { t: 'result'; id: number; result: CallResult<unknown> }
  | { t: 'event'; name: string; payload: unknown }
  | { t: 'error'; message: string }
