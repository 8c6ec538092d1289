import { createHash } from 'node:crypto'
import stableAudio from '../../../resources/comfyui/stable-audio.json'
import { comfyMappingSchema } from '../../shared/contract/comfyui'
import { GenerationError } from '../generation/errors'
import { EndpointDownError } from '../generation/comfyui/errors'
import { runComfy } from '../generation/comfyui/run'
import type { ComfyGraph, ResolvedWorkflow } from '../generation/comfyui/workflows'
import { redact } from '../secrets'
import {
  EFFECT_LUFS,
  EFFECT_MAX_BYTES,
  EFFECT_TIMEOUT_MS,
  EffectError,
  type ComfyEffectSettings,
  type EffectRequest,
  type MadeEffect
} from './types'

/**
 * The shipped effect workflow: Stable Audio Open 1.0 (ComfyUI's own text-to-audio template —
 * the channel's music workflow, ACE-Step, makes songs, not sounds), its negative prompt
 * steering away from music and voices. It needs stable-audio-open-1.0.safetensors among the
 * server's checkpoints and t5-base.safetensors among its text encoders.
 */
export const EFFECT_WORKFLOW: ResolvedWorkflow = {
  id: 'stable-audio',
  label: 'Stable Audio Open 1.0',
  graph: stableAudio as ComfyGraph,
  mapping: comfyMappingSchema.parse({
    prompt: ['6.text'],
    seed: ['3.seed'],
    length: ['11.seconds'],
    lengthUnit: 'seconds',
    outputNode: '19'
  }),
  seconds: 10,
  fps: 1,
  takesImage: false
}

let counter = 0

export function comfyEffectWhere(s: ComfyEffectSettings): string {
  const n = s.servers.length
  return `ComfyUI ${EFFECT_WORKFLOW.label} (${n === 1 ? s.servers[0]!.url : `${n} servers`})`
}

/** The same cue gets the same seed: asked again (another length, a lost file), it sounds alike. */
function seedOf(cue: string): number {
  return createHash('sha256').update(cue).digest().readUInt32BE(0)
}

/**
 * One effect on the studio's ComfyUI servers, through the runner that renders the channel's
 * video and music (runComfy: ComfyUI's HTTP + WebSocket API). The servers are tried in order;
 * one that is unreachable hands the effect to the next, any other failure (the workflow's
 * error, the time limit) is the effect's. The token goes only where the settings put it
 * (the backends' "send token" and the token policy), the output is downloaded bounded,
 * a cancel stops the prompt on its server, and no error carries the token. As with the
 * other hosted rows no prompt is kept across a restart: an interrupted effect is asked again.
 */
export async function comfyEffect(
  s: ComfyEffectSettings,
  req: EffectRequest,
  workDir: string,
  signal?: AbortSignal
): Promise<MadeEffect> {
  const tokens = s.servers.flatMap((e) => (e.token ? [e.token] : []))
  const ctx = { signal: signal ?? new AbortController().signal, onProgress: () => undefined, workDir }
  const down: string[] = []
  for (const server of s.servers) {
    try {
      const file = await runComfy(
        {
          endpoint: server.url,
          token: server.token,
          workflow: EFFECT_WORKFLOW,
          values: { prompt: req.cue, seed: seedOf(req.cue), seconds: Math.ceil(req.seconds) },
          outputName: `sfx-comfyui-${process.pid}-${++counter}`,
          timeoutMs: EFFECT_TIMEOUT_MS,
          maxBytes: EFFECT_MAX_BYTES,
          record: () => undefined
        },
        ctx
      )
      return { file, lufs: EFFECT_LUFS }
    } catch (err) {
      if (err instanceof EndpointDownError && !ctx.signal.aborted) {
        down.push(err.message)
        continue
      }
      // Canceled at any point (while the prompt was on its way, queued or running): said as such, whatever the runner's words.
      if (ctx.signal.aborted) throw new EffectError(`ComfyUI (${server.url}): Canceled.`)
      const message = err instanceof GenerationError || err instanceof Error ? err.message : String(err)
      throw new EffectError(redact(`ComfyUI (${server.url}): ${message}`, tokens))
    }
  }
  throw new EffectError(
    redact(
      down.length
        ? `No ComfyUI server could make the effect: ${down.join(' ')}`
        : 'No ComfyUI server is listed: add one to a channel under Settings → ComfyUI servers (webtv comfy add URL --channel NAME).',
      tokens
    )
  )
}
