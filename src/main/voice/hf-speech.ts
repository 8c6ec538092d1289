import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { textToSpeech } from '@huggingface/inference'
import type { HfInferenceConfig } from '../../shared/contract/generation'
import { classifyHfError, HF_ROUTER, hfRewrite, hfRoute } from '../generation/hf-inference/run'
import { policedFetch, tokenDecision, TokenRefusedError } from '../generation/token-policy'
import { redact } from '../secrets'
import { boundedFetch } from './bounded-fetch'
import { SPEECH_MAX_BYTES, SPEECH_TIMEOUT_MS } from './openai-speech'
import { VOICE_ID, VoiceError, type HfSpeechSettings, type SpeechRequest } from './types'

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

export function hfSpeechWhere(s: Pick<HfSpeechSettings, 'provider' | 'model'>): string {
  return `Hugging Face Inference (${s.provider} · ${s.model})`
}

/**
 * One sentence through @huggingface/inference's textToSpeech: the token goes only where
 * the token policy allows, the answer is read to a bounded size within a time limit,
 * and no error carries the token.
 */
export async function hfSpeak(
  s: HfSpeechSettings,
  req: SpeechRequest,
  workDir: string,
  signal?: AbortSignal
): Promise<string> {
  if (!VOICE_ID.test(req.voice)) throw new VoiceError(`"${req.voice}" is not a voice name.`)
  const where = hfSpeechWhere(s)
  const clean = (text: string): string => redact(text, s.token ? [s.token] : [])
  if (!s.token)
    throw new VoiceError(
      `${where}: no Hugging Face token is set. Paste one (with "Make calls to Inference Providers") in Settings → Backends.`
    )
  // The client sends a non-"hf_" key straight to the provider's own host instead of the router.
  if (!s.token.startsWith('hf_')) throw new VoiceError(`${where}: the Hugging Face token must start with "hf_".`)
  const config = configOf(s)
  const route = hfRoute(config)
  const rewrite = hfRewrite(config)
  const d = tokenDecision(rewrite?.(HF_ROUTER) ?? HF_ROUTER, route)
  if (!d.send) throw new VoiceError(d.reason)
  const timeout = AbortSignal.timeout(SPEECH_TIMEOUT_MS)
  const all = signal ? AbortSignal.any([signal, timeout]) : timeout
  const bounded = boundedFetch(policedFetch(route, { rewrite }), SPEECH_MAX_BYTES, where)
  const parameters: Record<string, unknown> = {}
  if (req.voice) parameters.voice = req.voice
  if (req.rate !== 1) parameters.speed = req.rate
  let blob: Blob
  try {
    blob = await textToSpeech(
      {
        accessToken: s.token,
        provider: s.provider,
        model: s.model,
        inputs: req.text,
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
      } as Parameters<typeof textToSpeech>[0],
      { fetch: bounded.fetch, signal: all, retry_on_error: false }
    )
  } catch (err) {
    if (bounded.oversized())
      throw new VoiceError(`${where} sent more than ${SPEECH_MAX_BYTES} bytes for one sentence; stopped reading.`)
    if (signal?.aborted) throw new VoiceError('Canceled.')
    if (timeout.aborted) throw new VoiceError(`${where} did not answer within ${SPEECH_TIMEOUT_MS / 1000} s.`)
    throw new VoiceError(clean(classifyHfError(config, err).message))
  }
  // Some providers (fal-ai) answer with a URL the client downloads itself: its size is checked here.
  if (!(blob instanceof Blob) || blob.size < 44) throw new VoiceError(`${where} answered without audio.`)
  if (blob.size > SPEECH_MAX_BYTES)
    throw new VoiceError(`${where} sent ${blob.size} bytes for one sentence; the limit is ${SPEECH_MAX_BYTES}.`)
  const ext = /mpeg|mp3/.test(blob.type)
    ? '.mp3'
    : /flac/.test(blob.type)
      ? '.flac'
      : /ogg/.test(blob.type)
        ? '.ogg'
        : '.wav'
  const out = join(workDir, `speech-hf-${process.pid}-${++counter}${ext}`)
  writeFileSync(out, Buffer.from(await blob.arrayBuffer()))
  return out
}
