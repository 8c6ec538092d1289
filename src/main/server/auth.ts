import { randomBytes, timingSafeEqual } from 'node:crypto'
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { IncomingMessage } from 'node:http'

export const TOKEN_COOKIE = 'webtv_token'

export function generateToken(): string {
  return randomBytes(24).toString('base64url')
}

/**
 * The studio's access token, kept in the data folder (readable only by the user)
 * so the URL `webtv serve` printed — and open tabs — keep working after a restart.
 * `rotate` issues a new one, locking out every holder of the old URL.
 */
export function serveToken(dataDir: string, opts: { rotate?: boolean } = {}): string {
  const file = join(dataDir, 'serve-token')
  if (!opts.rotate && existsSync(file)) {
    const saved = readFileSync(file, 'utf8').trim()
    if (/^[A-Za-z0-9_-]{32,}$/.test(saved)) return saved
  }
  const token = generateToken()
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, token + '\n', { mode: 0o600 })
  chmodSync(tmp, 0o600)
  renameSync(tmp, file)
  return token
}

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a)
  const bb = Buffer.from(b)
  return ab.length === bb.length && timingSafeEqual(ab, bb)
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  if (!header) return out
  for (const part of header.split(';')) {
    const i = part.indexOf('=')
    if (i < 0) continue
    const k = part.slice(0, i).trim()
    const v = part.slice(i + 1).trim()
    if (k) {
      try {
        out[k] = decodeURIComponent(v)
      } catch {
        out[k] = v
      }
    }
  }
  return out
}

/** The token a request presents: ?token=, Authorization: Bearer, or the session cookie. */
export function presentedToken(req: IncomingMessage, url: URL): string | undefined {
  const q = url.searchParams.get('token')
  if (q) return q
  const auth = req.headers.authorization
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim()
  return parseCookies(req.headers.cookie)[TOKEN_COOKIE]
}

export function isAuthorized(req: IncomingMessage, url: URL, token: string): boolean {
  const t = presentedToken(req, url)
  return t !== undefined && safeEqual(t, token)
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.')
}
