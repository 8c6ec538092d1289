import { z } from 'zod'
import { call } from './define'

export const appCalls = {
  'app.ping': call(
    z.object({ echo: z.string().max(1000).optional() }).strict(),
    z.object({ echo: z.string().optional(), serverTime: z.number() }),
    'Round-trip check: answers with the echo and the core clock.'
  ),
  'app.info': call(
    z.object({}).strict(),
    z.object({
      version: z.string(),
      shell: z.enum(['electron', 'headless']),
      dataDir: z.string(),
      platform: z.string(),
      startedAt: z.number()
    }),
    'Version, shell kind and data folder of the running core.'
  )
}

export const appEvents = {
  /** Anything the core wants the user to see (warnings, background failures). */
  'app.notice': z.object({
    level: z.enum(['info', 'warning', 'error']),
    message: z.string(),
    at: z.number()
  })
}
