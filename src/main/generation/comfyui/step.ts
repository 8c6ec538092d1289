import type { ComfyStep } from '../../../shared/contract/comfyui'
import type { StepContext } from '../types'
import { runComfy, type RemoteRef } from './run'
import { pickWorkflow } from './workflows'

export { tokenAllowed } from './token'

export interface ComfyCall {
  endpoint: string
  token?: string | undefined
  timeoutMs: number
  previous?: RemoteRef | undefined
  record(ref: RemoteRef | null): void
}

/** Text (or image) to video on one server of the pool; returns the file and which workflow ran. */
export async function comfyVideo(
  cfg: ComfyStep,
  call: ComfyCall,
  req: { prompt: string; seed: number; startImage?: string | undefined },
  ctx: StepContext
): Promise<{ file: string; workflow: string; usedImage: boolean }> {
  const workflow = pickWorkflow(cfg, req.startImage !== undefined)
  const startImage = workflow.takesImage ? req.startImage : undefined
  const file = await runComfy(
    { ...call, workflow, values: { prompt: req.prompt, seed: req.seed }, startImage, outputName: 'video' },
    ctx
  )
  return { file, workflow: workflow.id, usedImage: startImage !== undefined }
}

export async function comfyMusic(
  cfg: ComfyStep,
  call: ComfyCall,
  req: { prompt: string; seed: number; durationSeconds: number },
  ctx: StepContext
): Promise<string> {
  const workflow = pickWorkflow(cfg, false)
  // ACE-Step renders up to 240 s per prompt; the bed is looped to the sequence's length afterwards.
  return runComfy(
    {
      ...call,
      workflow,
      values: { prompt: req.prompt, seed: req.seed, seconds: Math.min(240, Math.ceil(req.durationSeconds)) },
      outputName: 'music'
    },
    ctx
  )
}
