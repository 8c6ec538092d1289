import type { ComfyEndpoint, ComfyStep } from '../../../shared/contract/comfyui'
import { ComfyClient } from './client'
import { pickWorkflow, requiredClasses } from './workflows'

export interface ComfyTestResult {
  ok: boolean
  problem: string | null
  message: string
  /** Node classes the workflow needs that the server lacks. */
  missing: string[]
}

/** Test connection: the server answers, and has every node class the step's workflow(s) use. */
export async function testComfy(
  endpoint: ComfyEndpoint,
  step: ComfyStep,
  token: string | undefined
): Promise<ComfyTestResult> {
  const client = new ComfyClient(endpoint.url, token)
  let version = '?'
  let gpu = ''
  try {
    const stats = await client.systemStats()
    version = stats.system?.comfyui_version ?? '?'
    const d = stats.devices?.[0]
    if (d?.name) gpu = `, ${d.name}${d.vram_total ? ` (${Math.round(d.vram_total / 2 ** 30)} GiB)` : ''}`
  } catch (err) {
    return { ok: false, problem: 'unreachable', message: err instanceof Error ? err.message : String(err), missing: [] }
  }
  const graphs = [pickWorkflow(step, false)]
  try {
    const img = pickWorkflow(step, true)
    if (img.id !== graphs[0]!.id) graphs.push(img)
  } catch {
    /* no image workflow */
  }
  let info: Record<string, unknown>
  try {
    info = await client.objectInfo()
  } catch (err) {
    return { ok: false, problem: 'unreachable', message: err instanceof Error ? err.message : String(err), missing: [] }
  }
  const missing = [...new Set(graphs.flatMap((w) => requiredClasses(w.graph)).filter((c) => !(c in info)))]
  if (missing.length > 0) {
    return {
      ok: false,
      problem: 'missing_nodes',
      message: `ComfyUI ${version} at ${endpoint.url} lacks the nodes ${missing.join(', ')}. Update ComfyUI (the Wan 2.2 and ACE-Step nodes are built in since mid-2025) or install the custom nodes that provide them.`,
      missing
    }
  }
  return {
    ok: true,
    problem: null,
    message: `ComfyUI ${version} at ${endpoint.url}${gpu} has every node the workflow needs.`,
    missing: []
  }
}
