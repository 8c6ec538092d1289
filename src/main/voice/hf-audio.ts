import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { HfInferenceConfig } from '../../shared/contract/generation'
import { classifyHfError, HF_ROUTER, hfRewrite, hfRoute } from '../generation/hf-inference/run'
import { policedFetch, tokenDecision, TokenRefusedError } from '../generation/token-policy'
import { redact } from '../secrets'
import { boundedFetch } from './bounded-fetch'
import type { HfSpeechSettings } from './types'

/** What every call of an @huggingface/inference audio task gets here: the token, the route, and the police. */
export interface HfAudioCallArgs {
  accessToken: string
  provider: HfSpeechSettings['provider']
  model: string
  urlTransform?: (url: string) => string
}

export interface HfAudioCallOptions {
  fetch: typeof fetch
  signal: AbortSignal
  retry_on_error: false
}

/** One audio task (text-to-speech, text-to-audio): what it is called, its limits, its error and the client call. */
export interface HfAudioTask {
  settings: HfSpeechSettings
  /** What one answer is, in messages: "one sentence", "one effect". */
  unit: string
  maxBytes: number
  timeoutMs: number
  /** The answer's file name starts so (speech-hf, sfx-hf). */
  filePrefix: string
  /** The task's own error class (VoiceError, EffectError), made with a message that never carries the token. */
  fail: (message: string) => Error
  /** The client's task function, given the common arguments; it adds its inputs and parameters. */
  call: (args: HfAudioCallArgs, options: HfAudioCallOptions) => Promise<Blob>
}

let counter = 0

function configOf(s: HfSpeechSettings): HfInferenceConfig {
  return {
    kind: 'hf-inference',
    provider: s.provider,
    model: s.model,
    preset: 'custom',
    params: {},
    concurrency: 1,
    ...(s.gateway ? { gateway: s.gateway } : {}),
    ...(s.tokenToGateway ? { tokenToGateway: true } : {})
  }
}

export function hfAudioWhere(s: Pick<HfSpeechSettings, 'provider' | 'model'>): string {
  return `Hugging Face Inference (${s.provider} · ${s.model})`
}

/**
 * One answer of an @huggingface/inference audio task, written into `workDir`: the token
 * goes only where the token policy allows, what the client reads through our fetch is
 * cut off past the size limit, the whole call is bounded in time, and no error carries
 * the token. Returns the file's path.
 */
export async function runHfAudioTask(task: HfAudioTask, workDir: string, signal?: AbortSignal): Promise<string> {
  const s = task.settings
  const where = hfAudioWhere(s)
  const clean = (text: string): string => redact(text, s.token ? [s.token] : [])
  if (!s.token)
    throw task.fail(
      `${where}: no Hugging Face token is set. Paste one (with "Make calls to Inference Providers") in Settings → Backends.`
    )
  // The client sends a non-"hf_" key straight to the provider's own host instead of the router.
  if (!s.token.startsWith('hf_')) throw task.fail(`${where}: the Hugging Face token must start with "hf_".`)
  const config = configOf(s)
  const route = hfRoute(config)
  const rewrite = hfRewrite(config)
  const d = tokenDecision(rewrite?.(HF_ROUTER) ?? HF_ROUTER, route)
  if (!d.send) throw task.fail(d.reason)
  const timeout = AbortSignal.timeout(task.timeoutMs)
  const all = signal ? AbortSignal.any([signal, timeout]) : timeout
  const bounded = boundedFetch(policedFetch(route, { rewrite }), task.maxBytes, where)
  let blob: Blob
  try {
    blob = await task.call(
      {
        accessToken: s.token,
        provider: s.provider,
        model: s.model,
        ...(rewrite
          ? {
              urlTransform: (url: string): string => {
                const to = rewrite(url)
                const ok = tokenDecision(to, route)
                if (!ok.send) throw new TokenRefusedError(ok.reason)
                return to
              }
            }
          : {})
      },
      { fetch: bounded.fetch, signal: all, retry_on_error: false }
    )
  } catch (err) {
    if (bounded.oversized())
      throw task.fail(`${where} sent more than ${task.maxBytes} bytes for ${task.unit}; stopped reading.`)
    if (signal?.aborted) throw task.fail('Canceled.')
    if (timeout.aborted) throw task.fail(`${where} did not answer within ${task.timeoutMs / 1000} s.`)
    throw task.fail(clean(classifyHfError(config, err).message))
  }
  // Providers that answer with a URL (fal-ai) are downloaded by the client itself: the size is checked here.
  if (!(blob instanceof Blob) || blob.size < 44) throw task.fail(`${where} answered without audio.`)
  if (blob.size > task.maxBytes)
    throw task.fail(`${where} sent ${blob.size} bytes for ${task.unit}; the limit is ${task.maxBytes}.`)
  const ext = /mpeg|mp3/.test(blob.type)
    ? '.mp3'
    : /flac/.test(blob.type)
      ? '.flac'
      : /ogg/.test(blob.type)
        ? '.ogg'
        : '.wav'
  const out = join(workDir, `${task.filePrefix}-${process.pid}-${++counter}${ext}`)
  writeFileSync(out, Buffer.from(await blob.arrayBuffer()))
  return out
}
