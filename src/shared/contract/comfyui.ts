import { z } from 'zod'
import { userUrlSchema } from '../user-url'

/**
 * ComfyUI backend settings: the GPU servers a channel may use (a pool) and, per
 * step, which workflow runs there and which node inputs take our values.
 * A workflow is ComfyUI's "API format" export: `{ "<node id>": { class_type, inputs } }`.
 */

/** "<node id>.<input name>", e.g. "6.text": the node input that receives a value. */
const inputRef = z
  .string()
  .trim()
  .regex(/^[^.\s]+\.[A-Za-z0-9_]+$/, 'name a node input as "<node id>.<input name>", e.g. "6.text"')

export const comfyMappingSchema = z
  .object({
    /** The positive prompt (required). */
    prompt: z.array(inputRef).min(1, 'say which node input takes the prompt').max(8),
    seed: z.array(inputRef).max(8).default([]),
    /** Clip length: frames for video (the value is seconds × fps, +1 as Wan expects 4n+1), seconds for audio. */
    length: z.array(inputRef).max(8).default([]),
    lengthUnit: z.enum(['frames', 'seconds']).default('frames'),
    /** The LoadImage node's `image` input; present only in an image-to-video workflow. */
    startImage: z.array(inputRef).max(4).default([]),
    /** The output node whose file is the result; default: the first node that produced a video/audio file. */
    outputNode: z.string().trim().max(50).optional()
  })
  .strict()
export type ComfyMapping = z.infer<typeof comfyMappingSchema>

export const comfyWorkflowIdSchema = z.enum(['wan22-t2v', 'wan22-i2v', 'ace-step', 'custom'])
export type ComfyWorkflowId = z.infer<typeof comfyWorkflowIdSchema>

/**
 * A workflow the user gives is kept in the channel's settings and read on every
 * `backends list`: bounded (an "Export (API)" file is typically 5–100 KB).
 */
export const WORKFLOW_MAX_BYTES = 1024 * 1024
export const WORKFLOW_MAX_NODES = 2000

const graphSchema = z
  .record(
    z.string(),
    z.object({ class_type: z.string().min(1), inputs: z.record(z.string(), z.unknown()) }).passthrough()
  )
  .superRefine((g, ctx) => {
    const nodes = Object.keys(g).length
    if (nodes > WORKFLOW_MAX_NODES)
      return ctx.addIssue({
        code: 'custom',
        message: `the workflow has ${nodes} nodes; at most ${WORKFLOW_MAX_NODES} are accepted`
      })
    const bytes = Buffer.byteLength(JSON.stringify(g))
    if (bytes > WORKFLOW_MAX_BYTES)
      ctx.addIssue({
        code: 'custom',
        message: `the workflow is ${Math.round(bytes / 1024)} KB; at most ${WORKFLOW_MAX_BYTES / 1024} KB is accepted (an API export is usually under 100 KB)`
      })
  })

export const comfyCustomWorkflowSchema = z.object({ graph: graphSchema, mapping: comfyMappingSchema }).strict()

/** One step's ComfyUI workflow. */
export const comfyStepSchema = z
  .object({
    workflow: comfyWorkflowIdSchema,
    /** Required for workflow "custom": the exported API-format graph and its mapping. */
    custom: comfyCustomWorkflowSchema.optional(),
    /** A custom image-to-video companion, used when a shot continues from the previous one. */
    customImage: comfyCustomWorkflowSchema.optional(),
    /** Clip length asked of the workflow (seconds); default: the workflow's own. */
    seconds: z.number().min(0.5).max(240).optional(),
    /** Frame rate the workflow renders at (frames = seconds × fps + 1); default: the workflow's own. */
    fps: z.number().int().min(1).max(60).optional()
  })
  .strict()
export type ComfyStep = z.infer<typeof comfyStepSchema>

const endpointUrl = userUrlSchema({
  kind: 'comfyui',
  schemes: ['http:', 'https:'],
  example: 'http://192.168.1.20:8188'
})
  .refine(
    (s) => /^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(s),
    "use the server's http(s) address, e.g. http://192.168.1.20:8188"
  )
  .transform((s) => s.replace(/\/+$/, ''))

export const comfyEndpointSchema = z
  .object({
    url: endpointUrl,
    /** Prompts sent to this server at once (ComfyUI runs one at a time; 2 keeps its GPU busy between prompts). */
    concurrency: z.number().int().min(1).max(8).default(2),
    /** Send the ComfyUI bearer token (a rented GPU's gateway); never over plain http to another machine. */
    sendToken: z.boolean().default(false)
  })
  .strict()
export type ComfyEndpoint = z.infer<typeof comfyEndpointSchema>

export const comfyPoolSchema = z
  .object({
    endpoints: z.array(comfyEndpointSchema).max(32).default([])
  })
  .strict()
export type ComfyPool = z.infer<typeof comfyPoolSchema>

/** What the engine knows about each server right now (never guessed by the UI). */
export const comfyEndpointStatusSchema = z.object({
  url: z.string(),
  concurrency: z.number().int(),
  state: z.enum(['unknown', 'up', 'down']),
  running: z.number().int(),
  failures: z.number().int(),
  lastError: z.string().nullable(),
  /** When a down server is probed next (ms since epoch). */
  retryAt: z.number().nullable(),
  checkedAt: z.number().nullable()
})
export type ComfyEndpointStatus = z.infer<typeof comfyEndpointStatusSchema>

/** Where a take came from, read from the job that made it. */
export const takeOriginSchema = z.object({
  takeId: z.number().int(),
  jobId: z.number().int().nullable(),
  backend: z.string().nullable(),
  workflow: z.string().nullable(),
  endpoint: z.string().nullable(),
  promptId: z.string().nullable(),
  /** The shot/take whose last frame this take started from, when it continued the previous shot. */
  continuedFrom: z.object({ shotId: z.number().int(), takeId: z.number().int().nullable() }).nullable(),
  /** Why continuity was asked for but not used (e.g. the backend has no image input). */
  continuityNote: z.string().nullable(),
  /** How the clip was made as long as its narrated line: continued from its last frame, slowed or held (generation/extend.ts). */
  lengthNote: z.string().nullable().optional()
})
export type TakeOrigin = z.infer<typeof takeOriginSchema>
