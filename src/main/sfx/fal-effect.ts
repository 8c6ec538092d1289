import type { FalConfig } from '../../shared/contract/generation'
import { GenerationError } from '../generation/errors'
import { runOnFal } from '../generation/fal/queue'
import { redact } from '../secrets'
import {
  EFFECT_LUFS,
  EFFECT_MAX_BYTES,
  EFFECT_TIMEOUT_MS,
  EffectError,
  type EffectRequest,
  type FalEffectSettings,
  type MadeEffect
} from './types'

let counter = 0

export function falEffectWhere(s: Pick<FalEffectSettings, 'endpoint'>): string {
  return `fal (${s.endpoint})`
}

/**
 * One effect through fal's queue (@fal-ai/client, the fal backend's own runner): the key
 * goes only where the token policy allows, the audio is downloaded bounded in size and
 * time, a cancel cancels at fal, and no error carries the key. An effect is made once per
 * cue at produce time, so no request id is kept across a restart: an interrupted one is asked again.
 */
export async function falEffect(
  s: FalEffectSettings,
  req: EffectRequest,
  workDir: string,
  signal?: AbortSignal
): Promise<MadeEffect> {
  const where = falEffectWhere(s)
  const config: FalConfig = {
    kind: 'fal',
    endpoint: s.endpoint,
    preset: 'custom',
    params: {},
    concurrency: 1,
    pollMs: 250,
    ...(s.gateway ? { gateway: s.gateway } : {}),
    ...(s.keyToGateway ? { keyToGateway: true } : {})
  }
  // The length under the names fal's text-to-audio models use (Stable Audio: seconds_total; MMAudio, ElevenLabs: duration).
  const seconds = Math.ceil(req.seconds)
  const input: Record<string, unknown> = { prompt: req.cue, seconds_total: seconds, duration: seconds }
  try {
    const file = await runOnFal(
      { config, key: s.key },
      {
        input,
        timeoutMs: EFFECT_TIMEOUT_MS,
        outputName: `sfx-fal-${process.pid}-${++counter}`,
        maxBytes: EFFECT_MAX_BYTES
      },
      { signal: signal ?? new AbortController().signal, onProgress: () => undefined, workDir }
    )
    return { file, lufs: EFFECT_LUFS }
  } catch (err) {
    const message = err instanceof GenerationError || err instanceof Error ? err.message : String(err)
    throw new EffectError(redact(`${where}: ${message}`, s.key ? [s.key] : []))
  }
}
