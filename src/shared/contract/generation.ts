import { z } from 'zod'
import { userUrlProblem, userUrlSchema } from '../user-url'
import { call } from './define'
import { comfyEndpointStatusSchema, comfyPoolSchema, comfyStepSchema, takeOriginSchema } from './comfyui'

/**
 * Generation: theme → shot prompts (writer) → jobs (video, optional upscale and
 * interpolation, music per sequence) → conformed shots in the library and the
 * channel's playlist. Keys and tokens are write-only here: reads return them masked.
 */

const id = z.number().int().positive()

export const jobStateSchema = z.enum([
  'queued',
  'running',
  'upscaling',
  'interpolating',
  'conforming',
  'ready',
  'failed',
  'canceled'
])
export type JobState = z.infer<typeof jobStateSchema>

export const presetIdSchema = z.enum(['zeroscope-v2', 'zeroscope-xl', 'film', 'musicgen', 'custom'])

export const gradioMappingSchema = z
  .object({
    endpoint: z.string().trim().min(1, 'name the endpoint, e.g. "/run"').max(200),
    args: z.union([z.array(z.unknown()).max(64), z.record(z.string(), z.unknown())]),
    outputIndex: z.number().int().min(0).max(64).default(0)
  })
  .strict()

const HTTP = ['https:', 'http:'] as const
/** The LLM server's URL (OpenAI-compatible; its key lives in the secret store). */
export const llmUrlSchema = userUrlSchema({ kind: 'llm', schemes: HTTP, example: 'http://127.0.0.1:11434/v1' })

const spaceRef = z
  .string()
  .trim()
  .min(3)
  .max(500)
  .refine(
    (s) => /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(s) || /^https?:\/\/[^\s]+$/.test(s),
    'use a Space id like "owner/name" or the app\'s http(s) URL'
  )
  .superRefine((s, ctx) => {
    if (!/^https?:/i.test(s)) return
    const problem = userUrlProblem(s, { kind: 'gradio', schemes: HTTP, example: 'https://owner-name.hf.space' })
    if (problem) ctx.addIssue({ code: 'custom', message: problem })
  })

/** The generation steps of a shot (video, optional upscale and interpolation) and of a sequence (music). The one list. */
export const STEP_NAMES = ['video', 'upscale', 'interpolate', 'music'] as const
export const stepNameSchema = z.enum(STEP_NAMES)
export type StepName = z.infer<typeof stepNameSchema>

/** A write-only key a backend kind owns, as `generation.backends.get/set` name it (`keys.<field>`). */
export interface BackendKeyInfo {
  field: string
  /** "RunPod API key" */
  label: string
  /** Where the user gets one (shown when a pasted one looks wrong). */
  copyFrom: string
  /** What the settings' field shows while empty. */
  placeholder?: string
  /** Entered in another card of the settings (ComfyUI's servers), not with the backends. */
  elsewhere?: boolean
}

/**
 * What the renderer and the CLI know about each backend kind: its label, the steps
 * it can run, the key it owns. The main process's table (generation/backends.ts)
 * holds the rest of each kind (runners, scheduling, health) and reads this row.
 * 'offline' and 'gradio' keep their settings on the step itself (the first shape);
 * every newer kind has one entry of its own in the step's `configs` (a union
 * discriminated by `kind`, `backendConfigSchema` below): a new kind is one row here,
 * one schema in that union, one folder in generation/ and one row in its table.
 */
export const BACKEND_KINDS = {
  offline: { label: 'This computer (offline)', steps: STEP_NAMES },
  gradio: { label: 'Gradio Space', steps: STEP_NAMES },
  'hf-inference': {
    label: 'Hugging Face Inference Providers',
    steps: ['video', 'music'],
    key: {
      field: 'hfToken',
      label: 'Hugging Face token',
      copyFrom: 'Copy it again from huggingface.co/settings/tokens.'
    }
  },
  fal: {
    label: 'fal',
    steps: ['video', 'music'],
    key: {
      field: 'falKey',
      label: 'fal key',
      copyFrom: 'Copy it again from fal.ai/dashboard/keys.',
      placeholder: 'key id:secret (leave empty to keep)'
    }
  },
  // Listed for upscale/interpolate too: ComfyUI refuses those itself, with its own words (comfyui/settings.ts).
  comfyui: {
    label: 'ComfyUI servers',
    steps: STEP_NAMES,
    pick: ['video', 'music'],
    key: {
      field: 'comfyuiToken',
      label: 'ComfyUI token',
      copyFrom: 'Copy it again from your GPU provider.',
      elsewhere: true
    }
  },
  runpod: {
    label: 'RunPod Serverless (ComfyUI)',
    steps: ['video', 'music'],
    key: {
      field: 'runpodKey',
      label: 'RunPod API key',
      copyFrom: 'Copy it again from runpod.io → Settings → API Keys.'
    }
  }
} as const satisfies Record<
  string,
  { label: string; steps: readonly StepName[]; pick?: readonly StepName[]; key?: BackendKeyInfo }
>
export type BackendKind = keyof typeof BACKEND_KINDS
export const BACKEND_KIND_NAMES = Object.keys(BACKEND_KINDS) as [BackendKind, ...BackendKind[]]
export const backendKindSchema = z.enum(BACKEND_KIND_NAMES)

/** The kinds a step can be set to (what the settings' "Runs on" picker and the CLI offer). */
export function kindsForStep(step: StepName, opts: { pickable?: boolean } = {}): BackendKind[] {
  return BACKEND_KIND_NAMES.filter((k) => {
    const info = BACKEND_KINDS[k] as { steps: readonly StepName[]; pick?: readonly StepName[] }
    return (opts.pickable && info.pick ? info.pick : info.steps).includes(step)
  })
}

/** Every write-only key the backend kinds own. */
export const BACKEND_KEYS: BackendKeyInfo[] = BACKEND_KIND_NAMES.flatMap((k) => {
  const info = BACKEND_KINDS[k] as { key?: BackendKeyInfo }
  return info.key ? [info.key] : []
})

/** A model's knobs, named once for every provider (each kind maps them to its wire names). */
export const modelParamsSchema = z
  .object({
    frames: z.number().int().min(1).max(1000).optional(),
    fps: z.number().int().min(1).max(120).optional(),
    steps: z.number().int().min(1).max(500).optional(),
    guidance: z.number().min(0).max(50).optional(),
    /** A fixed seed for every shot; without it each shot uses its own. */
    seed: z.number().int().min(0).max(2147483647).optional(),
    negativePrompt: z.string().max(2000).optional(),
    /** e.g. "720p", "580p" (the provider's own words). */
    resolution: z.string().trim().max(20).optional(),
    /** Music length per call, seconds (the bed is looped to the sequence). */
    seconds: z.number().min(1).max(600).optional(),
    /** Any other input the model takes, sent as written (e.g. {"aspect_ratio": "16:9"}). */
    extra: z.record(z.string().max(64), z.union([z.string().max(2000), z.number(), z.boolean()])).optional()
  })
  .strict()
export type ModelParams = z.infer<typeof modelParamsSchema>

export const gatewayUrl = userUrlSchema({
  kind: 'gateway',
  schemes: HTTP,
  example: 'https://gateway.example.org'
}).refine((s) => {
  // Runs even when the URL check above failed (a custom issue does not abort): not a URL is that check's issue.
  if (!URL.canParse(s)) return true
  const u = new URL(s)
  return (u.pathname === '/' || u.pathname === '') && !u.search
}, "use the gateway's origin only, like https://gateway.example.org (no path)")

export const HF_PROVIDERS = ['auto', 'fal-ai', 'replicate', 'novita', 'wavespeed', 'together', 'hf-inference'] as const

/** Hugging Face Inference Providers: one HF token (secret store), a provider and a model id. */
export const hfInferenceConfigSchema = z
  .object({
    kind: z.literal('hf-inference'),
    provider: z.enum(HF_PROVIDERS),
    model: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'use a model id like "Wan-AI/Wan2.2-TI2V-5B"'),
    /** The preset it started from ("custom" when none). */
    preset: z.string().trim().min(1).max(64),
    params: modelParamsSchema,
    /** Calls this backend runs at once. */
    concurrency: z.number().int().min(1).max(16),
    /** A self-hosted gateway that speaks the router's protocol, instead of huggingface.co. */
    gateway: gatewayUrl.optional(),
    /** Send the HF token to that gateway (off by default; never over plain http to another machine). */
    tokenToGateway: z.boolean().optional()
  })
  .strict()
export type HfInferenceConfig = z.infer<typeof hfInferenceConfigSchema>

/** fal's queue API: one fal key (secret store) and an endpoint id. */
export const falConfigSchema = z
  .object({
    kind: z.literal('fal'),
    endpoint: z
      .string()
      .trim()
      .regex(
        /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/,
        'use an endpoint id like "fal-ai/wan/v2.2-5b/text-to-video"'
      )
      .max(200),
    preset: z.string().trim().min(1).max(64),
    params: modelParamsSchema,
    concurrency: z.number().int().min(1).max(16),
    /** A self-hosted gateway that speaks fal's queue protocol, instead of queue.fal.run. */
    gateway: gatewayUrl.optional(),
    /** Send the fal key to that gateway (off by default; never over plain http to another machine). */
    keyToGateway: z.boolean().optional(),
    /** How often the queue status is asked for, ms. */
    pollMs: z.number().int().min(100).max(60_000).optional()
  })
  .strict()
export type FalConfig = z.infer<typeof falConfigSchema>

/** RunPod Serverless running worker-comfyui: one RunPod API key (secret store), an endpoint id and a ComfyUI workflow. */
export const runpodConfigSchema = z
  .object({
    kind: z.literal('runpod'),
    /** The serverless endpoint's id (runpod.io → Serverless → the endpoint → its id). */
    endpointId: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'use the endpoint id shown on RunPod (letters, digits, - and _)'),
    /** The API-format workflow it runs (the shipped ones or a custom export), as for ComfyUI servers. */
    comfyui: comfyStepSchema,
    concurrency: z.number().int().min(1).max(16),
    /**
     * Another address for RunPod's API (default https://api.runpod.ai), for tests and development:
     * the key goes there only when it is this machine (loopback); any other host is refused.
     */
    baseUrl: gatewayUrl.optional(),
    /** How often the job status is asked for, ms. */
    pollMs: z.number().int().min(100).max(60_000).optional()
  })
  .strict()
export type RunpodConfig = z.infer<typeof runpodConfigSchema>

export const backendConfigSchema = z.discriminatedUnion('kind', [
  hfInferenceConfigSchema,
  falConfigSchema,
  runpodConfigSchema
])
export type BackendConfig = z.infer<typeof backendConfigSchema>

/** One step's backend: local (ffmpeg, no network), a Gradio Space with one or more parallel copies, or a provider kind. */
export const stepBackendSchema = z
  .object({
    enabled: z.boolean(),
    backend: backendKindSchema,
    preset: presetIdSchema,
    /** Space ids or URLs; several copies of one Space run jobs in parallel. */
    spaces: z.array(spaceRef).max(16),
    /** Required for preset "custom"; overrides a preset's mapping otherwise. */
    mapping: gradioMappingSchema.optional(),
    /** Gradio: send the HF token to a Space on a host other than Hugging Face's (self-hosted). Off by default. */
    tokenToCustomHost: z.boolean().optional(),
    /** Settings of the provider kinds, one entry per kind; the one named by `backend` is used, the rest kept for switching back. */
    configs: z
      .array(backendConfigSchema)
      .max(8)
      .refine((a) => new Set(a.map((c) => c.kind)).size === a.length, 'one entry per backend kind')
      .optional(),
    /** backend "comfyui": the workflow this step runs on the channel's ComfyUI servers. */
    comfyui: comfyStepSchema.optional()
  })
  .strict()
export type StepBackend = z.infer<typeof stepBackendSchema>

export const backendSettingsSchema = z
  .object({
    video: stepBackendSchema,
    upscale: stepBackendSchema,
    interpolate: stepBackendSchema,
    music: stepBackendSchema,
    /** Jobs one Space copy runs at once. */
    concurrencyPerCopy: z.number().int().min(1).max(8),
    /** Local ffmpeg generation steps at once (CPU bound). */
    localConcurrency: z.number().int().min(1).max(8),
    maxAttempts: z.number().int().min(1).max(20),
    /** First retry delay; grows ×2 per attempt (with jitter), capped at 5 minutes. */
    retryBaseMs: z.number().int().min(10).max(600_000),
    /** One Space call is abandoned (and retried) after this long. */
    callTimeoutMs: z.number().int().min(1000).max(3_600_000),
    /** ComfyUI servers (a pool) shared by every step whose backend is "comfyui". */
    comfyui: comfyPoolSchema,
    /** Offline generator clip length and size. */
    offline: z
      .object({
        seconds: z.number().min(0.5).max(30),
        width: z.number().int().min(64).max(1920).multipleOf(2),
        height: z.number().int().min(64).max(1080).multipleOf(2)
      })
      .strict()
  })
  .strict()
export type BackendSettings = z.infer<typeof backendSettingsSchema>

export const jobSchema = z.object({
  id,
  channelId: id,
  shotId: z.number().int().nullable(),
  sequenceId: z.number().int().nullable(),
  kind: z.enum(['shot', 'music']),
  index: z.number().int(),
  state: jobStateSchema,
  step: z.string().nullable(),
  prompt: z.string(),
  backend: z.string(),
  /** The server the job runs (or last ran) on, when it uses a pool of servers. */
  endpoint: z.string().nullable().default(null),
  attempts: z.number().int(),
  percent: z.number(),
  queuePosition: z.number().int().nullable(),
  etaSeconds: z.number().int().nullable(),
  error: z.string().nullable(),
  /** When the next retry may start (ms since epoch), while waiting on one. */
  retryAt: z.number().nullable(),
  /** Where the current step runs ("fal · fal-ai/wan/…", "gradio · owner/space", "local"), once started. */
  runsOn: z.string().nullable(),
  /**
   * A shot job's steps in order, as its backends were when it was queued: upscale and
   * interpolate only where they were turned on (the UI shows a chip for each).
   */
  steps: z.array(z.enum(['video', 'upscale', 'interpolate', 'conform'])).optional(),
  createdAt: z.number(),
  updatedAt: z.number()
})
export type JobDto = z.infer<typeof jobSchema>

const planSchema = z.object({
  style: z.string(),
  shots: z.array(z.object({ prompt: z.string(), seed: z.number().int() })),
  warnings: z.array(z.string()),
  writer: z.string()
})

const prompt = z.string().trim().min(3, 'a prompt needs a few words').max(2000, 'keep a prompt under 2000 characters')

/** A channel's autopilot, and how much material is ready ahead of the air. */
const autopilotSchema = z.object({
  enabled: z.boolean(),
  minutesAhead: z.number(),
  shotsPerSequence: z.number().int(),
  theme: z.string(),
  reviewPolicy: z.enum(['auto', 'manual']),
  runwaySeconds: z.number(),
  lastError: z.string().nullable()
})

export const generationCalls = {
  'generation.write': call(
    z
      .object({
        channelId: id,
        theme: z.string().trim().min(3, 'describe the theme in a few words').max(2000),
        count: z.number().int().min(1).max(50),
        style: z.string().trim().max(1000).optional(),
        writer: z.enum(['template', 'llm']).optional()
      })
      .strict(),
    planSchema,
    'Ask the writer for N shot prompts for a theme (to edit before enqueueing); warns about words painted as text.'
  ),
  'generation.enqueue': call(
    z
      .object({
        channelId: id,
        theme: z.string().trim().max(2000).default(''),
        style: z.string().trim().max(1000).default(''),
        shots: z
          .array(z.object({ prompt, seed: z.number().int().min(0).max(2147483647).optional() }).strict())
          .min(1)
          .max(100),
        backend: backendKindSchema.optional(),
        music: z.boolean().optional(),
        /** Each shot starts from the last frame of the previous shot's chosen take (image-to-video where the backend has it). */
        continuity: z.boolean().optional(),
        /** Makes a repeated call (after a lost answer) return the first call's jobs instead of adding more. */
        requestId: z.string().trim().min(1).max(100).optional()
      })
      .strict(),
    z.object({ sequenceId: id, jobIds: z.array(id), shotIds: z.array(id), duplicate: z.boolean() }),
    'Turn prompts into one job per shot (plus one music job per sequence); the shots join the playlist in order.'
  ),
  'generation.regenerate': call(
    z
      .object({
        shotId: id,
        /** Default: the shot's prompt. */
        prompt: prompt.optional(),
        /** Default: a fresh seed; pass the shot's seed for "same seed". */
        seed: z.number().int().min(0).max(2147483647).optional(),
        backend: backendKindSchema.optional(),
        /** Makes a repeated call (after a lost answer) return the first call's job. */
        requestId: z.string().trim().min(1).max(100).optional()
      })
      .strict(),
    jobSchema,
    "Queue a new take of a shot (same or edited prompt); the shot's media changes only when the take is chosen."
  ),
  'generation.jobs.list': call(
    z
      .object({
        channelId: id.optional(),
        states: z.array(jobStateSchema).optional(),
        limit: z.number().int().min(1).max(1000).default(200)
      })
      .strict(),
    z.object({ jobs: z.array(jobSchema) }),
    'Jobs, newest first.'
  ),
  'generation.jobs.cancel': call(z.object({ id }).strict(), jobSchema, 'Cancel a job (its pending shot is removed).'),
  'generation.jobs.retry': call(
    z.object({ id }).strict(),
    jobSchema,
    'Run a failed or canceled job again from its last finished step.'
  ),
  'generation.backends.get': call(
    z.object({ channelId: id }).strict(),
    z.object({
      settings: backendSettingsSchema,
      hfToken: z.string().nullable(),
      falKey: z.string().nullable(),
      comfyuiToken: z.string().nullable().optional(),
      /** Every backend kind's key by its field (BACKEND_KEYS), masked. */
      keys: z.record(z.string(), z.string().nullable()).optional()
    }),
    "A channel's backends per step (the HF token, fal key, ComfyUI token and the other kinds' keys masked)."
  ),
  'generation.backends.set': call(
    z
      .object({
        channelId: id,
        settings: backendSettingsSchema.partial().optional(),
        /** Write-only; "" removes it. */
        hfToken: z.string().max(500).optional(),
        /** Write-only; "" removes it. */
        falKey: z.string().max(500).optional(),
        /** Write-only; "" removes it. Sent only to ComfyUI servers marked "send token", over https or to this machine. */
        comfyuiToken: z.string().max(2000).optional(),
        /** Write-only keys of the other kinds by field (BACKEND_KEYS, e.g. runpodKey); "" removes one. */
        keys: z.record(z.string().max(64), z.string().max(2000)).optional()
      })
      .strict(),
    z.object({
      settings: backendSettingsSchema,
      hfToken: z.string().nullable(),
      falKey: z.string().nullable(),
      comfyuiToken: z.string().nullable().optional(),
      keys: z.record(z.string(), z.string().nullable()).optional()
    }),
    "Change a channel's backends; only the fields given change."
  ),
  'generation.backends.test': call(
    z.object({ channelId: id, step: stepNameSchema.optional() }).strict(),
    z.object({
      results: z.array(
        z.object({
          step: z.string(),
          /** The backend kind tested (gradio, hf-inference, fal, offline). */
          kind: z.string().optional(),
          /** What was tested: a Space, a model at a provider, an endpoint. */
          space: z.string(),
          ok: z.boolean(),
          problem: z.string().nullable(),
          message: z.string(),
          endpoints: z.array(z.string()),
          parameters: z.array(
            z.object({ name: z.string(), type: z.string(), component: z.string(), hasDefault: z.boolean() })
          )
        })
      )
    }),
    'Connect to every configured backend (Spaces, Inference Providers, fal) and say, in plain words, what does not match.'
  ),
  'generation.comfyui.status': call(
    z.object({ channelId: id }).strict(),
    z.object({ endpoints: z.array(comfyEndpointStatusSchema) }),
    "Each ComfyUI server of the channel's pool as the workers see it: up/down, jobs running, last error, next probe."
  ),
  'generation.takes.origin': call(
    z.object({ shotId: id }).strict(),
    z.object({ origins: z.array(takeOriginSchema) }),
    'Where each take of a shot was made: backend, workflow, server, and whether it continued from the previous shot.'
  ),
  'generation.llm.get': call(
    z.object({}).strict(),
    z.object({ baseUrl: z.string(), model: z.string(), apiKey: z.string().nullable(), enabled: z.boolean() }),
    'The LLM writer settings (key masked).'
  ),
  'generation.llm.set': call(
    z
      .object({
        baseUrl: llmUrlSchema.optional(),
        model: z.string().trim().min(1).max(200).optional(),
        /** Write-only; "" removes it. */
        apiKey: z.string().max(500).optional(),
        enabled: z.boolean().optional()
      })
      .strict(),
    z.object({ baseUrl: z.string(), model: z.string(), apiKey: z.string().nullable(), enabled: z.boolean() }),
    'Change the LLM writer (OpenAI, or a local Ollama / llama.cpp / LM Studio server).'
  ),
  'generation.autopilot.get': call(
    z.object({ channelId: id }).strict(),
    autopilotSchema,
    "A channel's autopilot and how much material is ready ahead of the air."
  ),
  'generation.autopilot.set': call(
    z
      .object({
        channelId: id,
        enabled: z.boolean().optional(),
        minutesAhead: z
          .number()
          .min(0.1)
          .max(24 * 60)
          .optional(),
        shotsPerSequence: z.number().int().min(1).max(20).optional(),
        theme: z.string().trim().max(2000).optional(),
        reviewPolicy: z.enum(['auto', 'manual']).optional()
      })
      .strict(),
    autopilotSchema,
    'Turn the autopilot on or off and set how far ahead it keeps the channel filled.'
  )
}

export const generationEvents = {
  /** Every change of a job: state, step, progress, queue position, retry. */
  'generation.job': z.object({
    jobId: id,
    channelId: id,
    shotId: z.number().int().nullable(),
    sequenceId: z.number().int().nullable(),
    kind: z.enum(['shot', 'music']),
    state: jobStateSchema,
    step: z.string().nullable(),
    percent: z.number(),
    queuePosition: z.number().int().nullable(),
    etaSeconds: z.number().int().nullable(),
    error: z.string().nullable(),
    attempts: z.number().int(),
    runsOn: z.string().nullable().optional(),
    endpoint: z.string().nullable().optional()
  })
}
