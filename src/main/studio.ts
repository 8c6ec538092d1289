/**
 * The composition root: the one place that knows every feature of the studio and
 * the order they install in. The three shells (the Electron app, `webtv serve`, the
 * CLI commands) open the studio here; a test opens a core with just the features it
 * needs by passing them.
 */
import { Core, type CoreOptions, type Feature } from './core/core'
import { appFeature } from './app/feature'
import { secretsFeature } from './secrets/feature'
import { libraryFeature } from './library/feature'
import { generationFeature } from './generation/feature'
import { checksFeature } from './checks/feature'
import { onairFeature } from './onair/feature'
import { outputsFeature } from './outputs/feature'
import { notificationsFeature } from './notifications/feature'
import { firstRunFeature } from './firstrun/feature'
import { showFeature } from './show/feature'

/** Every feature, in start-up order: a feature may use the services of those before it. */
export const studioFeatures: readonly Feature[] = [
  secretsFeature,
  appFeature,
  libraryFeature,
  generationFeature,
  showFeature,
  checksFeature,
  onairFeature,
  outputsFeature,
  notificationsFeature,
  firstRunFeature
]

export {
  secretsFeature,
  appFeature,
  libraryFeature,
  generationFeature,
  checksFeature,
  onairFeature,
  outputsFeature,
  notificationsFeature,
  firstRunFeature,
  showFeature
}

export function openStudio(opts: CoreOptions, features: readonly Feature[] = studioFeatures): Promise<Core> {
  return Core.open(opts, features)
}
