import type { Autopilot } from './autopilot'
import type { GenerationService } from './service'

/** What `webtv serve/demo/generate` get from the GENERATION service. */
export interface GenerationHandle {
  service: GenerationService
  autopilot: Autopilot
  /** Start the workers (and the autopilot): only long-running processes call this. */
  start(opts?: { autopilot?: boolean }): void
}
