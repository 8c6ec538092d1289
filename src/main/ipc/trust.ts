/** The part of Electron's WebFrameMain we judge a sender by. */
export interface FrameLike {
  url: string
  parent: unknown
}

/**
 * scheme://host of a URL. Not URL.origin: for custom schemes such as webtv:// the
 * WHATWG parser answers "null", which would match nothing (or everything null).
 */
export function originOf(url: string): string | undefined {
  try {
    const u = new URL(url)
    return u.host ? `${u.protocol}//${u.host}` : undefined
  } catch {
    return undefined
  }
}

/**
 * Only our own top-level page may call the core — not an iframe, not a page we
 * navigated to by mistake. Pure, so it is tested without Electron.
 */
export function isTrustedFrame(frame: FrameLike | null | undefined, trustedOrigins: string[]): boolean {
  if (!frame || frame.parent) return false
  const origin = originOf(frame.url)
  return origin !== undefined && trustedOrigins.includes(origin)
}
