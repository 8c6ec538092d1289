import { randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { basename, extname, join } from 'node:path'
import type { RunpodConfig } from '../../../shared/contract/generation'
import { GenerationError, permanent, transient } from '../errors'
import { classifyNetworkError, classifyProviderAnswer, retryAfterSeconds } from '../provider-errors'
import { isLoopbackHost, policedFetch, tokenDecision, type TokenRoute, type TokenServiceSpec } from '../token-policy'
import { STOP_SHUTDOWN, type StepContext } from '../types'
import { fillWorkflow, type FillValues, type ResolvedWorkflow } from '../comfyui/workflows'
import { boundsFor, saveBase64, saveUrl } from './download'

/**
 * RunPod Serverless running worker-comfyui: `POST /v2/<endpoint>/run` with the
 * API-format workflow (and a start image), poll `GET /v2/<endpoint>/status/<id>`,
 * `POST /v2/<endpoint>/cancel/<id>`. The job id goes on the job row (ctx.onRemoteId)
 * before anything else, since RunPod keeps a finished result only ~30 minutes: a
 * restart polls that id instead of submitting (and paying) again.
 */
export const RUNPOD_API = 'https://api.runpod.ai'
/** The key goes to RunPod's API host only (or, for tests and development, to this machine). */
export const RUNPOD_SERVICE: TokenServiceSpec = { what: 'RunPod API key', domains: ['api.runpod.ai'] }
const SERVICE = 'RunPod'
const SUBMITTING = 'submitting:'
export const TOKEN_HELP =
  'Paste a key from runpod.io → Settings → API Keys in Settings → Backends (or `webtv backends set --runpod-key-stdin`).'
const BILLING_HELP = 'Add credit at runpod.io → Billing.'

/** A base URL other than RunPod's gets the key only when it is this machine (tests, a local development proxy). */
export function runpodRoute(config: RunpodConfig): TokenRoute {
  return {
    service: RUNPOD_SERVICE,
    allowCustomHost: config.baseUrl ? isLoopbackHost(new URL(config.baseUrl).hostname) : false
  }
}

export function runpodBase(config: RunpodConfig): string {
  return (config.baseUrl ?? RUNPOD_API).replace(/\/$/, '')
}

export function runpodWhere(config: RunpodConfig): string {
  return `RunPod · ${config.endpointId}${config.baseUrl ? ` via ${new URL(config.baseUrl).host}` : ''}`
}

export interface RunpodTarget {
  config: RunpodConfig
  key: string | undefined
}

export interface RunpodRun {
  workflow: ResolvedWorkflow
  values: Omit<FillValues, 'startImage'>
  /** A local PNG sent with the job as the start image (image-to-video). */
  startImage?: string | undefined
  /** Seconds of output asked for (bounds the download). */
  seconds: number
  outputName: string
  timeoutMs: number
}

interface StatusBody {
  id?: string
  status?: string
  error?: unknown
  output?: { images?: Array<{ filename?: string; type?: string; data?: string }>; errors?: unknown } | null
}

function api(target: RunpodTarget): (path: string, init?: RequestInit) => Promise<Response> {
  const base = runpodBase(target.config)
  const f = policedFetch(runpodRoute(target.config))
  return (path, init = {}) =>
    f(`${base}/v2/${encodeURIComponent(target.config.endpointId)}${path}`, {
      ...init,
      headers: { ...(init.body ? { 'content-type': 'application/json' } : {}), authorization: `Bearer ${target.key}` }
    })
}

function keyOf(target: RunpodTarget): string {
  if (!target.key) throw permanent(`No RunPod API key is set. ${TOKEN_HELP}`)
  const d = tokenDecision(`${runpodBase(target.config)}/v2/`, runpodRoute(target.config))
  if (!d.send) throw permanent(d.reason)
  return target.key
}

async function answer(res: Response): Promise<GenerationError> {
  const text = await res.text().catch(() => '')
  let detail = text.slice(0, 300)
  try {
    const j = JSON.parse(text) as { error?: unknown; message?: unknown }
    detail = String(j.error ?? j.message ?? detail)
  } catch {
    /* plain text */
  }
  return classifyProviderAnswer({
    service: SERVICE,
    status: res.status,
    detail: detail || undefined,
    retryAfterSeconds: retryAfterSeconds(res.headers.get('retry-after')),
    tokenHelp: TOKEN_HELP,
    billingHelp: BILLING_HELP
  })
}

/** Best-effort cancel at RunPod (a cancel that fails leaves at most one paid job). */
export async function cancelRunpod(target: RunpodTarget, jobId: string): Promise<void> {
  if (jobId.startsWith(SUBMITTING) || !target.key) return
  try {
    await api(target)(`/cancel/${encodeURIComponent(jobId)}`, { method: 'POST', signal: AbortSignal.timeout(10_000) })
  } catch {
    /* already done, or unreachable: nothing more to do */
  }
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(done, ms)
    function done(): void {
      clearTimeout(t)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })

async function submit(target: RunpodTarget, run: RunpodRun, ctx: StepContext): Promise<string> {
  const images: Array<{ name: string; image: string }> = []
  if (run.startImage && run.workflow.takesImage) {
    images.push({
      name: `webtv-${basename(run.startImage)}`,
      image: (await readFile(run.startImage)).toString('base64')
    })
  }
  const workflow = fillWorkflow(run.workflow, { ...run.values, startImage: images[0]?.name })
  if (ctx.signal.aborted) throw new GenerationError('canceled', 'Canceled.')
  // The marker goes on the row first: a stop before RunPod answers is never followed by a blind second submit.
  ctx.onRemoteId?.(`${SUBMITTING}${randomUUID()}`)
  let res: Response
  try {
    // Not tied to ctx.signal: a submit in flight may finish so its job id is kept (a shutdown resumes it; a cancel cancels it).
    res = await api(target)('/run', {
      method: 'POST',
      body: JSON.stringify({ input: { workflow, ...(images.length > 0 ? { images } : {}) } }),
      signal: AbortSignal.timeout(60_000)
    })
  } catch (err) {
    ctx.onRemoteId?.(null)
    throw classifyNetworkError(SERVICE, err)
  }
  if (!res.ok) {
    ctx.onRemoteId?.(null)
    throw await answer(res)
  }
  const body = (await res.json().catch(() => ({}))) as StatusBody
  if (!body.id) {
    ctx.onRemoteId?.(null)
    throw transient(`RunPod accepted the job but named no job id (${JSON.stringify(body).slice(0, 120)}); will retry.`)
  }
  ctx.onRemoteId?.(body.id)
  return body.id
}

/** Run one workflow on a RunPod endpoint (or follow the job a previous run left) and return the downloaded file. */
export async function runOnRunpod(target: RunpodTarget, run: RunpodRun, ctx: StepContext): Promise<string> {
  keyOf(target)
  if (ctx.remoteId?.startsWith(SUBMITTING)) {
    ctx.onRemoteId?.(null)
    throw permanent(
      'The studio stopped while this shot was being sent to RunPod, so RunPod may already be making it (see runpod.io → Serverless → the endpoint → Requests). ' +
        'It was not sent again, to avoid paying twice. Retry the job to send it anew.'
    )
  }
  const id = ctx.remoteId ?? (await submit(target, run, ctx))
  const call = api(target)
  const deadline = Date.now() + run.timeoutMs
  const pollMs = target.config.pollMs ?? 2000
  const over = async (err: GenerationError, cancel = false): Promise<never> => {
    if (cancel) await cancelRunpod(target, id)
    ctx.onRemoteId?.(null)
    throw err
  }
  const stopped = (): Promise<never> =>
    ctx.signal.reason === STOP_SHUTDOWN
      ? Promise.reject(new GenerationError('canceled', 'Stopped; resumes on the next start.'))
      : over(new GenerationError('canceled', 'Canceled.'), true)
  let body: StatusBody
  for (;;) {
    if (ctx.signal.aborted) return stopped()
    if (Date.now() > deadline)
      return over(
        transient(`RunPod did not finish within ${Math.round(run.timeoutMs / 1000)} s; canceled there, will retry.`),
        true
      )
    let res: Response
    try {
      res = await call(`/status/${encodeURIComponent(id)}`, {
        signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(30_000)])
      })
    } catch (err) {
      if (ctx.signal.aborted) return stopped()
      throw classifyNetworkError(SERVICE, err)
    }
    if (res.status === 404) return over(expired(id))
    if (!res.ok) {
      const g = await answer(res)
      // A refused key or no credit: the job there is not followed further; a retry submits anew.
      if (g.kind === 'permanent') return over(g)
      throw g
    }
    body = (await res.json().catch(() => ({}))) as StatusBody
    if (!body.status) return over(expired(id))
    if (body.status === 'COMPLETED') break
    if (body.status === 'IN_QUEUE') ctx.onProgress({ message: 'in RunPod’s queue (a worker may be starting)' })
    else if (body.status === 'IN_PROGRESS') ctx.onProgress({ message: 'running at RunPod' })
    else if (body.status === 'FAILED') {
      const detail = typeof body.error === 'string' ? body.error : JSON.stringify(body.error ?? body.output ?? '')
      return over(
        /out of memory|cuda oom/i.test(detail)
          ? transient(`RunPod ran out of GPU memory (${detail.slice(0, 300)}); will retry.`)
          : permanent(
              `The workflow failed on RunPod: ${detail.slice(0, 400)}. Check the workflow and the models on the endpoint's image.`
            )
      )
    } else if (body.status === 'CANCELLED')
      return over(transient('The job was canceled at RunPod (not by this studio); will retry.'))
    else if (body.status === 'TIMED_OUT')
      return over(transient('The job timed out at RunPod (the endpoint’s execution timeout); will retry.'))
    await sleep(pollMs, ctx.signal)
  }
  const file = body.output?.images?.find((i) => typeof i.data === 'string' && i.data.length > 0)
  if (!file?.data)
    return over(
      permanent(
        `RunPod finished job ${id} but returned no file (${JSON.stringify(body.output ?? null).slice(0, 160)}). Does the workflow end in a save node?`
      )
    )
  ctx.onProgress({ percent: 100, message: 'downloading' })
  const ext = extname(file.filename ?? '') || (run.outputName === 'music' ? '.mp3' : '.mp4')
  const out = join(ctx.workDir, `${run.outputName}${ext}`)
  const bounds = boundsFor(run.seconds)
  const saved =
    file.type === 's3_url'
      ? await saveUrl(file.data, out, bounds, ctx.signal)
      : await saveBase64(file.data, out, bounds)
  ctx.onRemoteId?.(null)
  return saved
}

function expired(id: string): GenerationError {
  return transient(
    `RunPod no longer has job ${id}: a finished result is kept only about 30 minutes (or the job belongs to another endpoint). It is sent again on the next try.`
  )
}

/** Test connection: the key is accepted and the endpoint exists (its health; nothing is run, nothing billed). */
export async function testRunpod(
  target: RunpodTarget
): Promise<{ ok: boolean; problem: string | null; message: string }> {
  if (!target.key) return { ok: false, problem: 'no-key', message: `No RunPod API key is set. ${TOKEN_HELP}` }
  if (!target.config.endpointId)
    return {
      ok: false,
      problem: 'not-found',
      message: 'No RunPod endpoint id is set: copy it from runpod.io → Serverless.'
    }
  const d = tokenDecision(`${runpodBase(target.config)}/v2/`, runpodRoute(target.config))
  if (!d.send) return { ok: false, problem: 'refused-host', message: d.reason }
  try {
    const res = await api(target)('/health', { signal: AbortSignal.timeout(15_000) })
    if (res.status === 404)
      return {
        ok: false,
        problem: 'not-found',
        message: `RunPod has no endpoint "${target.config.endpointId}" for this key. Copy the id from runpod.io → Serverless.`
      }
    if (!res.ok) {
      const g = await answer(res)
      const problem =
        res.status === 401 || res.status === 403 ? 'unauthorized' : res.status === 402 ? 'billing' : 'unreachable'
      return { ok: false, problem, message: g.message }
    }
    const h = (await res.json().catch(() => ({}))) as { workers?: { idle?: number; running?: number; ready?: number } }
    const idle = h.workers?.idle ?? 0
    const running = h.workers?.running ?? 0
    return {
      ok: true,
      problem: null,
      message: `Key accepted by RunPod; endpoint ${target.config.endpointId} has ${idle} idle and ${running} running workers${idle + running === 0 ? ' (scaled to zero: the first job starts one, which takes a while)' : ''}.`
    }
  } catch (err) {
    const g = classifyNetworkError(SERVICE, err)
    return { ok: false, problem: g.kind === 'permanent' ? 'refused-host' : 'unreachable', message: g.message }
  }
}
