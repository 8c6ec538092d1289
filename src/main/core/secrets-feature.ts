import type { Feature } from './core'
import { FileSecretStore, type SecretStore } from '../secrets'

/** Installs the secret store every other feature reads keys and tokens from. */
export const secretsFeature: Feature = (ctx) => {
  const store: SecretStore = new FileSecretStore(ctx.dataDir, ctx.secretCipher)
  ctx.services.set('secrets', store)
  return {}
}

export function secretsOf(services: Map<string, unknown>): SecretStore {
  const store = services.get('secrets') as SecretStore | undefined
  if (!store) throw new Error('The secret store is not installed (secretsFeature must run first).')
  return store
}
