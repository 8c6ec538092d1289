import type { BackendConfig, ModelParams, StepBackend, StepName } from './contract/generation'

/**
 * Presets for the provider kinds (HF Inference Providers, fal): the open models
 * people run now, with parameters a person can start from and edit. Shared by the
 * main process (defaults, wire names) and the settings UI (pickers).
 */
export interface ModelPreset {
  id: string
  label: string
  step: 'video' | 'music'
  /** The model on the Hugging Face Hub (HF Inference Providers). */
  hfModel: string
  /** The same model's endpoint on fal's queue API. */
  falEndpoint: string
  /** Its image-to-video endpoint on fal (`image_url` + prompt): what continues a clip from its last frame. */
  falImageEndpoint?: string
  params: ModelParams
  /**
   * Our parameter names → the model's input names, where they differ from the
   * usual ones (num_frames, frames_per_second, num_inference_steps, guidance_scale,
   * seed, negative_prompt, resolution).
   */
  wire?: Partial<Record<Exclude<keyof ModelParams, 'extra'>, string>>
  notes: string
}

export const MODEL_PRESETS: ModelPreset[] = [
  {
    id: 'wan22-ti2v-5b',
    label: 'Wan 2.2 TI2V 5B',
    step: 'video',
    hfModel: 'Wan-AI/Wan2.2-TI2V-5B',
    falEndpoint: 'fal-ai/wan/v2.2-5b/text-to-video',
    falImageEndpoint: 'fal-ai/wan/v2.2-5b/image-to-video',
    params: {
      frames: 121,
      fps: 24,
      steps: 40,
      guidance: 3.5,
      resolution: '720p',
      negativePrompt: 'blurry, low quality, text, watermark, distorted'
    },
    notes: '5 s at 24 fps, 1280x704; the cheapest Wan 2.2'
  },
  {
    id: 'wan22-t2v-a14b',
    label: 'Wan 2.2 T2V A14B',
    step: 'video',
    hfModel: 'Wan-AI/Wan2.2-T2V-A14B',
    falEndpoint: 'fal-ai/wan/v2.2-a14b/text-to-video',
    falImageEndpoint: 'fal-ai/wan/v2.2-a14b/image-to-video',
    params: {
      frames: 81,
      fps: 16,
      steps: 27,
      guidance: 3.5,
      resolution: '720p',
      negativePrompt: 'blurry, low quality, text, watermark, distorted'
    },
    notes: '5 s at 16 fps (interpolated by the provider), best Wan 2.2 quality'
  },
  {
    id: 'ltx-video',
    label: 'LTX-Video 13B distilled',
    step: 'video',
    hfModel: 'Lightricks/LTX-Video-0.9.8-13B-distilled',
    falEndpoint: 'fal-ai/ltxv-13b-098-distilled',
    falImageEndpoint: 'fal-ai/ltxv-13b-098-distilled/image-to-video',
    params: {
      frames: 121,
      fps: 24,
      steps: 8,
      resolution: '720p',
      negativePrompt: 'worst quality, inconsistent motion, blurry, jittery, distorted'
    },
    wire: { steps: 'first_pass_num_inference_steps' },
    notes: 'fast; 5 s at 24 fps'
  },
  {
    id: 'hunyuanvideo-15',
    label: 'HunyuanVideo 1.5',
    step: 'video',
    hfModel: 'tencent/HunyuanVideo-1.5',
    falEndpoint: 'fal-ai/hunyuan-video-v1.5/text-to-video',
    falImageEndpoint: 'fal-ai/hunyuan-video-v1.5/image-to-video',
    params: { frames: 121, steps: 50, resolution: '720p', negativePrompt: 'blurry, low quality, text, watermark' },
    notes: '5 s, 720p'
  },
  {
    id: 'stable-audio-open',
    label: 'Stable Audio Open 1.0',
    step: 'music',
    hfModel: 'stabilityai/stable-audio-open-1.0',
    falEndpoint: 'fal-ai/stable-audio',
    params: { steps: 100, seconds: 47 },
    wire: { steps: 'steps', seconds: 'seconds_total' },
    notes: 'up to 47 s of music per call; looped under the sequence'
  }
]

export function modelPreset(id: string): ModelPreset | undefined {
  return MODEL_PRESETS.find((p) => p.id === id)
}

/** The Gradio Space presets and whether they are the original 2023 Spaces (most no longer run). */
export const GRADIO_PRESET_INFO: Record<string, { label: string; legacy: boolean; note: string }> = {
  'zeroscope-v2': {
    label: 'Zeroscope v2 576w',
    legacy: true,
    note: '2023 model; public copies meter ZeroGPU time per caller'
  },
  'zeroscope-xl': {
    label: 'Zeroscope XL upscaler',
    legacy: true,
    note: 'the original Space is paused; run a copy on Gradio ≥ 4'
  },
  film: { label: 'FILM interpolation', legacy: true, note: 'the original Spaces sleep or fail; run a copy' },
  musicgen: { label: 'MusicGen', legacy: false, note: 'still runs' },
  custom: { label: 'Custom mapping', legacy: false, note: 'any Gradio ≥ 4 app' }
}

type ConfigKind = BackendConfig['kind']

/**
 * A starting point for each kind that keeps its settings in the step's `configs`.
 * RunPod's has no endpoint id yet: saving it that way is refused with what to fill in.
 */
const CONFIG_DEFAULTS: { [K in ConfigKind]: (step: StepName) => Extract<BackendConfig, { kind: K }> } = {
  'hf-inference': (step) => {
    const preset = firstPreset(step)
    return {
      kind: 'hf-inference',
      provider: 'fal-ai',
      model: preset.hfModel,
      preset: preset.id,
      params: { ...preset.params },
      concurrency: 2
    }
  },
  fal: (step) => {
    const preset = firstPreset(step)
    return {
      kind: 'fal',
      endpoint: preset.falEndpoint,
      preset: preset.id,
      params: { ...preset.params },
      concurrency: 2
    }
  },
  runpod: (step) => ({
    kind: 'runpod',
    endpointId: '',
    comfyui: { workflow: step === 'music' ? 'ace-step' : 'wan22-t2v' },
    concurrency: 1
  })
}

function firstPreset(step: StepName): ModelPreset {
  return MODEL_PRESETS.find((p) => p.step === (step === 'music' ? 'music' : 'video')) ?? MODEL_PRESETS[0]!
}

/** Whether a kind keeps its settings in the step's `configs` (the newer kinds). */
export function hasConfig(kind: string): kind is ConfigKind {
  return kind in CONFIG_DEFAULTS
}

/** A starting point for a provider kind on a step: the first preset made for that step. */
export function defaultBackendConfig<K extends ConfigKind>(
  kind: K,
  step: StepName
): Extract<BackendConfig, { kind: K }> {
  return CONFIG_DEFAULTS[kind](step)
}

/** A step's settings for one provider kind: its stored entry, else that kind's default. */
export function backendConfigOf<K extends ConfigKind>(
  step: StepBackend,
  kind: K,
  name: StepName
): Extract<BackendConfig, { kind: K }> {
  const found = step.configs?.find((c) => c.kind === kind)
  return (found ?? defaultBackendConfig(kind, name)) as Extract<BackendConfig, { kind: K }>
}
