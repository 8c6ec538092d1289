import type { Core, Feature } from './core'
import { appFeature } from './app-feature'
import { secretsFeature } from './secrets-feature'
import { libraryFeature } from '../library'
import { generationFeature } from '../generation/feature'
import { onairFeature } from '../onair/feature'
import { outputsFeature } from '../onair/outputs-feature'

/**
 * Every feature of the studio core, in start-up order. Each installs its services
 * and returns the contract handlers it serves. Keep this list the only place that
 * knows them all.
 */
export const defaultFeatures: Feature[] = [secretsFeature, appFeature, libraryFeature, generationFeature, onairFeature, outputsFeature]

export async function installFeatures(core: Core, features: Feature[] = defaultFeatures): Promise<void> {
  for (const feature of features) {
    core.register(await feature(core))
  }
}
