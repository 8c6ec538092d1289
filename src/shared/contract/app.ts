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
      startedAt: z.number(),
      /** The ffmpeg and ffprobe the core uses, and where each was found. */
      tools: z.array(
        z.object({
          name: z.string(),
          path: z.string().nullable(),
          source: z.string().nullable(),
          error: z.string().nullable()
        })
      )
    }),
    'Version, shell kind, data folder and media tools of the running core.'
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
