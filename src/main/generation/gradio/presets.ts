/**
 * How a step's values travel to a Space: the endpoint, an argument template and
 * where the output file is in the result. Presets cover the Spaces the original
 * AI WebTV used; "custom" lets a newer model (LTX-Video, Wan…) work without code.
 *
 * Template values: "{prompt}", "{seed}", "{video}" (a local file, uploaded),
 * "{duration}" are replaced whole (keeping their type); inside a longer string
 * they are interpolated as text. Anything else is sent as written.
 */
export type { StepName } from '../../../shared/contract/generation'
import type { StepName } from '../../../shared/contract/generation'
export type PresetId = 'zeroscope-v2' | 'zeroscope-xl' | 'film' | 'musicgen' | 'custom'

export interface GradioMapping {
  endpoint: string
  args: unknown[] | Record<string, unknown>
  /** Index of the output in the result data (MusicGen returns [video, audio, …]). */
  outputIndex: number
}

export interface Preset {
  id: Exclude<PresetId, 'custom'>
  step: StepName
  /** The Space the original used (or where a copy comes from). */
  defaultSpace: string
  mapping: GradioMapping
  notes: string
}

export const PRESETS: Record<Exclude<PresetId, 'custom'>, Preset> = {
  'zeroscope-v2': {
    id: 'zeroscope-v2',
    step: 'video',
    defaultSpace: 'hysts/zeroscope-v2',
    mapping: { endpoint: '/run', args: ['{prompt}', '{seed}', 24, 35], outputIndex: 0 },
    notes: 'prompt, seed, frames 24, steps 35 → 576x320 video'
  },
  'zeroscope-xl': {
    id: 'zeroscope-xl',
    step: 'upscale',
    defaultSpace: 'fffiloni/zeroscope-XL',
    mapping: { endpoint: '/zero_xl', args: ['{prompt}', '{video}', 0.66], outputIndex: 0 },
    notes: 'prompt (same as generation), video, denoise 0.66 → 1024x576; run a copy on Gradio ≥ 4'
  },
  film: {
    id: 'film',
    step: 'interpolate',
    defaultSpace: 'fffiloni/video_frame_interpolation',
    mapping: { endpoint: '/infer', args: ['{video}', 1, 24], outputIndex: 0 },
    notes: 'video, interpolation steps 1, output fps 24'
  },
  musicgen: {
    id: 'musicgen',
    step: 'music',
    defaultSpace: 'facebook/MusicGen',
    mapping: {
      endpoint: '/predict_full',
      args: ['facebook/musicgen-medium', '', 'Default', '{prompt}', null, '{duration}', 250, 0, 1.0, 3.0],
      outputIndex: 1
    },
    notes: 'model, model_path, decoder, text, melody, duration, topk 250, topp 0, temperature 1, cfg 3 → [video, audio]'
  }
}

export const PLACEHOLDERS = ['prompt', 'seed', 'video', 'duration'] as const
export type Placeholder = (typeof PLACEHOLDERS)[number]
export type TemplateValues = Partial<Record<Placeholder, string | number>>

const WHOLE = /^\{(prompt|seed|video|duration)\}$/
const INLINE = /\{(prompt|seed|video|duration)\}/g

/** Which placeholders a template uses, and where "{video}" sits (it must become a file). */
export function placeholdersIn(args: GradioMapping['args']): Set<Placeholder> {
  const found = new Set<Placeholder>()
  for (const v of Object.values(args)) {
    if (typeof v === 'string') for (const m of v.matchAll(INLINE)) found.add(m[1] as Placeholder)
  }
  return found
}

/**
 * Fill a template. `fileValue` turns the uploaded video's server path into what
 * the Space expects; a missing value is a programming error, not user input.
 */
export function fillTemplate(
  args: GradioMapping['args'],
  values: TemplateValues,
  fileValue: (serverPath: string) => unknown
): unknown[] | Record<string, unknown> {
  const fill = (v: unknown): unknown => {
    if (typeof v !== 'string') return v
    const whole = WHOLE.exec(v)
    if (whole) {
      const key = whole[1] as Placeholder
      const value = values[key]
      if (value === undefined) throw new Error(`The mapping uses {${key}}, which this step does not provide.`)
      return key === 'video' ? fileValue(String(value)) : value
    }
    return v.replace(INLINE, (_m, key: Placeholder) => {
      const value = values[key]
      if (value === undefined) throw new Error(`The mapping uses {${key}}, which this step does not provide.`)
      return String(value)
    })
  }
  if (Array.isArray(args)) return args.map(fill)
  return Object.fromEntries(Object.entries(args).map(([k, v]) => [k, fill(v)]))
}

/** Which placeholders each step can fill. */
export const STEP_VALUES: Record<StepName, Placeholder[]> = {
  video: ['prompt', 'seed'],
  upscale: ['prompt', 'video', 'seed'],
  interpolate: ['video', 'prompt'],
  music: ['prompt', 'duration', 'seed']
}
