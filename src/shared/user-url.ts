import { z } from 'zod'

/**
 * THE parser for every URL a user types (a Gradio Space, ComfyUI servers, the LLM
 * server, the HF/fal gateway, RTMP destinations). A URL never carries a secret:
 * `user:password@host` would be stored in library.db in clear and printed back by
 * `backends list`, so it is refused with a message that says where the secret goes
 * instead — and the message never repeats what was typed.
 */

/** Where each kind of URL's secret belongs (the secret store, through these settings). */
export const SECRET_HOME = {
  gradio: 'the Hugging Face token (Settings → Backends, or `webtv backends set --hf-token-stdin`)',
  comfyui: 'the ComfyUI gateway token (Settings → ComfyUI servers, or `webtv comfy token`)',
  llm: 'the LLM key (Settings → Writer, or `webtv backends set --llm-key-stdin`)',
  gateway: 'the provider key (Settings → Backends, or `--hf-token-stdin` / `--fal-key-stdin`)',
  destination: 'the stream key (the last part of the RTMP URL, kept in the secret store)'
} as const
export type UrlKind = keyof typeof SECRET_HOME

/** Whether text, read as an absolute URL, names a user or password before its host (any scheme). */
export function hasUrlCredentials(text: string): boolean {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(text.trim())
  if (m && m[1]!.includes('@')) return true
  try {
    const u = new URL(text.trim())
    return u.username !== '' || u.password !== ''
  } catch {
    return false
  }
}

/** The refusal for a URL with credentials in it; names where the secret goes, never the secret. */
export function credentialsRefusal(kind: UrlKind): string {
  return `a user name or password inside the URL (user:password@host) is refused — it would be stored and shown in clear. Remove it and put the secret in ${SECRET_HOME[kind]}; it is kept in the secret store`
}

export interface UserUrlOptions {
  kind: UrlKind
  /** Accepted schemes, lower case with the colon ("https:"). */
  schemes: readonly string[]
  /** The example shown when the text is not such a URL. */
  example: string
}

/** "an http(s)" for web URLs, else the schemes by name. */
function schemeWords(schemes: readonly string[]): string {
  const names = schemes.map((s) => s.replace(':', ''))
  if (names.length === 2 && names.includes('http') && names.includes('https')) return 'an http(s)'
  return `a ${names.join(' or ')}`
}

/** Why the text is not an acceptable URL of this kind, or undefined when it is. */
export function userUrlProblem(text: string, opts: UserUrlOptions): string | undefined {
  if (/\s/.test(text)) return `it contains spaces; use an address like ${opts.example}`
  if (hasUrlCredentials(text)) return credentialsRefusal(opts.kind)
  let u: URL
  try {
    u = new URL(text)
  } catch {
    return `it is not ${schemeWords(opts.schemes)} address; use one like ${opts.example}`
  }
  if (!opts.schemes.includes(u.protocol))
    return `it is not ${schemeWords(opts.schemes)} address; use one like ${opts.example}`
  if (!u.hostname) return `it names no host; use an address like ${opts.example}`
  return undefined
}

/** A zod string for a URL the user types: trimmed, at most 500 characters, refused with userUrlProblem's words. */
export function userUrlSchema(opts: UserUrlOptions) {
  return z
    .string()
    .trim()
    .max(500)
    .superRefine((s, ctx) => {
      const problem = userUrlProblem(s, opts)
      if (problem) ctx.addIssue({ code: 'custom', message: problem })
    })
}

/** The same URL without user:password@ (for migrating values stored before they were refused). */
export function withoutCredentials(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1')
}
