import { createReadStream, realpathSync, statSync, type Stats } from 'node:fs'
import { extname, resolve, sep } from 'node:path'
import type { IncomingMessage, ServerResponse } from 'node:http'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.mp4': 'video/mp4',
  '.ts': 'video/mp2t',
  '.m4a': 'audio/mp4',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.txt': 'text/plain; charset=utf-8'
}

export function contentType(file: string): string {
  return TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream'
}

/** Resolve a URL path under root, refusing anything that escapes it. */
export function safeJoin(root: string, urlPath: string): string | undefined {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    return undefined
  }
  if (decoded.includes('\0')) return undefined
  const base = resolve(root)
  const full = resolve(base, '.' + (decoded.startsWith('/') ? decoded : '/' + decoded))
  if (full !== base && !full.startsWith(base + sep)) return undefined
  return full
}

function statFile(file: string): Stats | undefined {
  try {
    const s = statSync(file)
    return s.isFile() ? s : undefined
  } catch {
    return undefined
  }
}

/**
 * Send a file with HTTP Range support (the <video> element seeks with Range
 * requests; without 206 answers Chromium refuses to seek and may not play).
 */
export function sendFile(
  req: IncomingMessage,
  res: ServerResponse,
  file: string,
  headers: Record<string, string> = {}
): boolean {
  const st = statFile(file)
  if (!st) return false
  const type = contentType(file)
  const range = req.headers.range
  const common = { 'Content-Type': type, 'Accept-Ranges': 'bytes', 'Last-Modified': st.mtime.toUTCString(), ...headers }
  if (range) {
    const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim())
    let start = 0
    let end = st.size - 1
    if (m) {
      if (m[1] === '' && m[2] !== '') {
        start = Math.max(0, st.size - Number(m[2]))
      } else {
        start = Number(m[1])
        if (m[2] !== '') end = Math.min(end, Number(m[2]))
      }
    }
    if (!m || start > end || start >= st.size) {
      res.writeHead(416, { 'Content-Range': `bytes */${st.size}` })
      res.end()
      return true
    }
    res.writeHead(206, {
      ...common,
      'Content-Length': String(end - start + 1),
      'Content-Range': `bytes ${start}-${end}/${st.size}`
    })
    if (req.method === 'HEAD') res.end()
    else createReadStream(file, { start, end }).pipe(res)
    return true
  }
  res.writeHead(200, { ...common, 'Content-Length': String(st.size) })
  if (req.method === 'HEAD') res.end()
  else createReadStream(file).pipe(res)
  return true
}

/** The data-folder subfolders the UI may read media from — never the database or the secrets file. */
export const SERVED_MEDIA_FOLDERS = ['media', 'trash', 'slates', 'uploads'] as const

/**
 * The file a media URL path names (relative to the data folder, still URL-encoded),
 * or undefined unless it lies inside one of the served media folders. Checked on
 * the resolved path, so encoded "..%2f" tricks cannot climb out to secrets.json.
 */
export function resolveServedMedia(dataDir: string, encodedRel: string): string | undefined {
  const file = safeJoin(dataDir, encodedRel.startsWith('/') ? encodedRel : '/' + encodedRel)
  if (!file) return undefined
  const inside = SERVED_MEDIA_FOLDERS.some((folder) => file.startsWith(resolve(dataDir, folder) + sep))
  return inside ? realMediaFile(dataDir, file) : undefined
}

/**
 * The same check on the resolved path: a symlink planted in media/ must not lead to
 * ~/.ssh or the secrets file. Only a regular file whose real path lies inside one of
 * the served folders' real paths (the folder itself may be a link the user made, say
 * to a bigger disk) is served.
 */
function realMediaFile(dataDir: string, file: string): string | undefined {
  try {
    const real = realpathSync(file)
    if (!statSync(real).isFile()) return undefined
    const ok = SERVED_MEDIA_FOLDERS.some((folder) => {
      try {
        return real.startsWith(realpathSync(resolve(dataDir, folder)) + sep)
      } catch {
        return false
      }
    })
    return ok ? real : undefined
  } catch {
    return undefined
  }
}
