import type { FalConfig, HfInferenceConfig } from '../../shared/contract/generation'
import { redact } from '../secrets'
import { FAL_HOST, falRewrite, falRoute } from './fal/queue'
import { HF_HUB, hfRewrite, hfRoute } from './hf-inference/run'
import { policedFetch, tokenDecision, TokenRefusedError } from './token-policy'

/**
 * Test connection for the provider kinds: is the key accepted, is the model served
 * by the provider for this task. Costs nothing (no generation). Never throws;
 * never echoes a key.
 */
export interface HealthResult {
  ok: boolean
  problem:
    | 'no-key'
    | 'refused-host'
    | 'unauthorized'
    | 'billing'
    | 'rate-limited'
    | 'unreachable'
    | 'not-found'
    | 'not-served'
    | null
  message: string
}

const TIMEOUT_MS = 15_000

function describeNetwork(err: unknown): string {
  const e = err as Error & { cause?: { code?: string } }
  return e?.cause?.code ?? e?.message ?? String(err)
}

interface Mapping {
  provider: string
  providerId?: string
  status?: string
  task?: string
}

function mappingsOf(body: unknown, model: string): Mapping[] {
  const m = (body as { inferenceProviderMapping?: unknown } | undefined)?.inferenceProviderMapping
  if (Array.isArray(m)) return m as Mapping[]
  if (m && typeof m === 'object')
    return Object.entries(m as Record<string, Omit<Mapping, 'provider'>>).map(([provider, v]) => ({ provider, ...v }))
  void model
  return []
}

export async function testHfInference(
  config: HfInferenceConfig,
  token: string | undefined,
  task: 'text-to-video' | 'text-to-audio'
): Promise<HealthResult> {
  const clean = (s: string): string => redact(s, token ? [token] : [])
  if (!token)
    return {
      ok: false,
      problem: 'no-key',
      message:
        'No Hugging Face token is set. Create one at huggingface.co/settings/tokens (with "Make calls to Inference Providers") and paste it here.'
    }
  const rewrite = hfRewrite(config)
  const d = tokenDecision(rewrite?.(HF_HUB) ?? HF_HUB, hfRoute(config))
  if (!d.send) return { ok: false, problem: 'refused-host', message: d.reason }
  const f = policedFetch(hfRoute(config), { rewrite })
  try {
    const who = await f(`${HF_HUB}/api/whoami-v2`, {
      headers: { Authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(TIMEOUT_MS)
    })
    if (who.status === 401)
      return {
        ok: false,
        problem: 'unauthorized',
        message:
          'Hugging Face does not accept this token (401). Create a new one at huggingface.co/settings/tokens and paste it here.'
      }
    if (!who.ok)
      return {
        ok: false,
        problem: 'unreachable',
        message: `Hugging Face answered HTTP ${who.status} to the token check; try again later.`
      }
    const me = (await who.json()) as {
      name?: string
      auth?: { accessToken?: { role?: string; fineGrained?: { scoped?: unknown; global?: string[] } } }
    }
    const global = me.auth?.accessToken?.fineGrained?.global
    if (
      me.auth?.accessToken?.role === 'fineGrained' &&
      Array.isArray(global) &&
      !global.includes('inference.serverless.write')
    ) {
      return {
        ok: false,
        problem: 'unauthorized',
        message: `The token of ${me.name ?? 'this account'} may not call Inference Providers: edit it at huggingface.co/settings/tokens and tick "Make calls to Inference Providers".`
      }
    }
    const res = await f(`${HF_HUB}/api/models/${config.model}?expand[]=inferenceProviderMapping`, {
      headers: { Authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(TIMEOUT_MS)
    })
    if (res.status === 404 || res.status === 401)
      return {
        ok: false,
        problem: 'not-found',
        message: `No model "${config.model}" on Hugging Face (or it is private / gated for this account). Check the model id.`
      }
    if (!res.ok)
      return {
        ok: false,
        problem: 'unreachable',
        message: `Hugging Face answered HTTP ${res.status} for the model; try again later.`
      }
    const mappings = mappingsOf(await res.json(), config.model).filter((m) => m.task === task && m.status !== 'error')
    const serving = mappings.map((m) => m.provider)
    if (serving.length === 0)
      return {
        ok: false,
        problem: 'not-served',
        message: `No Inference Provider serves ${config.model} for ${task} right now. Pick another model, or run it on fal or your own GPU.`
      }
    if (config.provider !== 'auto' && !serving.includes(config.provider)) {
      return {
        ok: false,
        problem: 'not-served',
        message: `${config.provider} does not serve ${config.model} for ${task}; it is served by ${serving.join(', ')}. Pick one of those as the provider.`
      }
    }
    return {
      ok: true,
      problem: null,
      message: `Token of ${me.name ?? 'this account'} accepted; ${config.model} is served by ${config.provider === 'auto' ? serving.join(', ') : config.provider}.`
    }
  } catch (err) {
    if (err instanceof TokenRefusedError) return { ok: false, problem: 'refused-host', message: err.message }
    return {
      ok: false,
      problem: 'unreachable',
      message: clean(
        `Could not reach ${config.gateway ?? 'huggingface.co'} (${describeNetwork(err)}). Check your connection${config.gateway ? ' and the gateway URL' : ''}.`
      )
    }
  }
}

/**
 * fal: the key is checked by asking the status of a request that cannot exist (401 = bad key,
 * 404 = key fine), and the endpoint by its published OpenAPI schema. Neither costs anything.
 */
export async function testFal(config: FalConfig, key: string | undefined): Promise<HealthResult> {
  const clean = (s: string): string => redact(s, key ? [key] : [])
  if (!key)
    return {
      ok: false,
      problem: 'no-key',
      message: 'No fal key is set. Create one at fal.ai/dashboard/keys and paste it here.'
    }
  const rewrite = falRewrite(config)
  const d = tokenDecision(rewrite?.(FAL_HOST) ?? FAL_HOST, falRoute(config))
  if (!d.send) return { ok: false, problem: 'refused-host', message: d.reason }
  const f = policedFetch(falRoute(config), { rewrite })
  const [owner, alias] = config.endpoint.split('/')
  try {
    const probe = await f(`${FAL_HOST}/${owner}/${alias}/requests/00000000-0000-0000-0000-000000000000/status`, {
      headers: { Authorization: `Key ${key}` },
      signal: AbortSignal.timeout(TIMEOUT_MS)
    })
    if (probe.status === 401 || probe.status === 403) {
      const text = await probe.text()
      if (/exhausted balance|top up/i.test(text))
        return {
          ok: false,
          problem: 'billing',
          message: 'fal accepts the key but the account has no credit left. Add credit at fal.ai/dashboard/billing.'
        }
      return {
        ok: false,
        problem: 'unauthorized',
        message: `fal does not accept this key (${probe.status}). Create a new one at fal.ai/dashboard/keys and paste it here.`
      }
    }
    if (probe.status === 429)
      return {
        ok: false,
        problem: 'rate-limited',
        message:
          'fal is rate-limiting this account (429) right now; jobs wait and try again. Lower the concurrency if it lasts.'
      }
    if (probe.status >= 500)
      return { ok: false, problem: 'unreachable', message: `fal answered HTTP ${probe.status}; try again later.` }
    const schema = await f(
      `https://fal.ai/api/openapi/queue/openapi.json?endpoint_id=${encodeURIComponent(config.endpoint)}`,
      { signal: AbortSignal.timeout(TIMEOUT_MS) }
    )
    if (schema.status === 404)
      return {
        ok: false,
        problem: 'not-found',
        message: `fal has no endpoint "${config.endpoint}". Copy the id from the model's page on fal.ai (e.g. fal-ai/wan/v2.2-5b/text-to-video).`
      }
    if (!schema.ok)
      return {
        ok: true,
        problem: null,
        message: `Key accepted by fal; could not read ${config.endpoint}'s schema (HTTP ${schema.status}), so its inputs are unchecked.`
      }
    return { ok: true, problem: null, message: `Key accepted by fal; ${config.endpoint} exists.` }
  } catch (err) {
    if (err instanceof TokenRefusedError) return { ok: false, problem: 'refused-host', message: err.message }
    return {
      ok: false,
      problem: 'unreachable',
      message: clean(
        `Could not reach ${config.gateway ?? 'fal'} (${describeNetwork(err)}). Check your connection${config.gateway ? ' and the gateway URL' : ''}.`
      )
    }
  }
}
