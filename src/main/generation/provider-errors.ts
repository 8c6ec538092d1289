import { GenerationError, permanent, quota, transient } from './errors'
import { TokenRefusedError } from './token-policy'

/**
 * One reading of a provider's HTTP answer (HF router, fal, any provider behind
 * them) into what the queue does with it, in plain words with what to do:
 * 401 → fix the token; 402 / an exhausted balance → add credit (never retried:
 * every retry would be refused the same way); 429 → wait (long, growing backoff
 * or the Retry-After the provider gave); 422 → the inputs don't fit the model;
 * 5xx and network trouble → retried.
 */
export interface ProviderAnswer {
  /** "fal", "Hugging Face (provider fal-ai)" … */
  service: string
  status?: number | undefined
  /** The provider's own words (detail / error / message), if any. */
  detail?: string | undefined
  retryAfterSeconds?: number | undefined
  /** Where to fix the token / billing. */
  tokenHelp: string
  billingHelp: string
}

const BALANCE =
  /exhausted balance|insufficient (?:balance|credits?|funds)|exceeded your monthly included credits|payment required|top up|billing/i

export function classifyProviderAnswer(a: ProviderAnswer): GenerationError {
  const detail = a.detail ? ` (${a.detail.slice(0, 300)})` : ''
  const s = a.status
  if (s === 402 || (s === 403 && a.detail && BALANCE.test(a.detail))) {
    return permanent(
      `${a.service} refused the job for billing: your credit is used up${detail}. ${a.billingHelp} Then retry the job.`
    )
  }
  if (s === 401) return permanent(`${a.service} did not accept the key (401)${detail}. ${a.tokenHelp}`)
  if (s === 403) return permanent(`${a.service} refused access (403)${detail}. ${a.tokenHelp}`)
  if (s === 429) {
    const wait = a.retryAfterSeconds !== undefined && a.retryAfterSeconds > 0 ? a.retryAfterSeconds * 1000 : 60_000
    return quota(
      `${a.service} is rate-limiting this account (429)${detail}; the job waits ${Math.ceil(wait / 1000)} s before trying again. If it keeps happening, lower this backend's concurrency.`,
      wait
    )
  }
  if (s === 404)
    return permanent(
      `${a.service} does not know this model or endpoint (404)${detail}. Check the model id / endpoint in the backend settings.`
    )
  if (s === 422 || s === 400)
    return permanent(
      `${a.service} rejected the inputs (${s})${detail}. Check the preset's parameters (frames, fps, steps, resolution) against the model's page.`
    )
  if (s !== undefined && s >= 500) return transient(`${a.service} failed (HTTP ${s})${detail}; will retry.`)
  if (a.detail && /out of memory|cuda oom/i.test(a.detail))
    return transient(`${a.service} ran out of GPU memory${detail}; will retry.`)
  return transient(`${a.service}: ${a.detail ?? 'unknown error'}; will retry.`)
}

/** A thrown network failure (no HTTP answer): transient, unless the token policy refused to send. */
export function classifyNetworkError(service: string, err: unknown): GenerationError {
  if (err instanceof GenerationError) return err
  if (err instanceof TokenRefusedError) return permanent(err.message)
  const e = err as Error & { cause?: { code?: string; message?: string } }
  const code = e?.cause?.code ?? (e as { code?: string })?.code
  return transient(`Could not reach ${service} (${code ?? e?.message ?? String(err)}); will retry.`)
}

/** Seconds from a Retry-After header value (seconds or an HTTP date). */
export function retryAfterSeconds(value: string | null | undefined): number | undefined {
  if (!value) return undefined
  const n = Number(value)
  if (Number.isFinite(n)) return Math.max(0, n)
  const t = Date.parse(value)
  return Number.isFinite(t) ? Math.max(0, Math.round((t - Date.now()) / 1000)) : undefined
}
