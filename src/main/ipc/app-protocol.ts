import { net, protocol } from 'electron'
import { pathToFileURL } from 'node:url'
import { join } from 'node:path'
import { resolveServedFile, resolveServedMedia } from '../server/static'
import { studioCsp } from '../server/csp'

/**
 * One privileged scheme serves the whole desktop UI:
 *   webtv://studio/…  the built renderer (with our CSP header, which file:// can't carry)
 *   webtv://media/…   clips, posters and filmstrips from the data folder (video seeking
 *                     needs `stream: true` so Range requests work)
 */
export const APP_SCHEME = 'webtv'
export const STUDIO_ORIGIN = `${APP_SCHEME}://studio`

/** Must run before app 'ready'. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } }
  ])
}

export function handleAppScheme(opts: { rendererDir: string; dataDir: string }): void {
  const csp = studioCsp({ mediaScheme: APP_SCHEME })
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url)
    if (url.host === 'studio') {
      const path = url.pathname === '/' ? '/index.html' : url.pathname
      const file = resolveServedFile([opts.rendererDir], path)
      if (!file) return new Response('Not found', { status: 404 })
      const res = await net.fetch(pathToFileURL(file).toString())
      const headers = new Headers(res.headers)
      if (path.endsWith('.html')) headers.set('Content-Security-Policy', csp)
      headers.set('X-Content-Type-Options', 'nosniff')
      return new Response(res.body, { status: res.status, headers })
    }
    if (url.host === 'media') {
      const file = resolveServedMedia(opts.dataDir, url.pathname)
      if (!file) return new Response('Not found', { status: 404 })
      return net.fetch(pathToFileURL(file).toString(), { headers: request.headers })
    }
    return new Response('Not found', { status: 404 })
  })
}

export function studioEntryUrl(devServerUrl: string | undefined): string {
  return devServerUrl ?? `${STUDIO_ORIGIN}/index.html`
}

export function rendererDirBesideMain(mainDir: string): string {
  return join(mainDir, '..', 'renderer')
}
