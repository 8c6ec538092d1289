import { readFile } from 'node:fs/promises'
import { extname, join } from 'node:path'
import { Client } from '@gradio/client'
import type { SpaceStatus, Status } from '@gradio/client'
import { redact } from '../../secrets'
import { GenerationError, permanent, quota, transient } from '../errors'
import { mayAttachToken, tokenDecision } from '../token-policy'
import type { StepContext } from '../types'
import { saveBounded } from '../download'
import {
  fillTemplate,
  placeholdersIn,
  type GradioMapping,
  type Placeholder,
  type StepName,
  type TemplateValues,
  STEP_VALUES
} from './presets'

export interface SpaceTarget {
  /** A Space id ("owner/name") or the app's URL. */
  space: string
  token?: string | undefined
  /** The user's switch for this backend: a Space on a host other than Hugging Face's gets the token too. */
  tokenToCustomHost?: boolean | undefined
}

/** The token for a request to `url`, when the token policy lets it go there. */
export function tokenFor(target: SpaceTarget, url: string): string | undefined {
  if (!target.token) return undefined
  return mayAttachToken(url, { service: 'huggingface', allowCustomHost: target.tokenToCustomHost })
    ? target.token
    : undefined
}

/** Where the client sends the token first: the Space's URL, or (for an "owner/name" id) huggingface.co, which resolves it. */
function connectUrl(space: string): string {
  return /^https?:\/\//.test(space) ? space : `https://huggingface.co/api/spaces/${space}`
}

export type SpaceProblem =
  | 'unreachable'
  | 'unauthorized'
  | 'gradio3'
  | 'sleeping'
  | 'paused'
  | 'no-api-info'
  | 'missing-endpoint'
  | 'wrong-parameters'

export interface SpaceTestResult {
  ok: boolean
  problem?: SpaceProblem | undefined
  /** Plain words for the user: what is wrong and what to do. */
  message: string
  gradioVersion?: string | undefined
  endpoints: string[]
  /** The endpoint's parameters as the Space describes them. */
  parameters: Array<{ name: string; type: string; component: string; hasDefault: boolean }>
}

const QUEUE_FULL = /currently busy/i
const ZEROGPU = /exceeded your (?:free )?gpu quota|zerogpu quota|gpu quota exceeded/i
const BROKEN = /connection errored out/i
const UNAUTHORIZED_HINT = /needs a Hugging Face token/
const UNAUTHORIZED = /401|not authori[sz]ed|login credentials|invalid credentials|valid hugging face token/i
const LEGACY = /legacy version of gradio|3\.x or earlier|no api information/i
const CONFIG_STATUS = /could not resolve app config.*received status (\d{3})/i
const UNREACHABLE = /fetch failed|econnrefused|enotfound|eai_again|econnreset|socket hang up|network/i

function messageOf(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: unknown }).cause
    const causeText = cause instanceof Error ? ` (${(cause as NodeJS.ErrnoException).code ?? cause.message})` : ''
    return err.message + causeText
  }
  if (err && typeof err === 'object' && 'message' in err) return String((err as { message: unknown }).message)
  return String(err)
}

/** Turn anything the client threw into a transient or permanent failure that says what to do. */
export function classifySpaceError(space: string, err: unknown, spaceStatus?: SpaceStatus): GenerationError {
  if (spaceStatus?.status === 'paused') {
    return permanent(
      `The Space ${space} is paused by its owner. Duplicate it to your account (or pick another copy) and point the backend at the copy.`
    )
  }
  if (err instanceof GenerationError) return err
  const msg = messageOf(err)
  const code = (err as { code?: unknown } | null)?.code
  if (code === 'validation_error') {
    return permanent(
      `The Space ${space} rejected the arguments: ${msg}. Run "webtv backends test" to compare the mapping with what the Space expects.`
    )
  }
  if (ZEROGPU.test(msg)) {
    const wait = /try again in (?:(\d+):)?(\d{1,2}):(\d{2})/i.exec(msg)
    const ms = wait ? ((Number(wait[1] ?? 0) * 60 + Number(wait[2])) * 60 + Number(wait[3])) * 1000 : 15 * 60_000
    return quota(
      `The ZeroGPU quota on ${space} is used up for this account (Hugging Face meters GPU time per caller). The job waits ${Math.ceil(ms / 60_000)} min before trying again. ` +
        'To keep a channel on air: use a token of a PRO account (more quota), run a copy of the Space on your own GPU, or switch the step to Inference Providers or fal.',
      ms
    )
  }
  if (QUEUE_FULL.test(msg)) return transient(`The Space ${space} is busy (its queue is full); will retry.`)
  if (LEGACY.test(msg)) {
    return permanent(
      `The Space ${space} runs Gradio 3, which this studio's client cannot talk to. Duplicate it and run the copy on Gradio 4 or newer, then point the backend at the copy.`
    )
  }
  if (UNAUTHORIZED.test(msg)) {
    return permanent(
      `The Space ${space} needs a Hugging Face token (it answered 401). Set one with "webtv backends set --hf-token" or in Settings → Backends.`
    )
  }
  const status = CONFIG_STATUS.exec(msg)
  if (status) {
    const n = Number(status[1])
    if (n === 503 || n === 502 || n === 504)
      return transient(`The Space ${space} is asleep or starting (HTTP ${n}); will retry.`)
    if (n >= 500) return transient(`The Space ${space} failed with HTTP ${n}; will retry.`)
    if (n === 404)
      return permanent(`Nothing answers as a Gradio app at ${space} (HTTP 404). Check the Space id or URL.`)
    return permanent(`The Space ${space} answered HTTP ${n} for its configuration. Check the Space id or URL.`)
  }
  if (BROKEN.test(msg) || /could not parse server response/i.test(msg))
    return transient(`The connection to ${space} broke; will retry.`)
  if (UNREACHABLE.test(msg))
    return transient(`Could not reach ${space} (${msg}); will retry. Check the URL if this persists.`)
  if (/no endpoint matching/i.test(msg)) return permanent(`${msg} Fix the endpoint in the backend settings.`)
  // Anything the app itself raised (CUDA out of memory, GPU quota…): often passes, so retry within the attempt limit.
  return transient(`The Space ${space} reported an error: ${msg}`)
}

function spaceStatusMessage(space: string, s: SpaceStatus | undefined): GenerationError | undefined {
  if (!s) return undefined
  if (s.status === 'paused') return classifySpaceError(space, new Error('paused'), s)
  if (s.status === 'sleeping' || s.status === 'building' || s.status === 'starting') {
    return transient(`The Space ${space} is ${s.status}; will retry.`)
  }
  return undefined
}

interface Connected {
  client: Client
  spaceStatus: SpaceStatus | undefined
}

async function connect(target: SpaceTarget, events: Array<'data' | 'status' | 'log'>): Promise<Connected> {
  let spaceStatus: SpaceStatus | undefined
  try {
    const client = await Client.connect(target.space, {
      token: tokenFor(target, connectUrl(target.space)) as `hf_${string}` | undefined,
      events,
      status_callback: (s) => {
        spaceStatus = s
      }
    })
    return { client, spaceStatus }
  } catch (err) {
    throw withheld(
      target,
      spaceStatusMessage(target.space, spaceStatus) ?? classifySpaceError(target.space, err, spaceStatus)
    )
  }
}

/** A 401 from a Space we kept the token from (token-host policy): say why, and which switch sends it. */
function withheld(target: SpaceTarget, e: GenerationError): GenerationError {
  if (!target.token || !UNAUTHORIZED_HINT.test(e.message) || tokenFor(target, connectUrl(target.space))) return e
  const d = tokenDecision(connectUrl(target.space), {
    service: 'huggingface',
    allowCustomHost: target.tokenToCustomHost
  })
  return permanent(
    `The Space ${target.space} answered 401: it needs a token, and yours was not sent. ${d.send ? '' : d.reason}`
  )
}

/** What a sleeping or paused Space answers on its own URL (the HF proxy's page), read without the client. */
async function probePause(target: SpaceTarget): Promise<'paused' | 'sleeping' | undefined> {
  if (!/^https?:\/\//.test(target.space)) return undefined
  try {
    const url = new URL('config', target.space.replace(/\/?$/, '/'))
    const token = tokenFor(target, url.toString())
    const res = await fetch(url, {
      headers: token ? { Authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(10_000)
    })
    if (res.status < 500) return undefined
    const text = (await res.text()).toLowerCase()
    if (text.includes('paused')) return 'paused'
    if (/sleep|starting|building|waking/.test(text)) return 'sleeping'
  } catch {
    /* unreachable: the caller's own error says so */
  }
  return undefined
}

interface EndpointParam {
  parameter_name?: string | null
  label?: string
  type?: string
  component?: string
  parameter_has_default?: boolean
  hidden?: boolean
}

function describeParams(params: EndpointParam[]): SpaceTestResult['parameters'] {
  return params
    .filter((p) => !p.hidden)
    .map((p, i) => ({
      name: p.parameter_name ?? p.label ?? `arg${i}`,
      type: typeof p.type === 'string' && p.type ? p.type : 'any',
      component: p.component ?? '?',
      hasDefault: p.parameter_has_default === true
    }))
}

const FILE_COMPONENTS = /video|file|audio|image|upload/i

/** Compare a mapping with the endpoint's declared parameters; undefined when they fit. */
export function checkMapping(
  mapping: GradioMapping,
  params: SpaceTestResult['parameters'],
  step: StepName
): string | undefined {
  const sig = params.map((p) => `${p.name}: ${p.component === '?' ? p.type : p.component}`).join(', ')
  const used = placeholdersIn(mapping.args)
  const allowed = new Set<Placeholder>(STEP_VALUES[step])
  for (const p of used) {
    if (!allowed.has(p))
      return `The ${step} step cannot fill {${p}}; it provides ${[...allowed].map((a) => `{${a}}`).join(', ')}.`
  }
  const check = (value: unknown, param: SpaceTestResult['parameters'][number]): string | undefined => {
    if (value === '{video}' && !FILE_COMPONENTS.test(param.component) && param.type !== 'any') {
      return `{video} goes to "${param.name}", which is a ${param.component}, not a file input.`
    }
    if ((value === '{seed}' || value === '{duration}' || typeof value === 'number') && param.type === 'string') {
      return `"${param.name}" expects text, but the mapping sends a number.`
    }
    if (value === '{prompt}' && (param.type === 'number' || param.type === 'boolean')) {
      return `{prompt} goes to "${param.name}", which expects a ${param.type}.`
    }
    return undefined
  }
  if (Array.isArray(mapping.args)) {
    if (mapping.args.length > params.length) {
      return `${mapping.endpoint} takes ${params.length} values (${sig}) but the mapping sends ${mapping.args.length}.`
    }
    for (let i = mapping.args.length; i < params.length; i++) {
      if (!params[i]!.hasDefault)
        return `${mapping.endpoint} takes ${params.length} values (${sig}); the mapping sends ${mapping.args.length} and "${params[i]!.name}" has no default.`
    }
    for (let i = 0; i < mapping.args.length; i++) {
      const problem = check(mapping.args[i], params[i]!)
      if (problem) return `${problem} The endpoint takes (${sig}).`
    }
    return undefined
  }
  for (const [key, value] of Object.entries(mapping.args)) {
    const param = params.find((p) => p.name === key)
    if (!param) return `${mapping.endpoint} has no parameter "${key}"; it takes (${sig}).`
    const problem = check(value, param)
    if (problem) return `${problem} The endpoint takes (${sig}).`
  }
  const missing = params.find((p) => !p.hasDefault && !(p.name in mapping.args))
  if (missing) return `${mapping.endpoint} needs "${missing.name}", which the mapping does not send. It takes (${sig}).`
  return undefined
}

/**
 * Test connection: connect with the real client, read the API description and
 * say in plain words what doesn't fit. Never throws; never echoes the token.
 */
export async function testSpace(target: SpaceTarget, mapping: GradioMapping, step: StepName): Promise<SpaceTestResult> {
  const clean = (s: string): string => redact(s, target.token ? [target.token] : [])
  const base = { endpoints: [] as string[], parameters: [] as SpaceTestResult['parameters'] }
  let connected: Connected
  try {
    connected = await connect(target, ['data'])
  } catch (err) {
    const e = err instanceof GenerationError ? err : classifySpaceError(target.space, err)
    const pause = /asleep|starting|HTTP 5\d\d|sleeping|building/.test(e.message) ? await probePause(target) : undefined
    if (pause === 'paused' || /paused/.test(e.message)) {
      return {
        ...base,
        ok: false,
        problem: 'paused',
        message: `The Space ${target.space} is paused by its owner. Duplicate it to your account (or use another copy) and point the backend at the copy.`
      }
    }
    if (pause === 'sleeping' || /asleep|sleeping|starting|building/.test(e.message)) {
      return {
        ...base,
        ok: false,
        problem: 'sleeping',
        message: `The Space ${target.space} is asleep or starting up. Jobs sent to it wait and retry; test again in a minute or two.`
      }
    }
    const problem: SpaceProblem = /token|401/.test(e.message)
      ? 'unauthorized'
      : /Gradio 3/.test(e.message)
        ? 'gradio3'
        : 'unreachable'
    const message =
      problem === 'unreachable'
        ? `Could not reach ${target.space}: ${messageOf(err)}. Check the Space id or URL and your connection.`
        : e.message
    return { ...base, ok: false, problem, message: clean(message) }
  }
  const { client } = connected
  try {
    const config = client.config as (typeof client.config & { version?: string; protocol?: string }) | undefined
    const version = config?.version
    if (!config?.protocol || (version && /^3\./.test(version))) {
      return {
        ...base,
        ok: false,
        problem: 'gradio3',
        gradioVersion: version,
        message: `${target.space} runs Gradio ${version ?? '3'}; this studio's client needs Gradio 4 or newer. Duplicate the Space and run the copy on a newer Gradio, then point the backend at the copy.`
      }
    }
    const info = client.api_info as { named_endpoints?: Record<string, { parameters?: EndpointParam[] }> } | undefined
    if (!info?.named_endpoints) {
      return {
        ...base,
        ok: false,
        problem: 'no-api-info',
        gradioVersion: version,
        message: `${target.space} publishes no API description (its /info page). The Space may hide its API (show_api=False); use a copy that shows it.`
      }
    }
    const endpoints = Object.keys(info.named_endpoints)
    const name = mapping.endpoint.startsWith('/') ? mapping.endpoint : `/${mapping.endpoint}`
    const ep = info.named_endpoints[name]
    if (!ep) {
      return {
        ok: false,
        problem: 'missing-endpoint',
        gradioVersion: version,
        endpoints,
        parameters: [],
        message: `${target.space} has no endpoint ${name}. It offers: ${endpoints.join(', ') || 'none'}. Pick one of those in the mapping.`
      }
    }
    const parameters = describeParams(ep.parameters ?? [])
    const wrong = checkMapping(mapping, parameters, step)
    if (wrong)
      return { ok: false, problem: 'wrong-parameters', gradioVersion: version, endpoints, parameters, message: wrong }
    return {
      ok: true,
      gradioVersion: version,
      endpoints,
      parameters,
      message: `${target.space} ${name} is reachable and matches the mapping.`
    }
  } finally {
    client.close()
  }
}

export interface RunOnSpaceOptions {
  mapping: GradioMapping
  values: TemplateValues
  /** Give up on one call after this long (a timeout counts as transient). */
  timeoutMs: number
  /** Base name of the downloaded output inside ctx.workDir. */
  outputName: string
}

type FileDataLike = { path?: string; url?: string | null; orig_name?: string | null }

function findFile(value: unknown): FileDataLike | undefined {
  if (!value || typeof value !== 'object') return undefined
  const v = value as Record<string, unknown>
  if (typeof v.url === 'string' || typeof v.path === 'string') return v as FileDataLike
  // Gradio 4/5 video outputs: { video: FileData, subtitles }
  if (v.video && typeof v.video === 'object') return findFile(v.video)
  return undefined
}

/**
 * Call one endpoint of a Space with the real client: upload the input file if
 * any, follow the queue (position, ETA, progress), download the output file.
 * Cancels the Space job when the signal aborts.
 */
export async function runOnSpace(target: SpaceTarget, opts: RunOnSpaceOptions, ctx: StepContext): Promise<string> {
  if (ctx.signal.aborted) throw new GenerationError('canceled', 'Canceled.')
  let client: Client
  try {
    client = (await connect(target, ['data', 'status'])).client
  } catch (err) {
    // A paused Space looks like a sleeping one (503) until its page is read; only the paused one is hopeless.
    if (err instanceof GenerationError && /HTTP 503/.test(err.message) && (await probePause(target)) === 'paused') {
      throw classifySpaceError(target.space, err, {
        status: 'paused',
        load_status: 'error',
        message: 'paused',
        detail: 'PAUSED'
      } as SpaceStatus)
    }
    throw err
  }
  const cfg = client.config as { protocol?: string; root?: string } | undefined
  if (!cfg?.protocol) {
    client.close()
    throw classifySpaceError(target.space, new Error('legacy version of Gradio'))
  }
  const timeout = AbortSignal.timeout(opts.timeoutMs)
  const stop = AbortSignal.any([ctx.signal, timeout])
  let job: ReturnType<Client['submit']> | undefined
  const onStop = (): void => {
    void job?.cancel().catch(() => undefined)
    // Ends the event stream so the loop below returns.
    client.close()
    void job?.return?.()
  }
  stop.addEventListener('abort', onStop, { once: true })
  try {
    let values = opts.values
    if (values.video !== undefined) {
      const root = cfg.root ?? target.space
      const bytes = await readFile(String(values.video))
      const up = await client.upload_files(root, [new Blob([bytes])])
      if (up.error || !up.files?.[0]) {
        throw classifySpaceError(
          target.space,
          new Error(`Uploading the clip failed: ${up.error ?? 'no file path returned'}`)
        )
      }
      values = { ...values, video: up.files[0] }
    }
    const args = fillTemplate(opts.mapping.args, values, (serverPath) => ({
      path: serverPath,
      orig_name: 'input.mp4',
      meta: { _type: 'gradio.FileData' }
    }))
    job = client.submit(opts.mapping.endpoint, args)
    let output: unknown[] | undefined
    for await (const msg of job) {
      if (msg.type === 'status') {
        const s = msg as Status & { type: 'status'; code?: string }
        if (s.stage === 'error')
          throw Object.assign(
            new Error(
              typeof s.message === 'string'
                ? s.message
                : s.message
                  ? JSON.stringify(s.message)
                  : 'The Space reported an error.'
            ),
            { code: s.code }
          )
        if (s.stage === 'pending' || s.stage === 'generating') {
          const pd = s.progress_data?.find((p) => p.length && p.index != null)
          ctx.onProgress({
            queuePosition:
              typeof s.position === 'number' && s.position > 0 ? s.position : s.position === 0 ? undefined : undefined,
            etaSeconds: typeof s.eta === 'number' ? Math.max(0, Math.round(s.eta)) : undefined,
            percent: pd && pd.length ? Math.round(((pd.index ?? 0) / pd.length) * 100) : undefined
          })
        }
        if (s.stage === 'complete' && output) break
      } else if (msg.type === 'data') {
        output = msg.data as unknown[]
      }
    }
    if (ctx.signal.aborted) throw new GenerationError('canceled', 'Canceled.')
    if (timeout.aborted)
      throw transient(
        `The Space ${target.space} did not finish within ${Math.round(opts.timeoutMs / 1000)} s; will retry.`
      )
    if (!output) throw transient(`The Space ${target.space} ended the job without a result; will retry.`)
    const file = findFile(output[opts.mapping.outputIndex])
    if (!file) {
      throw permanent(
        `The Space's output #${opts.mapping.outputIndex} is not a file (${JSON.stringify(output[opts.mapping.outputIndex])?.slice(0, 120)}). Fix the output index in the mapping.`
      )
    }
    const prefix = (client as unknown as { api_prefix?: string }).api_prefix ?? ''
    const url = file.url ?? `${cfg.root}${prefix}/file=${file.path}`
    return await download(
      target,
      url,
      join(ctx.workDir, opts.outputName + (extname(new URL(url).pathname) || extname(file.orig_name ?? '') || '.mp4')),
      ctx.signal
    )
  } catch (err) {
    if (ctx.signal.aborted) throw new GenerationError('canceled', 'Canceled.')
    if (timeout.aborted)
      throw transient(
        `The Space ${target.space} did not finish within ${Math.round(opts.timeoutMs / 1000)} s; will retry.`
      )
    throw withheld(target, classifySpaceError(target.space, err))
  } finally {
    stop.removeEventListener('abort', onStop)
    client.close()
  }
}

/**
 * Where a Space serves its files: its own URL, or for an "owner/name" id its
 * hf.space host (lowercase, "/", "." and "_" become "-"). The token goes there
 * only — a file URL on any other host (another Space included) gets no token.
 */
export function spaceOrigins(space: string): string[] {
  if (/^https?:\/\//.test(space)) return [new URL(space).origin]
  const host = space.toLowerCase().replace(/[/._]/g, '-')
  return [`https://${host}.hf.space`]
}

async function download(target: SpaceTarget, url: string, out: string, signal: AbortSignal): Promise<string> {
  const headers: Record<string, string> = {}
  // The token only goes back to the Space that produced the file, never to another host, and only where the policy allows.
  const token = spaceOrigins(target.space).includes(new URL(url).origin) ? tokenFor(target, url) : undefined
  if (token) headers.Authorization = `Bearer ${token}`
  const res = await fetch(url, { headers, signal })
  if (res.status === 401 || res.status === 403)
    throw permanent(
      `The Space ${target.space} refused the output download (${res.status}); it needs a Hugging Face token.`
    )
  if (!res.ok || !res.body)
    throw transient(`Downloading the output from ${target.space} failed (HTTP ${res.status}); will retry.`)
  return saveBounded(res, out, { server: `the Space ${target.space}`, signal })
}
