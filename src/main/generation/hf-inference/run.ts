import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  InferenceClientHubApiError,
  InferenceClientInputError,
  InferenceClientProviderApiError,
  InferenceClientProviderOutputError,
  InferenceClientRoutingError,
  textToAudio,
  textToVideo
} from '@huggingface/inference'
import type { HfInferenceConfig } from '../../../shared/contract/generation'
import { GenerationError, permanent, transient } from '../errors'
import { falInput } from '../fal/queue'
import { classifyNetworkError, classifyProviderAnswer } from '../provider-errors'
import { policedFetch, tokenDecision, TokenRefusedError, type TokenRoute } from '../token-policy'
import type { StepContext } from '../types'

/**
 * Hugging Face Inference Providers through @huggingface/inference: one HF token,
 * a provider (auto, fal-ai, replicate, novita, wavespeed, together…) and a model
 * id. The client routes through router.huggingface.co and follows the provider's
 * queue itself; it exposes no request id, so an interrupted call is sent again on
 * resume (the fal backend is the one that resumes by request id).
 */
export interface HfTarget {
  config: HfInferenceConfig
  token: string | undefined
}

export const HF_HUB = 'https://huggingface.co'
export const HF_ROUTER = 'https://router.huggingface.co'
const TOKEN_HELP =
  'Create a token with the "Make calls to Inference Providers" permission at huggingface.co/settings/tokens and paste it in Settings → Backends.'
const BILLING_HELP =
  'Inference Providers bill your Hugging Face account: add credit or subscribe to PRO at huggingface.co/settings/billing (or pick a provider you pay directly with the fal backend).'

export function hfRoute(config: HfInferenceConfig): TokenRoute {
  return { service: 'huggingface', allowCustomHost: config.tokenToGateway === true }
}

/** huggingface.co and its router, or the user's gateway in their place (same paths). */
export function hfRewrite(config: HfInferenceConfig): ((url: string) => string) | undefined {
  if (!config.gateway) return undefined
  const gw = new URL(config.gateway).origin
  return (url) => url.replace(/^https:\/\/(?:router\.)?huggingface\.co(?=\/|$)/i, gw)
}

export function hfWhere(config: HfInferenceConfig): string {
  return `HF Inference · ${config.provider} · ${config.model}${config.gateway ? ` via ${new URL(config.gateway).host}` : ''}`
}

function checkToken(target: HfTarget): string {
  const token = target.token
  if (!token) throw permanent(`No Hugging Face token is set. ${TOKEN_HELP}`)
  // The client sends a non-"hf_" key straight to the provider's own host instead of the router: refuse it here.
  if (!token.startsWith('hf_'))
    throw permanent('The Hugging Face token must start with "hf_". For a fal key, use the fal backend instead.')
  const to = hfRewrite(target.config)?.(HF_ROUTER) ?? HF_ROUTER
  const d = tokenDecision(to, hfRoute(target.config))
  if (!d.send) throw permanent(d.reason)
  return token
}

function providerName(config: HfInferenceConfig): string {
  return `Hugging Face Inference (provider ${config.provider})`
}

export function classifyHfError(config: HfInferenceConfig, err: unknown): GenerationError {
  if (err instanceof GenerationError) return err
  const service = providerName(config)
  if (err instanceof TokenRefusedError) return permanent(err.message)
  if (err instanceof InferenceClientProviderApiError || err instanceof InferenceClientHubApiError) {
    const r = err.httpResponse as { status: number; body: unknown }
    const body = r.body as { error?: unknown; detail?: unknown; message?: unknown } | string | undefined
    const detail =
      typeof body === 'string'
        ? body
        : typeof body?.error === 'string'
          ? body.error
          : typeof body?.detail === 'string'
            ? body.detail
            : typeof body?.message === 'string'
              ? body.message
              : err.message
    if (err instanceof InferenceClientHubApiError && r.status === 404) {
      return permanent(`No model "${config.model}" on Hugging Face (404). Check the model id.`)
    }
    return classifyProviderAnswer({
      service,
      status: r.status,
      detail: detail.slice(0, 300),
      tokenHelp: TOKEN_HELP,
      billingHelp: BILLING_HELP
    })
  }
  if (err instanceof InferenceClientInputError || err instanceof InferenceClientRoutingError) {
    return permanent(
      `${service}: ${err.message} Pick a provider that serves this model for this task (Settings → Backends → Test connection lists them).`
    )
  }
  if (err instanceof InferenceClientProviderOutputError) {
    const oom = /out of memory/i.test(err.message)
    return transient(
      `${service} returned ${oom ? 'an out-of-memory error' : 'an answer without a file'}: ${err.message.slice(0, 300)}; will retry.`
    )
  }
  return classifyNetworkError(service, err)
}

export interface HfRunRequest {
  task: 'video' | 'music'
  prompt: string
  seed: number
  durationSeconds?: number | undefined
  timeoutMs: number
  outputName: string
}

export async function runOnHf(target: HfTarget, req: HfRunRequest, ctx: StepContext): Promise<string> {
  const { config } = target
  const accessToken = checkToken(target)
  if (ctx.signal.aborted) throw new GenerationError('canceled', 'Canceled.')
  const rewrite = hfRewrite(config)
  const route = hfRoute(config)
  const timeout = AbortSignal.timeout(req.timeoutMs)
  const signal = AbortSignal.any([ctx.signal, timeout])
  const { prompt, ...parameters } = falInput(
    { ...config, kind: 'fal', endpoint: 'x/y' },
    { prompt: req.prompt, seed: req.seed, durationSeconds: req.durationSeconds }
  )
  const args = {
    accessToken,
    provider: config.provider,
    model: config.model,
    inputs: String(prompt),
    parameters,
    // Moves the router onto the user's gateway; the client then polls the provider's queue there (with the token: checked above).
    ...(rewrite
      ? {
          urlTransform: (url: string): string => {
            const to = rewrite(url)
            const d = tokenDecision(to, route)
            if (!d.send) throw new TokenRefusedError(d.reason)
            return to
          }
        }
      : {})
  }
  const options = { fetch: policedFetch(route, { rewrite }), signal, retry_on_error: false }
  ctx.onProgress({ message: `sent to ${config.provider}` })
  let blob: Blob
  try {
    blob =
      req.task === 'video'
        ? await textToVideo(args as Parameters<typeof textToVideo>[0], options)
        : await textToAudio(args as Parameters<typeof textToAudio>[0], options)
  } catch (err) {
    if (ctx.signal.aborted) throw new GenerationError('canceled', 'Canceled.')
    if (timeout.aborted)
      throw transient(
        `${providerName(config)} did not finish within ${Math.round(req.timeoutMs / 1000)} s; will retry.`
      )
    throw classifyHfError(config, err)
  }
  if (!(blob instanceof Blob) || blob.size === 0)
    throw transient(`${providerName(config)} returned an empty file; will retry.`)
  const ext = /audio\/(?:x-)?wav/.test(blob.type)
    ? '.wav'
    : /audio\/(?:mpeg|mp3)/.test(blob.type)
      ? '.mp3'
      : /audio\/flac/.test(blob.type)
        ? '.flac'
        : req.task === 'music' && !/video/.test(blob.type)
          ? '.wav'
          : '.mp4'
  const out = join(ctx.workDir, req.outputName + ext)
  await writeFile(out, Buffer.from(await blob.arrayBuffer()))
  ctx.onProgress({ percent: 100 })
  return out
}
