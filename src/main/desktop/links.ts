/**
 * Where the project lives: the Help menu's links and the updater's GitHub Releases.
 * package.json's "repository" names the same repository (electron-builder reads it for
 * the publish configuration); test/build/packaging.test.ts keeps the two in step.
 */
export const PROJECT_REPOSITORY = 'webtv-studio/webtv-studio'
export const PROJECT_URL = `https://github.com/${PROJECT_REPOSITORY}`

export const HELP_LINKS: ReadonlyArray<{ label: string; url: string }> = [
  { label: 'Documentation', url: `${PROJECT_URL}#readme` },
  { label: 'Release Notes', url: `${PROJECT_URL}/releases` },
  { label: 'Report a Problem…', url: `${PROJECT_URL}/issues/new` }
]

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]'])

/**
 * What the studio may hand to the system browser (shell.openExternal): any https page,
 * and plain http only for the studio's own local server (the watch page on 127.0.0.1).
 * Everything else — file:, javascript:, custom schemes that launch other programs,
 * http to another machine — is refused: a link must never run something on the desktop.
 */
export function isSafeExternalUrl(url: string): boolean {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return false
  }
  if (parsed.username || parsed.password) return false
  if (parsed.protocol === 'https:') return parsed.hostname !== ''
  if (parsed.protocol === 'http:') return LOOPBACK_HOSTS.has(parsed.hostname)
  return false
}
