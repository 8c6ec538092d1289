import { randomUUID } from 'node:crypto'
import { extname, join } from 'node:path'
import { ApiError, createFalClient, type FalClient, type QueueStatus } from '@fal-ai/client'
import type { FalConfig, ModelParams } from '../../../shared/contract/generation'
import { modelPreset } from '../../../shared/backend-presets'
import { GenerationError, permanent, transient } from '../errors'
import { classifyNetworkError, classifyProviderAnswer } from '../provider-errors'
import { policedFetch, tokenDecision, type TokenRoute } from '../token-policy'
import { STOP_SHUTDOWN, type StepContext } from '../types'
import { saveBounded } from '../download'

/**
 * fal through @fal-ai/client's queue API: submit once, keep the request id on the
 * job row (ctx.onRemoteId) before anything else, poll the status (queue position
 * into the job's progress), fetch the result, download the file. A step that
 * finds a request id from before a crash or restart polls it instead of submitting
 * again, so a shot is never paid for twice. Cancel cancels at fal.
 */
export interface FalTarget {
  config: FalConfig
  key: string | undefined
}

export const FAL_HOST = 'https://queue.fal.run'
const SUBMITTING = 'submitting:'
const SERVICE = 'fal'
const TOKEN_HELP =
  'Paste a key from fal.ai/dashboard/keys in Settings → Backends (or `webtv backends set --fal-key-stdin`).'
const BILLING_HELP = 'Add credit at fal.ai/dashboard/billing.'

export function falRoute(config: FalConfig): TokenRoute {
  return { service: 'fal', allowCustomHost: config.keyToGateway === true }
}

/** fal's hosts, or the user's gateway in their place (same paths). */
export function falRewrite(config: FalConfig): ((url: string) => string) | undefined {
  if (!config.gateway) return undefined
  const gw = new URL(config.gateway).origin
  return (url) => url.replace(/^https:\/\/(?:[a-z0-9-]+\.)*fal\.(?:run|ai)(?=\/|$)/i, gw)
}

/** Where this backend's requests go, for labels and the jobs list. */
export function falWhere(config: FalConfig): string {
  return `fal · ${config.endpoint}${config.gateway ? ` via ${new URL(config.gateway).host}` : ''}`
}

/** Refuse before submitting when the key may not go where the requests go. */
function checkKey(target: FalTarget): string {
  if (!target.key) throw permanent(`No fal key is set. ${TOKEN_HELP}`)
  const to = falRewrite(target.config)?.(FAL_HOST) ?? FAL_HOST
  const d = tokenDecision(to, falRoute(target.config))
  if (!d.send) throw permanent(d.reason)
  return target.key
}

export function falClient(target: FalTarget): FalClient {
  const key = checkKey(target)
  const rewrite = falRewrite(target.config)
  return createFalClient({
    credentials: () => key,
    suppressLocalCredentialsWarning: true,
    // Every request the client makes goes through the token policy (after the gateway rewrite).
    fetch: policedFetch(falRoute(target.config)),
    requestMiddleware: async (req) => (rewrite ? { ...req, url: rewrite(req.url) } : req)
  })
}

const DEFAULT_WIRE: Record<Exclude<keyof ModelParams, 'extra'>, string> = {
  frames: 'num_frames',
  fps: 'frames_per_second',
  steps: 'num_inference_steps',
  guidance: 'guidance_scale',
  seed: 'seed',
  negativePrompt: 'negative_prompt',
  resolution: 'resolution',
  seconds: 'seconds_total'
}

/** The model's input from our parameter names (the preset says where a model names one differently). */
export function falInput(
  config: FalConfig,
  values: { prompt: string; seed: number; durationSeconds?: number | undefined }
): Record<string, unknown> {
  const preset = modelPreset(config.preset)
  const wire = { ...DEFAULT_WIRE, ...(preset?.wire ?? {}) }
  const p = config.params
  const input: Record<string, unknown> = { prompt: values.prompt, [wire.seed]: p.seed ?? values.seed }
  const put = (k: Exclude<keyof ModelParams, 'extra' | 'seed'>, v: unknown): void => {
    if (v !== undefined && v !== '') input[wire[k]] = v
  }
  put('frames', p.frames)
  put('fps', p.fps)
  put('steps', p.steps)
  put('guidance', p.guidance)
  put('negativePrompt', p.negativePrompt)
  put('resolution', p.resolution)
  if (values.durationSeconds !== undefined) put('seconds', Math.min(p.seconds ?? 47, Math.ceil(values.durationSeconds)))
  return { ...input, ...(p.extra ?? {}) }
}

function answerOf(err: unknown): GenerationError {
  if (err instanceof GenerationError) return err
  if (err instanceof ApiError) {
    const body = err.body as { detail?: unknown; message?: unknown } | undefined
    const detail =
      typeof body?.detail === 'string'
        ? body.detail
        : Array.isArray(body?.detail)
          ? (body.detail as Array<{ loc?: unknown[]; msg?: string }>)
              .map((d) => `${(d.loc ?? []).slice(1).join('.')}: ${d.msg ?? ''}`)
              .join('; ')
          : typeof body?.message === 'string'
            ? body.message
            : err.message
    return classifyProviderAnswer({
      service: SERVICE,
      status: err.status,
      detail,
      tokenHelp: TOKEN_HELP,
      billingHelp: BILLING_HELP
    })
  }
  return classifyNetworkError(SERVICE, err)
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms)
    function done(): void {
      clearTimeout(t)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })
}

/** Best-effort cancel at fal (a cancel that fails leaves at most one paid request). */
export async function cancelFal(target: FalTarget, requestId: string): Promise<void> {
  if (requestId.startsWith(SUBMITTING)) return
  try {
    await falClient(target).queue.cancel(target.config.endpoint, {
      requestId,
      abortSignal: AbortSignal.timeout(10_000)
    })
  } catch {
    /* already done, or unreachable: nothing more to do */
  }
}

function fileUrlOf(data: unknown): { url: string; name?: string | undefined } | undefined {
  if (!data || typeof data !== 'object') return undefined
  const d = data as Record<string, unknown>
  for (const key of ['video', 'audio_file', 'audio', 'file']) {
    const f = d[key] as { url?: unknown; file_name?: unknown } | undefined
    if (f && typeof f.url === 'string')
      return { url: f.url, name: typeof f.file_name === 'string' ? f.file_name : undefined }
  }
  return undefined
}

export interface FalRunOptions {
  input: Record<string, unknown>
  timeoutMs: number
  outputName: string
  /** The largest output accepted (default: a clip of unknown length, clipBudgetBytes()). */
  maxBytes?: number | undefined
}

export async function runOnFal(target: FalTarget, opts: FalRunOptions, ctx: StepContext): Promise<string> {
  const { config } = target
  const client = falClient(target)
  const endpoint = config.endpoint
  let requestId = ctx.remoteId
  if (requestId?.startsWith(SUBMITTING)) {
    // We stopped between sending and hearing back: fal may have queued (and will bill) it. Never send it blindly again.
    throw permanent(
      'The studio stopped while this shot was being sent to fal, so fal may already be making it (see fal.ai/dashboard/requests). ' +
        'It was not sent again, to avoid paying twice. Retry the job to send it anew.'
    )
  }
  if (!requestId) {
    if (ctx.signal.aborted) throw new GenerationError('canceled', 'Canceled.')
    ctx.onRemoteId?.(`${SUBMITTING}${randomUUID()}`)
    let queued: QueueStatus
    try {
      // Not tied to ctx.signal: a submit in flight is allowed to finish so its request id is kept (a shutdown
      // then resumes it; a cancel cancels it at fal) rather than leaving a paid request nobody follows.
      queued = await client.queue.submit(endpoint, { input: opts.input })
    } catch (err) {
      // fal answered (or could not be reached): nothing is queued, the marker goes.
      ctx.onRemoteId?.(null)
      throw answerOf(err)
    }
    requestId = queued.request_id
    ctx.onRemoteId?.(requestId)
    if (queued.status === 'IN_QUEUE')
      ctx.onProgress({ queuePosition: (queued.queue_position ?? 0) + 1, message: 'in fal’s queue' })
  }
  const id = requestId
  const deadline = Date.now() + opts.timeoutMs
  const pollMs = config.pollMs ?? 1000
  const stopped = async (): Promise<never> => {
    if (ctx.signal.reason === STOP_SHUTDOWN)
      throw new GenerationError('canceled', 'Stopped; resumes on the next start.')
    await cancelFal(target, id)
    ctx.onRemoteId?.(null)
    throw new GenerationError('canceled', 'Canceled.')
  }
  for (;;) {
    if (ctx.signal.aborted) return stopped()
    if (Date.now() > deadline) {
      await cancelFal(target, id)
      ctx.onRemoteId?.(null)
      throw transient(`fal did not finish within ${Math.round(opts.timeoutMs / 1000)} s; canceled there, will retry.`)
    }
    let status: QueueStatus
    try {
      status = await client.queue.status(endpoint, { requestId: id, abortSignal: ctx.signal })
    } catch (err) {
      if (ctx.signal.aborted) return stopped()
      const g = answerOf(err)
      // fal forgot the request (expired, or another account's): following it is hopeless; a retry submits anew.
      if (err instanceof ApiError && err.status === 404) ctx.onRemoteId?.(null)
      throw g
    }
    if (status.status === 'COMPLETED') break
    if (status.status === 'IN_QUEUE')
      ctx.onProgress({ queuePosition: (status.queue_position ?? 0) + 1, message: 'in fal’s queue' })
    else ctx.onProgress({ message: 'running at fal' })
    await sleep(pollMs, ctx.signal)
  }
  let data: unknown
  try {
    data = (await client.queue.result(endpoint, { requestId: id, abortSignal: ctx.signal })).data
  } catch (err) {
    if (ctx.signal.aborted) return stopped()
    // The request ended in an error at fal: it is over; a retry (when the error allows one) submits anew.
    if (err instanceof ApiError) ctx.onRemoteId?.(null)
    throw answerOf(err)
  }
  const file = fileUrlOf(data)
  if (!file) {
    ctx.onRemoteId?.(null)
    throw permanent(
      `fal's answer for ${endpoint} has no video or audio file (${JSON.stringify(data)?.slice(0, 160)}). Is this a text-to-video / text-to-audio endpoint?`
    )
  }
  ctx.onProgress({ percent: 100, message: 'downloading' })
  return download(
    file.url,
    join(ctx.workDir, opts.outputName + (extname(new URL(file.url).pathname) || extname(file.name ?? '') || '.mp4')),
    ctx.signal,
    opts.maxBytes
  )
}

/** Output files are public URLs (fal's CDN): fetched without any key. */
export async function download(url: string, out: string, signal: AbortSignal, maxBytes?: number): Promise<string> {
  let res: Response
  try {
    res = await fetch(url, { signal })
  } catch (err) {
    if (signal.aborted) throw new GenerationError('canceled', 'Canceled.')
    throw transient(`Downloading the result failed (${(err as Error).message}); will retry.`)
  }
  if (!res.ok || !res.body) throw transient(`Downloading the result failed (HTTP ${res.status}); will retry.`)
  return saveBounded(res, out, { server: `fal (${new URL(url).host})`, signal, ...(maxBytes ? { maxBytes } : {}) })
}
