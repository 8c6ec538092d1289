/**
 * The gateway of the studio's hosted voice and sound effects (Hugging Face, fal): a
 * self-hosted server that speaks the router's or fal's queue protocol in place of
 * huggingface.co / queue.fal.run, as the generation backends have one. The token or key
 * goes there only when the switch says so, and never over plain http to another machine.
 * One module for both settings, so the voice and the effects refuse the same things alike.
 */
import { z } from 'zod'
import { StudioError } from '../../shared/contract/define'
import { gatewayUrl } from '../../shared/contract/generation'
import { isLoopbackHost } from '../generation/token-policy'

/** Stored beside the provider choice; applies to whichever hosted provider (hf, fal) is chosen. */
export const gatewaySettingsSchema = {
  gateway: gatewayUrl.optional(),
  /** Send the HF token / fal key to the gateway (off by default). */
  keyToGateway: z.boolean().optional()
}

export interface GatewaySettings {
  gateway?: string | undefined
  keyToGateway?: boolean | undefined
}

export interface GatewayPatch {
  /** '' removes the gateway (back to huggingface.co / fal). */
  gateway?: string | undefined
  keyToGateway?: boolean | undefined
}

/** The stored gateway with a patch applied; a refusal names the field and what to do. */
export function mergeGateway(cur: GatewaySettings, patch: GatewayPatch): GatewaySettings {
  const raw = patch.gateway === undefined ? (cur.gateway ?? '') : patch.gateway.trim()
  const keyToGateway = patch.keyToGateway ?? cur.keyToGateway ?? false
  if (!raw) return keyToGateway && patch.keyToGateway ? refuseKeyWithoutGateway() : {}
  const parsed = gatewayUrl.safeParse(raw)
  if (!parsed.success)
    throw new StudioError(
      'invalid_input',
      `"${raw}" is not a gateway: ${parsed.error.issues[0]?.message ?? 'give its origin, like https://gateway.example.org'}.`,
      'gateway'
    )
  const url = new URL(parsed.data)
  if (keyToGateway && url.protocol === 'http:' && !isLoopbackHost(url.hostname))
    throw new StudioError(
      'invalid_input',
      `The gateway ${parsed.data} is plain http on another machine: a key is never sent there. Serve it over https.`,
      'gateway'
    )
  return { gateway: parsed.data, ...(keyToGateway ? { keyToGateway: true } : {}) }
}

function refuseKeyWithoutGateway(): never {
  throw new StudioError(
    'invalid_input',
    'Sending the key to a gateway needs the gateway: give its address too (e.g. https://gateway.example.org).',
    'keyToGateway'
  )
}

/** The fields the HF providers take (their switch is named for the token). */
export function hfGateway(s: GatewaySettings): { gateway?: string; tokenToGateway?: boolean } {
  return s.gateway ? { gateway: s.gateway, ...(s.keyToGateway ? { tokenToGateway: true } : {}) } : {}
}

/** The fields the fal providers take. */
export function falGateway(s: GatewaySettings): { gateway?: string; keyToGateway?: boolean } {
  return s.gateway ? { gateway: s.gateway, ...(s.keyToGateway ? { keyToGateway: true } : {}) } : {}
}
