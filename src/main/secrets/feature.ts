import type { Feature } from '../core/core'
import { SECRETS } from '../services'
import { FileSecretStore } from './store'

/** Installs the secret store every other feature reads keys and tokens from. */
export const secretsFeature: Feature = (ctx) => {
  ctx.services.provide(SECRETS, new FileSecretStore(ctx.dataDir, ctx.secretCipher))
  return {}
}
