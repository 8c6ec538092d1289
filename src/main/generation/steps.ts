import { StudioError } from '../../shared/contract/define'
import type {
  BackendKind,
  BackendSettings,
  FalConfig,
  HfInferenceConfig,
  StepBackend
} from '../../shared/contract/generation'
import { backendConfigOf, defaultBackendConfig, modelPreset } from '../../shared/backend-presets'
import { falInput, falWhere, runOnFal } from './fal/queue'
import { hfWhere, runOnHf } from './hf-inference/run'
import { runOnSpace, type SpaceTarget } from './gradio/space'
import { PRESETS, type GradioMapping, type StepName } from './gradio/presets'
import { checkComfyBackend } from './comfyui/settings'
import { LocalInterpolate, LocalMusic, LocalUpscale, OfflineVideo } from './offline'
import type { InterpolateStep, MusicStep, ShotPrompt, StepContext, UpscaleStep, VideoStep } from './types'

/** The mapping a step uses: its own, else its preset's. */
export function mappingFor(step: StepBackend, name: StepName): GradioMapping {
  if (step.mapping)
    return { endpoint: step.mapping.endpoint, args: step.mapping.args, outputIndex: step.mapping.outputIndex ?? 0 }
  if (step.preset === 'custom') {
    throw new StudioError(
      'invalid_input',
      `The ${name} step uses a custom Space but has no mapping: give an endpoint and an argument template.`,
      `settings.${name}.mapping`
    )
  }
  return PRESETS[step.preset].mapping
}

/** The keys a run needs, read from the secret store just before it starts (never kept on a job). */
export interface Credentials {
  hfToken?: string | undefined
  falKey?: string | undefined
}

/** Which kinds each step can run on: the provider kinds make video and music; upscale and interpolation stay local or on a Space. */
export const KINDS_FOR_STEP: Record<StepName, BackendKind[]> = {
  video: ['offline', 'gradio', 'hf-inference', 'fal', 'comfyui'],
  // ComfyUI refuses these itself, with its own words (checkComfyBackend).
  upscale: ['offline', 'gradio', 'comfyui'],
  interpolate: ['offline', 'gradio', 'comfyui'],
  music: ['offline', 'gradio', 'hf-inference', 'fal', 'comfyui']
}

/** A starting point for a kind on a step (shared with the settings UI). */
export const defaultConfig = defaultBackendConfig

/** The settings of one kind on a step (its stored entry, else that kind's default). */
export const configOf = backendConfigOf

/** Settings that cannot work, refused when saved (not when a job fails an hour later). */
export function checkBackends(s: BackendSettings): void {
  for (const name of ['video', 'upscale', 'interpolate', 'music'] as const) {
    const step = s[name]
    if (!KINDS_FOR_STEP[name].includes(step.backend)) {
      throw new StudioError(
        'invalid_input',
        `The ${name} step cannot run on ${step.backend}; it runs on ${KINDS_FOR_STEP[name].join(', ')}.`,
        `settings.${name}.backend`
      )
    }
    if (step.enabled && step.backend === 'comfyui') {
      checkComfyBackend(s, name)
      continue
    }
    if (step.enabled && (step.backend === 'hf-inference' || step.backend === 'fal')) {
      const cfg = configOf(step, step.backend, name)
      const preset = modelPreset(cfg.preset)
      if (preset && preset.step !== (name === 'music' ? 'music' : 'video')) {
        throw new StudioError(
          'invalid_input',
          `The preset "${preset.label}" makes ${preset.step}, not ${name}.`,
          `settings.${name}.configs`
        )
      }
      if (
        cfg.gateway &&
        new URL(cfg.gateway).protocol === 'http:' &&
        (cfg.kind === 'fal' ? cfg.keyToGateway : cfg.tokenToGateway)
      ) {
        const host = new URL(cfg.gateway).hostname
        if (!/^(127\.|localhost$|\[::1\]$)/.test(host)) {
          throw new StudioError(
            'invalid_input',
            `The gateway ${cfg.gateway} is plain http on another machine: a key is never sent there. Serve it over https.`,
            `settings.${name}.configs`
          )
        }
      }
      continue
    }
    if (!step.enabled || step.backend !== 'gradio') continue
    if (step.spaces.length === 0) {
      throw new StudioError(
        'invalid_input',
        `The ${name} step is set to a Gradio Space but names none: add a Space id or URL.`,
        `settings.${name}.spaces`
      )
    }
    if (step.preset !== 'custom' && PRESETS[step.preset].step !== name) {
      throw new StudioError(
        'invalid_input',
        `The preset "${step.preset}" is for the ${PRESETS[step.preset].step} step, not ${name}.`,
        `settings.${name}.preset`
      )
    }
    mappingFor(step, name)
  }
}

const gradioCall =
  (target: SpaceTarget, mapping: GradioMapping, timeoutMs: number, outputName: string) =>
  (values: Parameters<typeof runOnSpace>[1]['values'], ctx: StepContext): Promise<string> =>
    runOnSpace(target, { mapping, values, timeoutMs, outputName }, ctx)

const spaceTarget = (step: StepBackend, space: string, creds: Credentials): SpaceTarget => ({
  space,
  token: creds.hfToken,
  tokenToCustomHost: step.tokenToCustomHost === true
})

/** Where a step of these settings runs, for the jobs list and a take's provenance. */
export function whereFor(step: StepBackend, name: StepName, space: string | undefined): string {
  if (step.backend === 'hf-inference') return hfWhere(configOf(step, 'hf-inference', name))
  if (step.backend === 'fal') return falWhere(configOf(step, 'fal', name))
  if (step.backend === 'gradio' && space) return `gradio · ${space}`
  return 'local'
}

function providerVideo(step: StepBackend, s: BackendSettings, creds: Credentials): VideoStep | undefined {
  if (step.backend === 'hf-inference') {
    const config: HfInferenceConfig = configOf(step, 'hf-inference', 'video')
    return {
      kind: 'hf-inference',
      label: hfWhere(config),
      generate: (req, ctx) =>
        runOnHf(
          { config, token: creds.hfToken },
          { task: 'video', prompt: req.prompt, seed: req.seed, timeoutMs: s.callTimeoutMs, outputName: 'video' },
          ctx
        )
    }
  }
  if (step.backend === 'fal') {
    const config: FalConfig = configOf(step, 'fal', 'video')
    return {
      kind: 'fal',
      label: falWhere(config),
      generate: (req, ctx) =>
        runOnFal(
          { config, key: creds.falKey },
          { input: falInput(config, req), timeoutMs: s.callTimeoutMs, outputName: 'video' },
          ctx
        )
    }
  }
  return undefined
}

export function videoStep(s: BackendSettings, space: string | undefined, creds: Credentials): VideoStep {
  const provider = providerVideo(s.video, s, creds)
  if (provider) return provider
  if (s.video.backend === 'offline' || !space) {
    return new OfflineVideo({ width: s.offline.width, height: s.offline.height, durationSeconds: s.offline.seconds })
  }
  const mapping = mappingFor(s.video, 'video')
  const run = gradioCall(spaceTarget(s.video, space, creds), mapping, s.callTimeoutMs, 'video')
  return {
    kind: 'gradio',
    label: `${space} ${mapping.endpoint}`,
    generate: (req: ShotPrompt, ctx: StepContext) => run({ prompt: req.prompt, seed: req.seed }, ctx)
  }
}

export function upscaleStep(
  s: BackendSettings,
  space: string | undefined,
  creds: Credentials,
  target: { width: number; height: number }
): UpscaleStep {
  if (s.upscale.backend !== 'gradio' || !space) return new LocalUpscale(target.width, target.height)
  const mapping = mappingFor(s.upscale, 'upscale')
  const run = gradioCall(spaceTarget(s.upscale, space, creds), mapping, s.callTimeoutMs, 'upscaled')
  return {
    label: `${space} ${mapping.endpoint}`,
    upscale: (req, ctx) => run({ prompt: req.prompt, video: req.video }, ctx)
  }
}

export function interpolateStep(
  s: BackendSettings,
  space: string | undefined,
  creds: Credentials,
  fps: number
): InterpolateStep {
  if (s.interpolate.backend !== 'gradio' || !space) return new LocalInterpolate(fps)
  const mapping = mappingFor(s.interpolate, 'interpolate')
  const run = gradioCall(spaceTarget(s.interpolate, space, creds), mapping, s.callTimeoutMs, 'interpolated')
  return { label: `${space} ${mapping.endpoint}`, interpolate: (req, ctx) => run({ video: req.video }, ctx) }
}

export function musicStep(s: BackendSettings, space: string | undefined, creds: Credentials): MusicStep {
  if (s.music.backend === 'hf-inference') {
    const config = configOf(s.music, 'hf-inference', 'music')
    return {
      label: hfWhere(config),
      compose: (req, ctx) =>
        runOnHf(
          { config, token: creds.hfToken },
          {
            task: 'music',
            prompt: req.prompt,
            seed: req.seed,
            durationSeconds: req.durationSeconds,
            timeoutMs: s.callTimeoutMs,
            outputName: 'music'
          },
          ctx
        )
    }
  }
  if (s.music.backend === 'fal') {
    const config = configOf(s.music, 'fal', 'music')
    return {
      label: falWhere(config),
      compose: (req, ctx) =>
        runOnFal(
          { config, key: creds.falKey },
          { input: falInput(config, req), timeoutMs: s.callTimeoutMs, outputName: 'music' },
          ctx
        )
    }
  }
  if (s.music.backend === 'offline' || !space) return new LocalMusic()
  const mapping = mappingFor(s.music, 'music')
  const run = gradioCall(spaceTarget(s.music, space, creds), mapping, s.callTimeoutMs, 'music')
  return {
    label: `${space} ${mapping.endpoint}`,
    // MusicGen renders at most 120 s per call; the bed is looped to the sequence's length afterwards.
    compose: (req, ctx) =>
      run({ prompt: req.prompt, seed: req.seed, duration: Math.min(120, Math.ceil(req.durationSeconds)) }, ctx)
  }
}
