import {
  closeSync,
  constants,
  createReadStream,
  fstatSync,
  openSync,
  readFileSync,
  realpathSync,
  type Stats
} from 'node:fs'
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

/** Resolve a URL path under root, refusing anything that escapes it or names a parent folder. */
export function safeJoin(root: string, urlPath: string): string | undefined {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    return undefined
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined
  // No URL a page of ours makes has a ".." segment (browsers fold them before sending):
  // one that arrives was written by hand, often encoded ("..%2f") to slip past the router.
  if (decoded.split('/').includes('..')) return undefined
  const base = resolve(root)
  const full = resolve(base, '.' + (decoded.startsWith('/') ? decoded : '/' + decoded))
  if (full !== base && !full.startsWith(base + sep)) return undefined
  return full
}

/**
 * THE check every file route makes (/assets, /media, /hls, the desktop scheme): the
 * file a URL path names under one of `roots`, or undefined unless it is a regular
 * file whose real path (symlinks followed) lies inside the real path of one of the
 * roots. A root may itself be a link the user made (say, to a bigger disk); a link
 * planted inside one never leads to secrets.json, the serve token or /etc/passwd.
 */
export function resolveServedFile(roots: readonly string[], encodedRel: string): string | undefined {
  for (const root of roots) {
    const file = safeJoin(root, encodedRel.startsWith('/') ? encodedRel : '/' + encodedRel)
    if (!file || file === resolve(root)) continue
    try {
      const real = realpathSync(file)
      const realRoot = realpathSync(root)
      if (!real.startsWith(realRoot + sep)) continue
      const fd = openSync(real, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0))
      try {
        if (fstatSync(fd).isFile()) return real
      } finally {
        closeSync(fd)
      }
    } catch {
      /* missing, a dangling link, or a link swapped in after the check */
    }
  }
  return undefined
}

/** Read a whole served file (already checked by resolveServedFile) without following a link swapped in since. */
export function readServedFile(real: string): Buffer {
  const fd = openSync(real, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0))
  try {
    if (!fstatSync(fd).isFile()) throw new Error('not a regular file')
    return readFileSync(fd)
  } finally {
    closeSync(fd)
  }
}

function openRegular(file: string): { fd: number; st: Stats } | undefined {
  let fd: number | undefined
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0))
    const st = fstatSync(fd)
    if (st.isFile()) return { fd, st }
  } catch {
    /* missing or a link */
  }
  if (fd !== undefined) closeSync(fd)
  return undefined
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
  // Opened without following a final symlink, and sent from that descriptor: what was checked is what goes out.
  const opened = openRegular(file)
  if (!opened) return false
  const { fd, st } = opened
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
      closeSync(fd)
      res.writeHead(416, { 'Content-Range': `bytes */${st.size}` })
      res.end()
      return true
    }
    res.writeHead(206, {
      ...common,
      'Content-Length': String(end - start + 1),
      'Content-Range': `bytes ${start}-${end}/${st.size}`
    })
    if (req.method === 'HEAD') {
      closeSync(fd)
      res.end()
    } else createReadStream('', { fd, start, end }).pipe(res)
    return true
  }
  res.writeHead(200, { ...common, 'Content-Length': String(st.size) })
  if (req.method === 'HEAD') {
    closeSync(fd)
    res.end()
  } else createReadStream('', { fd }).pipe(res)
  return true
}

/** The data-folder subfolders the UI may read media from — never the database or the secrets file. */
export const SERVED_MEDIA_FOLDERS = ['media', 'trash', 'slates', 'uploads'] as const

/**
 * The file a media URL path names (relative to the data folder, still URL-encoded),
 * or undefined unless it lies inside one of the served media folders (resolveServedFile).
 */
export function resolveServedMedia(dataDir: string, encodedRel: string): string | undefined {
  const rel = encodedRel.startsWith('/') ? encodedRel.slice(1) : encodedRel
  const slash = rel.indexOf('/')
  if (slash <= 0) return undefined
  const folder = rel.slice(0, slash)
  if (!(SERVED_MEDIA_FOLDERS as readonly string[]).includes(folder)) return undefined
  return resolveServedFile([resolve(dataDir, folder)], rel.slice(slash))
}
