import { StudioError } from '../../shared/contract/define'
import type { BackendSettings, StepBackend } from '../../shared/contract/generation'
import { runOnSpace, type SpaceTarget } from './gradio/space'
import { PRESETS, type GradioMapping, type StepName } from './gradio/presets'
import { checkComfyBackend } from './comfyui/settings'
import { LocalInterpolate, LocalMusic, LocalUpscale, OfflineVideo } from './offline'
import type { InterpolateStep, MusicStep, ShotPrompt, StepContext, UpscaleStep, VideoStep } from './types'

/** The mapping a step uses: its own, else its preset's. */
export function mappingFor(step: StepBackend, name: StepName): GradioMapping {
  if (step.mapping) return { endpoint: step.mapping.endpoint, args: step.mapping.args, outputIndex: step.mapping.outputIndex ?? 0 }
  if (step.preset === 'custom') {
    throw new StudioError('invalid_input', `The ${name} step uses a custom Space but has no mapping: give an endpoint and an argument template.`, `settings.${name}.mapping`)
  }
  return PRESETS[step.preset].mapping
}

/** Settings that cannot work, refused when saved (not when a job fails an hour later). */
export function checkBackends(s: BackendSettings): void {
  for (const name of ['video', 'upscale', 'interpolate', 'music'] as const) {
    const step = s[name]
    if (step.enabled && step.backend === 'comfyui') {
      checkComfyBackend(s, name)
      continue
    }
    if (!step.enabled || step.backend !== 'gradio') continue
    if (step.spaces.length === 0) {
      throw new StudioError('invalid_input', `The ${name} step is set to a Gradio Space but names none: add a Space id or URL.`, `settings.${name}.spaces`)
    }
    if (step.preset !== 'custom' && PRESETS[step.preset].step !== name) {
      throw new StudioError('invalid_input', `The preset "${step.preset}" is for the ${PRESETS[step.preset].step} step, not ${name}.`, `settings.${name}.preset`)
    }
    mappingFor(step, name)
  }
}

const gradioCall = (target: SpaceTarget, mapping: GradioMapping, timeoutMs: number, outputName: string) =>
  (values: Parameters<typeof runOnSpace>[1]['values'], ctx: StepContext): Promise<string> =>
    runOnSpace(target, { mapping, values, timeoutMs, outputName }, ctx)

export function videoStep(s: BackendSettings, space: string | undefined, token: string | undefined): VideoStep {
  if (s.video.backend === 'offline' || !space) {
    return new OfflineVideo({ width: s.offline.width, height: s.offline.height, durationSeconds: s.offline.seconds })
  }
  const mapping = mappingFor(s.video, 'video')
  const run = gradioCall({ space, token }, mapping, s.callTimeoutMs, 'video')
  return {
    kind: 'gradio',
    label: `${space} ${mapping.endpoint}`,
    generate: (req: ShotPrompt, ctx: StepContext) => run({ prompt: req.prompt, seed: req.seed }, ctx)
  }
}

export function upscaleStep(s: BackendSettings, space: string | undefined, token: string | undefined, target: { width: number; height: number }): UpscaleStep {
  if (s.upscale.backend === 'offline' || !space) return new LocalUpscale(target.width, target.height)
  const mapping = mappingFor(s.upscale, 'upscale')
  const run = gradioCall({ space, token }, mapping, s.callTimeoutMs, 'upscaled')
  return { label: `${space} ${mapping.endpoint}`, upscale: (req, ctx) => run({ prompt: req.prompt, video: req.video }, ctx) }
}

export function interpolateStep(s: BackendSettings, space: string | undefined, token: string | undefined, fps: number): InterpolateStep {
  if (s.interpolate.backend === 'offline' || !space) return new LocalInterpolate(fps)
  const mapping = mappingFor(s.interpolate, 'interpolate')
  const run = gradioCall({ space, token }, mapping, s.callTimeoutMs, 'interpolated')
  return { label: `${space} ${mapping.endpoint}`, interpolate: (req, ctx) => run({ video: req.video }, ctx) }
}

export function musicStep(s: BackendSettings, space: string | undefined, token: string | undefined): MusicStep {
  if (s.music.backend === 'offline' || !space) return new LocalMusic()
  const mapping = mappingFor(s.music, 'music')
  const run = gradioCall({ space, token }, mapping, s.callTimeoutMs, 'music')
  return {
    label: `${space} ${mapping.endpoint}`,
    // MusicGen renders at most 120 s per call; the bed is looped to the sequence's length afterwards.
    compose: (req, ctx) => run({ prompt: req.prompt, seed: req.seed, duration: Math.min(120, Math.ceil(req.durationSeconds)) }, ctx)
  }
}
