/**
 * The studio's service catalogue: every service one feature provides to another,
 * under a typed key. The owner provides it (`ctx.services.provide(LIBRARY, lib)`),
 * users look it up (`ctx.services.get(LIBRARY, 'generation')`). Only types come from
 * the owners, so this file joins no import loop.
 */
import { serviceKey } from './core/services'
import type { SecretStore } from './secrets/store'
import type { Library } from './library/library'
import type { OnAirEngine } from './onair/engine'
import type { GenerationHandle } from './generation/handle'
import type { OutputsService } from './outputs/service'
import type { GateService } from './checks/service'

/** Provided by secretsFeature: API keys, tokens and stream keys. */
export const SECRETS = serviceKey<SecretStore>('secrets')
/** Provided by libraryFeature: channels, shots, takes, playlists, settings. */
export const LIBRARY = serviceKey<Library>('library')
/** Provided by onairFeature: the engine that airs channels. */
export const ONAIR = serviceKey<OnAirEngine>('onair')
/**
 * Provided by onairFeature: which channels this process airs. Separate from ONAIR so
 * the library (which refuses edits to what airs) depends on this one question only.
 */
export const ON_AIR_CHANNELS = serviceKey<OnAirChannels>('onair.channels')
/** Provided by generationFeature: the job queue, its workers and the autopilot. */
export const GENERATION = serviceKey<GenerationHandle>('generation')

/** Provided by outputsFeature: HLS/recording, as-run log, guide, status (metrics, /health). */
export const OUTPUTS = serviceKey<OutputsService>('outputs')

/** Provided by checksFeature: the quality gate's counts and budgets (the metrics read them). */
export const GATE = serviceKey<GateService>('gate')

export interface OnAirChannels {
  isOnAir(channelId: number): boolean
}
