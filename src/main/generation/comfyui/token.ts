import { StudioError } from '../../../shared/contract/define'

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i

/** A token travels only over https, or to this machine: never in clear over a network. */
export function tokenAllowed(url: string): boolean {
  try {
    const u = new URL(url)
    return u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK.test(u.hostname))
  } catch {
    return false
  }
}

export function checkTokenPolicy(endpoints: Array<{ url: string; sendToken: boolean }>): void {
  for (const e of endpoints) {
    if (e.sendToken && !tokenAllowed(e.url)) {
      throw new StudioError(
        'invalid_input',
        `The token would travel in clear to ${e.url}: use an https:// address for that server (or switch "send token" off).`,
        'settings.comfyui.endpoints'
      )
    }
  }
}
