import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { textToAudio } from '@huggingface/inference'
import type { HfInferenceConfig } from '../../shared/contract/generation'
import { classifyHfError, HF_ROUTER, hfRewrite, hfRoute } from '../generation/hf-inference/run'
import { policedFetch, tokenDecision, TokenRefusedError } from '../generation/token-policy'
import { redact } from '../secrets'
import { boundedFetch } from '../voice/bounded-fetch'
import {
  EFFECT_LUFS,
  EFFECT_MAX_BYTES,
  EFFECT_TIMEOUT_MS,
  EffectError,
  type EffectRequest,
  type HfEffectSettings,
  type MadeEffect
} from './types'

let counter = 0

function configOf(s: HfEffectSettings): HfInferenceConfig {
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

export function hfEffectWhere(s: Pick<HfEffectSettings, 'provider' | 'model'>): string {
  return `Hugging Face Inference (${s.provider} · ${s.model})`
}

/**
 * One effect through @huggingface/inference's textToAudio: the token goes only where the
 * token policy allows, what the client reads through our fetch is cut off past the size
 * limit, the whole call is bounded in time, and no error carries the token.
 */
export async function hfEffect(
  s: HfEffectSettings,
  req: EffectRequest,
  workDir: string,
  signal?: AbortSignal
): Promise<MadeEffect> {
  const where = hfEffectWhere(s)
  const clean = (text: string): string => redact(text, s.token ? [s.token] : [])
  if (!s.token)
    throw new EffectError(
      `${where}: no Hugging Face token is set. Paste one (with "Make calls to Inference Providers") in Settings → Backends.`
    )
  // The client sends a non-"hf_" key straight to the provider's own host instead of the router.
  if (!s.token.startsWith('hf_')) throw new EffectError(`${where}: the Hugging Face token must start with "hf_".`)
  const config = configOf(s)
  const route = hfRoute(config)
  const rewrite = hfRewrite(config)
  const d = tokenDecision(rewrite?.(HF_ROUTER) ?? HF_ROUTER, route)
  if (!d.send) throw new EffectError(d.reason)
  const timeout = AbortSignal.timeout(EFFECT_TIMEOUT_MS)
  const all = signal ? AbortSignal.any([signal, timeout]) : timeout
  const bounded = boundedFetch(policedFetch(route, { rewrite }), EFFECT_MAX_BYTES, where)
  // The length, under the names text-to-audio models use (Stable Audio: seconds_total; MMAudio: duration).
  // The hf-inference provider takes the task's own parameters only; the effect is cut to length anyway.
  const seconds = Math.ceil(req.seconds)
  const parameters = s.provider === 'hf-inference' ? {} : { seconds_total: seconds, duration: seconds }
  let blob: Blob
  try {
    blob = await textToAudio(
      {
        accessToken: s.token,
        provider: s.provider,
        model: s.model,
        inputs: req.cue,
        ...(Object.keys(parameters).length ? { parameters } : {}),
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
      } as Parameters<typeof textToAudio>[0],
      { fetch: bounded.fetch, signal: all, retry_on_error: false }
    )
  } catch (err) {
    if (bounded.oversized())
      throw new EffectError(`${where} sent more than ${EFFECT_MAX_BYTES} bytes for one effect; stopped reading.`)
    if (signal?.aborted) throw new EffectError('Canceled.')
    if (timeout.aborted) throw new EffectError(`${where} did not answer within ${EFFECT_TIMEOUT_MS / 1000} s.`)
    throw new EffectError(clean(classifyHfError(config, err).message))
  }
  // Providers that answer with a URL (fal-ai) are downloaded by the client itself: the size is checked here.
  if (!(blob instanceof Blob) || blob.size < 44) throw new EffectError(`${where} answered without audio.`)
  if (blob.size > EFFECT_MAX_BYTES)
    throw new EffectError(`${where} sent ${blob.size} bytes for one effect; the limit is ${EFFECT_MAX_BYTES}.`)
  const ext = /mpeg|mp3/.test(blob.type)
    ? '.mp3'
    : /flac/.test(blob.type)
      ? '.flac'
      : /ogg/.test(blob.type)
        ? '.ogg'
        : '.wav'
  const out = join(workDir, `sfx-hf-${process.pid}-${++counter}${ext}`)
  writeFileSync(out, Buffer.from(await blob.arrayBuffer()))
  return { file: out, lufs: EFFECT_LUFS }
}
