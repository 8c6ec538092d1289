import { z } from 'zod'
import { call } from './define'
import { comfyEndpointSchema } from './comfyui'
import { llmUrlSchema } from './generation'
import { channelSchema, libraryCalls } from './library'

/**
 * The first run: one flow from an empty studio to a channel on air. The wizard
 * collects everything in the UI and writes nothing until `firstrun.setup`, the
 * confirm step, which creates the channel with its writer and video backend at once.
 */

/** The video backend the first channel starts on; the offline generator needs nothing. */
export const firstRunVideoSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('offline') }).strict(),
  z
    .object({
      kind: z.literal('hf-inference'),
      /** Write-only: goes to the secret store, never back. */
      hfToken: z.string().trim().max(500)
    })
    .strict(),
  z.object({ kind: z.literal('comfyui'), url: comfyEndpointSchema.shape.url }).strict()
])
export type FirstRunVideo = z.infer<typeof firstRunVideoSchema>

/** Who writes the shot prompts: the built-in template writer, or an OpenAI-compatible LLM. */
export const firstRunWriterSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('template') }).strict(),
  z
    .object({
      kind: z.literal('llm'),
      baseUrl: llmUrlSchema,
      model: z.string().trim().min(1, 'name the model, e.g. llama3.1 or gpt-4o-mini').max(200),
      /** Write-only; empty for a local server without a key. */
      apiKey: z.string().trim().max(500).optional()
    })
    .strict()
])
export type FirstRunWriter = z.infer<typeof firstRunWriterSchema>

export const firstRunStatusSchema = z.object({
  /** No channel yet and not dismissed: the studio offers the first run. */
  offer: z.boolean(),
  dismissed: z.boolean(),
  channels: z.number().int()
})

export const firstRunCalls = {
  'firstrun.status': call(
    z.object({}).strict(),
    firstRunStatusSchema,
    'Whether the studio offers the first-run setup (no channel yet, not dismissed).'
  ),
  'firstrun.dismiss': call(
    z.object({ dismissed: z.boolean().default(true) }).strict(),
    firstRunStatusSchema,
    'Stop offering the first-run setup (remembered in the data folder); false offers it again.'
  ),
  'firstrun.setup': call(
    z
      .object({
        name: libraryCalls['library.channels.create'].input.shape.name,
        theme: z.string().trim().max(4000).default(''),
        writer: firstRunWriterSchema.default({ kind: 'template' }),
        video: firstRunVideoSchema.default({ kind: 'offline' })
      })
      .strict(),
    z.object({ channel: channelSchema }),
    'Create the first channel with its writer and video backend, all or nothing (the confirm step of the first run).'
  )
}

export const firstRunEvents = {}
