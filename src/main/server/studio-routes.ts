import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import { createWriteStream, existsSync, mkdirSync, rmSync } from 'node:fs'
import { join, basename } from 'node:path'
import { randomBytes } from 'node:crypto'
import { pipeline } from 'node:stream/promises'
import type { Core } from '../core/core'
import { ONAIR, OUTPUTS } from '../services'
import { TOKEN_COOKIE, isAuthorized } from './auth'
import { resolveServedFile, resolveServedMedia, sendFile } from './static'
import { handleOpsRoute } from './ops-routes'
import type { LiveHandoff } from './live-handoff'

export const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY'
}

/** No Origin (curl, scripts) or our own: what the WebSocket upgrade also insists on. */
export function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin
  const host = req.headers.host
  return origin === undefined || (host !== undefined && (origin === `http://${host}` || origin === `https://${host}`))
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
  res.end(text)
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' })
  res.end(text)
}

async function readJsonBody(req: IncomingMessage, limit = 1_000_000): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > limit) throw new Error('Request body too large.')
    chunks.push(chunk as Buffer)
  }
  const text = Buffer.concat(chunks).toString('utf8')
  if (!text) return {}
  return JSON.parse(text) as unknown
}

/** A file name safe to keep on disk, keeping non-ASCII letters (users name clips in their language). */
function safeFileName(name: string): string {
  const base = basename(name)
    // eslint-disable-next-line no-control-regex -- control characters are exactly what we strip
    .replace(/[\\/:*?"<>|\0-\x1f]/g, '_')
    .trim()
  return (base || 'upload').slice(0, 180)
}

/** What the server needs of the on-air engine (ctx.services 'onair'), for the public watch page. */
interface PublicOnAir {
  listPublic(): Array<{ name: string; stream: string; onAir: boolean; viewers: number }>
  serverInfo(): { running: boolean; rtmpPort: number; httpPort: number }
}

/** The loopback HTTP-FLV URL of a stream that is on air, or undefined. */
function localFlvUrl(onair: PublicOnAir | undefined, stream: string): string | undefined {
  if (!onair) return undefined
  const info = onair.serverInfo()
  if (!info.running || !onair.listPublic().some((c) => c.stream === stream)) return undefined
  return `http://127.0.0.1:${info.httpPort}/live/${stream}.flv`
}

export interface StudioRoutesOptions {
  core: Core
  rendererDir: string
  token: string
  /** Largest upload accepted (bytes). */
  maxUpload: number
  csp: string
  /** Where a watch-page stream's connection goes once routed (live-handoff.ts); without, this loop copies it. */
  live?: LiveHandoff
}

export interface RouteRequest {
  req: IncomingMessage
  res: ServerResponse
  url: URL
  /** The path pattern's groups. */
  params: string[]
  local: boolean
}

/**
 * Who may use a route, from the most open to the most closed; a request that matches
 * no route of a level meets the next level's check before its routes:
 * - public: anyone who reaches the port (the watch page is public on the LAN);
 * - local: this machine only (403 from elsewhere);
 * - token: this machine with the studio token (401 without);
 * - same-origin: as token, and a POST only from our own origin (403): a page on another
 *   local port is "same site" for cookies, so the token alone is not enough for a
 *   browser-borne request.
 */
export type RouteAccess = 'public' | 'local' | 'token' | 'same-origin'

export interface StudioRoute {
  /** Methods answered; with another method the request goes on to the next rows. */
  methods: 'any' | readonly string[]
  path: RegExp
  access: RouteAccess
  /** Returns false when the request is not its to answer after all (a mounted route set). */
  handle: (r: RouteRequest) => Promise<boolean | void> | boolean | void
}

const READ = ['GET', 'HEAD'] as const

/** The studio server's HTTP routes, in the order they are tried: one row per route. */
export function studioRoutes(opts: StudioRoutesOptions): StudioRoute[] {
  const { core, rendererDir, token, maxUpload, csp } = opts
  const uploadsDir = join(core.dataDir, 'uploads')
  const onair = (): PublicOnAir | undefined => core.services.find(ONAIR)

  const servePage = (r: RouteRequest, file: string, missing: string): void => {
    if (
      !sendFile(r.req, r.res, join(rendererDir, file), {
        ...SECURITY_HEADERS,
        'Content-Security-Policy': csp,
        'Cache-Control': 'no-store'
      })
    )
      sendText(r.res, 500, missing)
  }

  const serveStudioPage = ({ req, res, url }: RouteRequest): void => {
    if (url.searchParams.has('token')) {
      if (!isAuthorized(req, url, token))
        return sendText(res, 401, 'Wrong token. Open the URL printed by `webtv serve`.')
      // Trade the token in the URL for a cookie, then drop it from the address bar and history.
      res.writeHead(303, {
        ...SECURITY_HEADERS,
        'Set-Cookie': `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`,
        Location: '/'
      })
      return void res.end()
    }
    if (!isAuthorized(req, url, token)) {
      return sendText(
        res,
        401,
        'This studio needs its access token: open the URL printed by `webtv serve` (it ends in ?token=…).'
      )
    }
    servePage(
      { req, res, url, params: [], local: true },
      'index.html',
      `The studio UI is not built (no ${join(rendererDir, 'index.html')}). Run \`npm run build\`.`
    )
  }

  const handleCall = async ({ req, res, params }: RouteRequest): Promise<void> => {
    if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
      return sendJson(res, 415, {
        ok: false,
        error: { code: 'invalid_input', message: 'Send the call input as JSON (Content-Type: application/json).' }
      })
    }
    let input: unknown
    try {
      input = await readJsonBody(req)
    } catch (err) {
      return sendJson(res, 400, {
        ok: false,
        error: { code: 'invalid_input', message: `Body is not JSON: ${(err as Error).message}` }
      })
    }
    const result = await core.dispatch(params[0]!, input)
    const status = result.ok
      ? 200
      : result.error.code === 'invalid_input'
        ? 400
        : result.error.code === 'unknown_call'
          ? 404
          : result.error.code === 'not_found'
            ? 404
            : result.error.code === 'conflict'
              ? 409
              : 500
    sendJson(res, status, result)
  }

  const handleUpload = async ({ req, res, url }: RouteRequest): Promise<void> => {
    const name = url.searchParams.get('name') ?? (req.headers['x-file-name'] as string | undefined)
    if (!name) return sendJson(res, 400, { error: 'Add ?name=<file name> to the upload URL.' })
    const declared = Number(req.headers['content-length'] ?? '0')
    if (declared > maxUpload)
      return sendJson(res, 413, { error: `File too large (limit ${Math.round(maxUpload / 1024 ** 2)} MiB).` })
    const dir = join(uploadsDir, randomBytes(8).toString('hex'))
    mkdirSync(dir, { recursive: true })
    // searchParams already decoded the name; decoding again would break names with "%".
    const target = join(dir, safeFileName(name))
    let received = 0
    req.on('data', (c: Buffer) => {
      received += c.length
      if (received > maxUpload) req.destroy(new Error('upload too large'))
    })
    try {
      await pipeline(req, createWriteStream(target))
    } catch (err) {
      rmSync(dir, { recursive: true, force: true })
      return sendJson(res, 400, { error: `Upload failed: ${(err as Error).message}` })
    }
    sendJson(res, 200, { path: target, bytes: received })
  }

  const proxyFlv = ({ req, res, params }: RouteRequest): void => {
    const stream = params[0]!
    const target = localFlvUrl(onair(), stream)
    if (!target) return sendText(res, 404, `Channel stream "${stream}" is not on air.`)
    if (opts.live?.take(req, target)) return
    const upstream = httpRequest(target, { method: 'GET', headers: { accept: '*/*' } }, (up) => {
      res.writeHead(up.statusCode ?? 502, {
        'Content-Type': up.headers['content-type'] ?? 'video/x-flv',
        'Cache-Control': 'no-store',
        'Access-Control-Allow-Origin': '*'
      })
      up.pipe(res)
    })
    upstream.on('error', () => {
      if (!res.headersSent) sendText(res, 502, 'The local stream server is not answering.')
      else res.destroy()
    })
    req.on('close', () => upstream.destroy())
    upstream.end()
  }

  const publicChannels = ({ res }: RouteRequest): void => {
    const list = onair()?.listPublic() ?? []
    const outputs = core.services.find(OUTPUTS)
    // hlsPath: for browsers without MSE (iPhone Safari); null while the channel airs no HLS.
    // With captions, the master playlist (video + WebVTT rendition) and captions: true.
    sendJson(
      res,
      200,
      list.map((c) => {
        const folder = outputs?.hlsFolder(c.stream)
        const captions = !!folder && existsSync(join(folder, 'master.m3u8'))
        return {
          ...c,
          flvPath: `/live/${c.stream}.flv`,
          hlsPath: folder ? `/hls/${c.stream}/${captions ? 'master' : 'index'}.m3u8` : null,
          captions
        }
      })
    )
  }

  return [
    // Public, read-only: the watch page, its assets, channel list and streams.
    {
      methods: 'any',
      path: /^\/watch(\.html)?$/,
      access: 'public',
      handle: (r) => servePage(r, 'watch.html', 'The watch page is not built. Run `npm run build`.')
    },
    {
      methods: READ,
      path: /^\/assets\//,
      access: 'public',
      handle: ({ req, res, url }) => {
        const file = resolveServedFile([join(rendererDir, 'assets')], url.pathname.slice('/assets'.length))
        if (
          !file ||
          !sendFile(req, res, file, { ...SECURITY_HEADERS, 'Cache-Control': 'public, max-age=31536000, immutable' })
        )
          sendText(res, 404, 'Not found.')
      }
    },
    // The icon both pages link to; /favicon.ico for clients that ask without reading the link.
    {
      methods: READ,
      path: /^\/favicon\.(svg|ico)$/,
      access: 'public',
      handle: ({ req, res }) => {
        const file = resolveServedFile([rendererDir], '/favicon.svg')
        if (!file || !sendFile(req, res, file, { ...SECURITY_HEADERS, 'Cache-Control': 'public, max-age=86400' }))
          sendText(res, 404, 'Not found.')
      }
    },
    { methods: ['GET'], path: /^\/api\/public\/channels$/, access: 'public', handle: publicChannels },
    { methods: ['GET'], path: /^\/live\/([A-Za-z0-9_-]+)\.flv$/, access: 'public', handle: proxyFlv },
    // Metrics and health (local or token), HLS and the program guide (public): server/ops-routes.ts.
    {
      methods: READ,
      path: /^\/(metrics$|health$|hls\/|guide[./])/,
      access: 'public',
      handle: ({ req, res, url, local }) =>
        handleOpsRoute(req, res, url, {
          outputs: core.services.find(OUTPUTS),
          local,
          authorized: isAuthorized(req, url, token)
        })
    },
    // Everything else is the studio: loopback only, behind the token.
    { methods: 'any', path: /^\/(index\.html)?$/, access: 'local', handle: serveStudioPage },
    {
      methods: READ,
      path: /^\/media\//,
      access: 'token',
      handle: ({ req, res, url }) => {
        const file = resolveServedMedia(core.dataDir, url.pathname.slice('/media'.length))
        if (!file || !sendFile(req, res, file, { ...SECURITY_HEADERS, 'Cache-Control': 'private, max-age=3600' })) {
          sendText(res, 404, 'No such media file.')
        }
      }
    },
    // State changes: only as JSON, which a plain form cannot send.
    { methods: ['POST'], path: /^\/api\/call\/([A-Za-z0-9_.-]+)$/, access: 'same-origin', handle: handleCall },
    { methods: ['POST'], path: /^\/api\/upload$/, access: 'same-origin', handle: handleUpload }
  ]
}

const ACCESS_ORDER: readonly RouteAccess[] = ['public', 'local', 'token', 'same-origin']

/** The check a request meets on its way to a level's routes: answers and returns true when it refuses. */
const REFUSED: Record<RouteAccess, (r: RouteRequest, token: string) => boolean> = {
  public: () => false,
  local: ({ res, local }) => {
    if (local) return false
    sendText(res, 403, 'The studio is only reachable from this machine; LAN sharing covers the watch page.')
    return true
  },
  token: ({ req, res, url }, token) => {
    if (isAuthorized(req, url, token)) return false
    sendJson(res, 401, { error: 'Missing or wrong token. Open the URL printed by `webtv serve`.' })
    return true
  },
  'same-origin': ({ req, res }) => {
    if (req.method !== 'POST' || sameOrigin(req)) return false
    sendJson(res, 403, { error: 'Cross-origin requests are refused.' })
    return true
  }
}

/**
 * Answers a request from the table: each level's check, then its routes, in order;
 * 404 when no route takes it. The rows must go from the most open level to the most closed.
 */
export async function routeRequest(
  routes: readonly StudioRoute[],
  token: string,
  r: Omit<RouteRequest, 'params'>
): Promise<void> {
  const method = r.req.method ?? 'GET'
  const path = r.url.pathname
  let level = 0
  for (const route of routes) {
    const at = ACCESS_ORDER.indexOf(route.access)
    for (; level < at; level++) if (REFUSED[ACCESS_ORDER[level + 1]!]({ ...r, params: [] }, token)) return
    if (route.methods !== 'any' && !route.methods.includes(method)) continue
    const m = route.path.exec(path)
    if (!m) continue
    if ((await route.handle({ ...r, params: m.slice(1) })) !== false) return
  }
  for (; level < ACCESS_ORDER.length - 1; level++)
    if (REFUSED[ACCESS_ORDER[level + 1]!]({ ...r, params: [] }, token)) return
  sendText(r.res, 404, 'Not found.')
}
