import type { TakeOrigin } from '../../../shared/contract/comfyui'
import type { Library } from '../../library'
import type { JobStore, ShotPayload } from '../store'

/** How each take of a shot was made, read from the job row that made it (takes carry their job id). */
export function takeOrigins(lib: Library, store: JobStore, shotId: number): TakeOrigin[] {
  return lib.listTakes(shotId).map((t) => {
    const row = t.jobId !== null ? store.get(t.jobId) : undefined
    const p = row ? (JSON.parse(row.payload_json) as Partial<ShotPayload>) : undefined
    return {
      takeId: t.id,
      jobId: t.jobId,
      backend: t.backend,
      workflow: p?.remote?.workflow ?? null,
      endpoint: p?.remote?.endpoint ?? null,
      promptId: p?.remote?.promptId ?? null,
      continuedFrom: p?.continuedFrom ?? null,
      continuityNote: p?.continuityNote ?? null,
      lengthNote: p?.length?.note ?? null
    }
  })
}
