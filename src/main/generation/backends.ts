import type { BackendKind, StepBackend } from '../../shared/contract/generation'
import type { GenerationBackend } from './backend'
import { comfyuiBackend } from './comfyui/backend'
import { falBackend } from './fal/backend'
import { gradioBackend } from './gradio/backend'
import { hfInferenceBackend } from './hf-inference/backend'
import { offlineBackend } from './offline/backend'
import { runpodBackend } from './runpod/backend'

/**
 * The table of generation backends: one row per kind, each declared in its own
 * folder. Everything that differs between kinds (validation, scheduling, runners,
 * health, keys, labels) is in the row; the job queue, the settings handlers, the
 * CLI and the jobs list only look rows up here.
 *
 * Adding a backend kind:
 *  1. its row in the contract: `BACKEND_KINDS` (label, steps, key field) and, when it
 *     has settings of its own, its schema in `backendConfigSchema` (both in
 *     src/shared/contract/generation.ts) plus a default in shared/backend-presets.ts;
 *  2. a folder `generation/<kind>/` with `backend.ts` exporting a `GenerationBackend`
 *     (see backend.ts for each field), its client, and its own token service
 *     (`{ what, domains }` for token-policy) if it owns a key;
 *  3. its row below. The settings UI's picker, `webtv backends set --<step> <kind>`,
 *     Test connection and the keys of `generation.backends.get/set` follow from these.
 *
 * Adding a step (e.g. 'voice', 'sfx', 'judge'): its name in the contract's
 * `STEP_NAMES`, the kinds that serve it list it in their `steps`, and each of those
 * rows' `prepare` reads its input from `StepInput` (add the fields it needs there).
 */
export const BACKENDS: Record<BackendKind, GenerationBackend> = {
  offline: offlineBackend,
  gradio: gradioBackend,
  'hf-inference': hfInferenceBackend,
  fal: falBackend,
  comfyui: comfyuiBackend,
  runpod: runpodBackend
}

export function backendOf(kind: BackendKind): GenerationBackend {
  return BACKENDS[kind]
}

/** The row a step's settings point at. */
export function backendFor(step: StepBackend): GenerationBackend {
  return BACKENDS[step.backend]
}
