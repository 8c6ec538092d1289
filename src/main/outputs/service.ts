import type { Guide } from '../../shared/contract/outputs'
import type { Health } from './health'
import type { AsRunLog } from './asrun'
import type { ChannelOutputs } from './outputs'
import type { StudioSnapshot } from './snapshot'

/** What the studio server (and the CLI) use of the outputs feature: ctx.services.get(OUTPUTS). */
export interface OutputsService {
  snapshot(): StudioSnapshot
  health(): Health
  prometheus(): string
  guide(channelId: number, hours?: number): Guide
  /** Public guides: on-air channels only carry programmes. */
  publicGuide(stream: string): Guide | undefined
  xmltv(guides: Guide[]): string
  publicGuides(): Guide[]
  /** Folder of a stream's HLS while it airs HLS. */
  hlsFolder(stream: string): string | undefined
  asrun: AsRunLog | null
  outputs: ChannelOutputs
}
