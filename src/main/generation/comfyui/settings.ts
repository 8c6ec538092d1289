import { StudioError } from '../../../shared/contract/define'
import type { BackendSettings, StepName } from '../../../shared/contract/generation'
import { checkTokenPolicy } from './token'
import { checkComfyStep } from './workflows'

/** A step set to ComfyUI that cannot work, refused when saved. */
export function checkComfyBackend(s: BackendSettings, name: StepName): void {
  if (name === 'upscale' || name === 'interpolate') {
    throw new StudioError(
      'invalid_input',
      `The ${name} step cannot run on ComfyUI yet: use the offline (ffmpeg) or a Gradio Space backend for it.`,
      `settings.${name}.backend`
    )
  }
  if (s.comfyui.endpoints.length === 0) {
    throw new StudioError(
      'invalid_input',
      `The ${name} step is set to ComfyUI but no ComfyUI server is listed: add one (e.g. http://127.0.0.1:8188).`,
      'settings.comfyui.endpoints'
    )
  }
  const seen = new Set<string>()
  for (const e of s.comfyui.endpoints) {
    if (seen.has(e.url))
      throw new StudioError(
        'invalid_input',
        `The ComfyUI server ${e.url} is listed twice: raise its concurrency instead.`,
        'settings.comfyui.endpoints'
      )
    seen.add(e.url)
  }
  checkTokenPolicy(s.comfyui.endpoints)
  checkComfyStep(s[name].comfyui, name)
}
