/**
 * One Content-Security-Policy for the studio page, in Electron and in a browser:
 * only our own scripts, no eval, no inline scripts; media from our own origin
 * (or the desktop's media protocol) and blob: (mpegts.js feeds MSE through blob
 * URLs); live FLV from the loopback RTMP server's HTTP port.
 */
export function studioCsp(opts: { mediaScheme?: string } = {}): string {
  const media = opts.mediaScheme ? ` ${opts.mediaScheme}:` : ''
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' data: blob:${media}`,
    `media-src 'self' blob:${media}`,
    "connect-src 'self' ws: wss: http://127.0.0.1:* http://localhost:*",
    "font-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'"
  ].join('; ')
}
