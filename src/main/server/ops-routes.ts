import type { IncomingMessage, ServerResponse } from 'node:http'
import type { OutputsService } from '../outputs/service'
import { PROMETHEUS_CONTENT_TYPE } from '../outputs/metrics'
import { readServedFile, resolveServedFile } from './static'

const HEADERS = { 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' }

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  extra: Record<string, string> = {}
): void {
  res.writeHead(status, { ...HEADERS, 'Content-Type': type, 'Cache-Control': 'no-store', ...extra })
  res.end(body)
}

export interface OpsRouteContext {
  outputs: OutputsService | undefined
  /** The request comes from this machine. */
  local: boolean
  /** The request carries the studio's token. */
  authorized: boolean
}

/**
 * Routes for operations and viewers that sit beside the studio UI:
 * - /metrics (Prometheus text) and /health (JSON; 503 when failing): from this
 *   machine without a token (a local supervisor or Prometheus agent), from
 *   elsewhere (`serve --lan`) only with the token;
 * - /hls/<stream>/index.m3u8 and its segments: public and read-only, like /watch
 *   and the HTTP-FLV proxy, only while the channel airs HLS;
 * - /guide/<stream>.json, /guide/<stream>.xml (XMLTV) and /guide.xml: public.
 * Returns false when the path is not one of these.
 */
export async function handleOpsRoute(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  ctx: OpsRouteContext
): Promise<boolean> {
  const path = url.pathname
  const method = req.method ?? 'GET'
  if (method !== 'GET' && method !== 'HEAD') return false
  const outputs = ctx.outputs

  if (path === '/metrics' || path === '/health') {
    if (!ctx.local && !ctx.authorized) {
      send(
        res,
        401,
        'text/plain; charset=utf-8',
        'From another machine, /metrics and /health need the studio token (Authorization: Bearer …).\n'
      )
      return true
    }
    if (!outputs) {
      send(res, 503, 'text/plain; charset=utf-8', 'Status is not available in this studio.\n')
      return true
    }
    if (path === '/metrics') send(res, 200, PROMETHEUS_CONTENT_TYPE, outputs.prometheus())
    else {
      const h = outputs.health()
      send(res, h.httpStatus, 'application/json', JSON.stringify(h))
    }
    return true
  }

  // The video playlist and segments; where the look has captions, the WebVTT rendition, the master playlist and
  // the studio's numbered copy of the video playlist (outputs/hls-playlist.ts).
  const hls =
    /^\/hls\/([A-Za-z0-9_-]+)\/(index\.m3u8|master\.m3u8|video\.m3u8|subs\.m3u8|seg-\d+\.ts|sub-\d+\.vtt)$/.exec(path)
  if (hls) {
    const folder = outputs?.hlsFolder(hls[1]!)
    if (!folder) {
      send(res, 404, 'text/plain; charset=utf-8', `Channel stream "${hls[1]}" does not air HLS right now.\n`)
      return true
    }
    const playlist = hls[2]!.endsWith('.m3u8')
    const vtt = hls[2]!.endsWith('.vtt')
    // Read whole (a segment is ~0.5 MB): ffmpeg deletes segments leaving the window at
    // any moment, and a stream opened just before that must not fail half-sent.
    // Only a regular file whose real path is inside this stream's folder: a link planted there is refused.
    let body: Buffer
    try {
      const file = resolveServedFile([folder], hls[2]!)
      if (!file) throw new Error('not served')
      body = readServedFile(file)
    } catch {
      send(
        res,
        404,
        'text/plain; charset=utf-8',
        playlist
          ? 'The first HLS segment is not ready yet; retry in a few seconds.\n'
          : 'That segment has left the window.\n'
      )
      return true
    }
    res.writeHead(200, {
      ...HEADERS,
      'Content-Type': playlist ? 'application/vnd.apple.mpegurl' : vtt ? 'text/vtt; charset=utf-8' : 'video/mp2t',
      'Content-Length': String(body.length),
      // The playlist changes every segment; a segment never changes once listed.
      'Cache-Control': playlist ? 'no-cache' : 'public, max-age=60',
      'Access-Control-Allow-Origin': '*'
    })
    res.end(method === 'HEAD' ? undefined : body)
    return true
  }

  if (path === '/guide.xml' || path === '/guide.json') {
    const guides = outputs?.publicGuides() ?? []
    if (path === '/guide.xml')
      send(res, 200, 'application/xml; charset=utf-8', outputs?.xmltv(guides) ?? '', {
        'Access-Control-Allow-Origin': '*'
      })
    else send(res, 200, 'application/json', JSON.stringify({ guides }), { 'Access-Control-Allow-Origin': '*' })
    return true
  }
  const guide = /^\/guide\/([A-Za-z0-9_-]+)\.(json|xml)$/.exec(path)
  if (guide) {
    const g = outputs?.publicGuide(guide[1]!)
    if (!g || !outputs) {
      send(res, 404, 'text/plain; charset=utf-8', `No channel streams as "${guide[1]}".\n`)
      return true
    }
    if (guide[2] === 'xml')
      send(res, 200, 'application/xml; charset=utf-8', outputs.xmltv([g]), { 'Access-Control-Allow-Origin': '*' })
    else send(res, 200, 'application/json', JSON.stringify(g), { 'Access-Control-Allow-Origin': '*' })
    return true
  }
  return false
}
