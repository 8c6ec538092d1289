import { StudioError } from '../../../shared/contract/define'
import { mayAttachToken } from '../token-policy'

/** A token travels only over https, or to this machine: never in clear over a network (the studio's one token-host policy). */
export function tokenAllowed(url: string): boolean {
  return mayAttachToken(url, { service: 'self-hosted', allowCustomHost: true })
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
