/**
 * Where a backend's token may go. Every place that attaches a Hugging Face token
 * or a fal key to a request asks here first (Gradio connect, file downloads, the
 * sleeping-Space probe, the HF Inference and fal clients' fetch):
 *
 * - a token goes to its own service's hosts, over https only:
 *   Hugging Face → huggingface.co, *.huggingface.co (its router), *.hf.space;
 *   fal → fal.ai, *.fal.ai, fal.run, *.fal.run;
 * - any other host (a self-hosted Space, a gateway, the tests' local servers) gets
 *   it only when the user switched that on for that backend (off by default), and
 *   even then never over plain http unless the host is this machine (loopback).
 */
/**
 * 'self-hosted': a token of the user's own server (a ComfyUI gateway…): no host is its own, the user's switch decides.
 * A backend kind added later names its own service in its folder ({ what, domains }), without an edit here.
 */
export interface TokenServiceSpec {
  /** "RunPod API key" */
  what: string
  /** Its own domains: the domain itself and its subdomains. */
  domains: string[]
}
export type TokenService = 'huggingface' | 'fal' | 'self-hosted' | TokenServiceSpec

export interface TokenRoute {
  service: TokenService
  /** The per-backend switch "send my token to this self-hosted host too". Off by default. */
  allowCustomHost?: boolean | undefined
}

export type TokenDecision = { send: true } | { send: false; reason: string }

const SERVICE_NAME: Record<Extract<TokenService, string>, string> = {
  huggingface: 'Hugging Face token',
  fal: 'fal key',
  'self-hosted': 'token'
}

const OWN_DOMAINS: Record<Extract<TokenService, string>, string[]> = {
  huggingface: ['huggingface.co', 'hf.space'],
  fal: ['fal.ai', 'fal.run'],
  'self-hosted': []
}

function nameOf(service: TokenService): string {
  return typeof service === 'string' ? SERVICE_NAME[service] : service.what
}

function domainsOf(service: TokenService): string[] {
  return typeof service === 'string' ? OWN_DOMAINS[service] : service.domains
}

function hostOf(url: URL): string {
  // URL keeps IPv6 hosts in brackets and may end a FQDN with a dot.
  return url.hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase()
}

/** 127.0.0.0/8, ::1, localhost: traffic that never leaves this machine. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase()
  if (h === 'localhost' || h.endsWith('.localhost')) return true
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true
  if (/^::ffff:127\.\d+\.\d+\.\d+$/.test(h)) return true
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)
}

/** Whether a host belongs to the service: the domain itself or a subdomain of it (never a look-alike suffix). */
export function isServiceHost(service: TokenService, hostname: string): boolean {
  const h = hostname.replace(/\.$/, '').toLowerCase()
  // "hf.space" alone is not a Space; a Space is <name>.hf.space.
  return domainsOf(service).some((d) => (d === 'hf.space' ? h.endsWith(`.${d}`) : h === d || h.endsWith(`.${d}`)))
}

export function tokenDecision(target: string | URL, route: TokenRoute): TokenDecision {
  const what = nameOf(route.service)
  let url: URL
  try {
    url = typeof target === 'string' ? new URL(target) : target
  } catch {
    return { send: false, reason: `The ${what} is not sent to "${String(target).slice(0, 80)}": not a valid URL.` }
  }
  // A URL that carries its own user:password@ is refused everywhere; no token rides along with it either.
  if (url.username || url.password)
    return { send: false, reason: `The ${what} is not sent to a URL with a user name or password in it (${url.host}).` }
  const host = hostOf(url)
  const secure = url.protocol === 'https:' || url.protocol === 'wss:'
  const plain = url.protocol === 'http:' || url.protocol === 'ws:'
  if (!secure && !plain)
    return { send: false, reason: `The ${what} is not sent over ${url.protocol.replace(':', '')}; only https.` }
  if (isServiceHost(route.service, host)) {
    return secure
      ? { send: true }
      : { send: false, reason: `The ${what} is never sent over plain http (${url.host}); use https.` }
  }
  if (!route.allowCustomHost) {
    return {
      send: false,
      reason:
        domainsOf(route.service).length > 0
          ? `The ${what} goes only to ${domainsOf(route.service).join(' / ')}; ${url.host} is another host. If it is your own server, switch on "send my token to this host" for this backend.`
          : `The ${what} is sent to ${url.host} only when "send token" is switched on for it.`
    }
  }
  if (plain && !isLoopbackHost(host)) {
    return {
      send: false,
      reason: `The ${what} is never sent over plain http to another machine (${url.host}); serve it over https.`
    }
  }
  return { send: true }
}

export function mayAttachToken(target: string | URL, route: TokenRoute): boolean {
  return tokenDecision(target, route).send
}

/**
 * A fetch for a client library that attaches a token itself (HF Inference, fal):
 * every request is checked, whatever the library decided; a request that would
 * carry the token where it must not go is refused before anything is sent.
 * `rewrite` moves a service URL onto a self-hosted gateway (checked after rewriting).
 */
export function policedFetch(
  route: TokenRoute,
  opts: { rewrite?: ((url: string) => string) | undefined; base?: typeof fetch } = {}
): typeof fetch {
  const base = opts.base ?? fetch
  return (async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const original = typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url
    const url = opts.rewrite ? opts.rewrite(original) : original
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined))
    if (headers.has('authorization')) {
      const d = tokenDecision(url, route)
      if (!d.send) throw new TokenRefusedError(d.reason)
    }
    if (input instanceof Request && url === original) return base(input, init)
    return base(url, { ...init, headers })
  }) as typeof fetch
}

/** A request refused by the token policy: the user must change a setting; retrying does not help. */
export class TokenRefusedError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TokenRefusedError'
  }
}
