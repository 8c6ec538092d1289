import { StudioError } from '../../../shared/contract/define'
import {
  comfyMappingSchema,
  type ComfyMapping,
  type ComfyStep,
  type ComfyWorkflowId
} from '../../../shared/contract/comfyui'
import aceStep from '../../../../resources/comfyui/ace-step.json'
import wan22I2v from '../../../../resources/comfyui/wan22-i2v.json'
import wan22T2v from '../../../../resources/comfyui/wan22-t2v.json'

/** A workflow in ComfyUI's API format: node id → { class_type, inputs }. Links are [node id, output index]. */
export type ComfyGraph = Record<
  string,
  { class_type: string; inputs: Record<string, unknown>; _meta?: { title?: string } }
>

export interface ShippedWorkflow {
  label: string
  kind: 'video' | 'music'
  graph: ComfyGraph
  mapping: ComfyMapping
  seconds: number
  fps: number
  /** The preset to switch to when a start image is (or is not) available. */
  imageCompanion?: ComfyWorkflowId
  textCompanion?: ComfyWorkflowId
}

const map = (m: Partial<ComfyMapping> & { prompt: string[] }): ComfyMapping => comfyMappingSchema.parse(m)

/** The workflows shipped in resources/comfyui (exported from ComfyUI's official templates' node layout). */
export const SHIPPED: Record<Exclude<ComfyWorkflowId, 'custom'>, ShippedWorkflow> = {
  'wan22-t2v': {
    label: 'Wan 2.2 TI2V-5B text-to-video',
    kind: 'video',
    graph: wan22T2v as ComfyGraph,
    mapping: map({
      prompt: ['6.text'],
      seed: ['3.seed'],
      length: ['55.length'],
      lengthUnit: 'frames',
      outputNode: '58'
    }),
    seconds: 5,
    fps: 24,
    imageCompanion: 'wan22-i2v'
  },
  'wan22-i2v': {
    label: 'Wan 2.2 TI2V-5B image-to-video',
    kind: 'video',
    graph: wan22I2v as ComfyGraph,
    mapping: map({
      prompt: ['6.text'],
      seed: ['3.seed'],
      length: ['55.length'],
      lengthUnit: 'frames',
      startImage: ['56.image'],
      outputNode: '58'
    }),
    seconds: 5,
    fps: 24,
    textCompanion: 'wan22-t2v'
  },
  'ace-step': {
    label: 'ACE-Step v1 3.5B music',
    kind: 'music',
    graph: aceStep as ComfyGraph,
    mapping: map({
      prompt: ['14.tags'],
      seed: ['52.seed'],
      length: ['17.seconds'],
      lengthUnit: 'seconds',
      outputNode: '59'
    }),
    seconds: 60,
    fps: 1
  }
}

export interface ResolvedWorkflow {
  /** "wan22-t2v", "custom", "custom (image)". */
  id: string
  label: string
  graph: ComfyGraph
  mapping: ComfyMapping
  seconds: number
  fps: number
  /** Whether this workflow takes a start image. */
  takesImage: boolean
}

function resolveOne(step: ComfyStep, which: 'main' | 'image'): ResolvedWorkflow | null {
  if (step.workflow === 'custom') {
    const custom = which === 'main' ? step.custom : step.customImage
    if (!custom) return null
    return {
      id: which === 'main' ? 'custom' : 'custom (image)',
      label: which === 'main' ? 'custom workflow' : 'custom image-to-video workflow',
      graph: custom.graph as ComfyGraph,
      mapping: custom.mapping,
      seconds: step.seconds ?? 5,
      fps: step.fps ?? 16,
      takesImage: custom.mapping.startImage.length > 0
    }
  }
  const w = SHIPPED[step.workflow]
  return {
    id: step.workflow,
    label: w.label,
    graph: w.graph,
    mapping: w.mapping,
    seconds: step.seconds ?? w.seconds,
    fps: step.fps ?? w.fps,
    takesImage: w.mapping.startImage.length > 0
  }
}

/**
 * The workflow for one run: with a start image, the image-to-video one when the
 * backend has it; without, the text-to-video one. `null` image variant = no image input.
 */
export function pickWorkflow(step: ComfyStep, withImage: boolean): ResolvedWorkflow {
  const main = resolveOne(step, 'main')
  if (!main)
    throw new StudioError(
      'invalid_input',
      'The ComfyUI step uses a custom workflow but none is set: export your workflow with "Export (API)" in ComfyUI and paste it, with its mapping.',
      'comfyui.custom'
    )
  if (step.workflow !== 'custom') {
    const w = SHIPPED[step.workflow]
    if (withImage && !main.takesImage && w.imageCompanion)
      return resolveOne({ ...step, workflow: w.imageCompanion }, 'main')!
    if (!withImage && main.takesImage && w.textCompanion)
      return resolveOne({ ...step, workflow: w.textCompanion }, 'main')!
    return main
  }
  if (withImage && !main.takesImage) return resolveOne(step, 'image') ?? main
  if (!withImage && main.takesImage) {
    throw new StudioError(
      'invalid_input',
      'This custom workflow needs a start image, and this shot has none (it is the first of its sequence, or continuity is off). Add a text-to-video workflow as the main one and this one as the image workflow.',
      'comfyui.custom'
    )
  }
  return main
}

/** Whether the step can start a shot from an image at all (continuity falls back to text-to-video otherwise). */
export function offersImageInput(step: ComfyStep): boolean {
  try {
    return pickWorkflow(step, true).takesImage
  } catch {
    return false
  }
}

function parseRef(ref: string): { node: string; input: string } {
  const dot = ref.lastIndexOf('.')
  return { node: ref.slice(0, dot), input: ref.slice(dot + 1) }
}

/** Every mapped input must name a node of the graph and an input that node has: said when saved, not when a job fails. */
export function checkMapping(graph: ComfyGraph, mapping: ComfyMapping, where: string): void {
  const refs = [...mapping.prompt, ...mapping.seed, ...mapping.length, ...mapping.startImage]
  for (const ref of refs) {
    const { node, input } = parseRef(ref)
    const n = graph[node]
    if (!n)
      throw new StudioError(
        'invalid_input',
        `The mapping names node "${node}" (${ref}), but the workflow has no node with that id. Node ids are the keys of the exported API-format JSON.`,
        where
      )
    if (!(input in n.inputs)) {
      throw new StudioError(
        'invalid_input',
        `Node ${node} (${n.class_type}) has no input "${input}" (${ref}). Its inputs: ${Object.keys(n.inputs).join(', ') || 'none'}.`,
        where
      )
    }
  }
  if (mapping.outputNode !== undefined && !graph[mapping.outputNode]) {
    throw new StudioError(
      'invalid_input',
      `The mapping's output node "${mapping.outputNode}" is not in the workflow.`,
      where
    )
  }
}

/** Refuse a step's ComfyUI settings that cannot work (when saved). */
export function checkComfyStep(step: ComfyStep | undefined, name: string): void {
  if (!step)
    throw new StudioError(
      'invalid_input',
      `The ${name} step is set to ComfyUI but has no workflow: pick a shipped one (wan22-t2v, wan22-i2v, ace-step) or paste your own.`,
      `settings.${name}.comfyui`
    )
  if (step.workflow === 'custom') {
    if (!step.custom)
      throw new StudioError(
        'invalid_input',
        `The ${name} step uses a custom ComfyUI workflow but none is set: export it with "Export (API)" in ComfyUI and paste it, with its mapping.`,
        `settings.${name}.comfyui.custom`
      )
    checkMapping(step.custom.graph as ComfyGraph, step.custom.mapping, `settings.${name}.comfyui.custom.mapping`)
    if (step.customImage) {
      checkMapping(
        step.customImage.graph as ComfyGraph,
        step.customImage.mapping,
        `settings.${name}.comfyui.customImage.mapping`
      )
      if (step.customImage.mapping.startImage.length === 0) {
        throw new StudioError(
          'invalid_input',
          `The ${name} step's image workflow maps no start image: say which LoadImage input takes it, e.g. "56.image".`,
          `settings.${name}.comfyui.customImage.mapping`
        )
      }
    }
    return
  }
  const w = SHIPPED[step.workflow]
  if ((name === 'music') !== (w.kind === 'music')) {
    throw new StudioError(
      'invalid_input',
      `The workflow "${step.workflow}" makes ${w.kind === 'music' ? 'music' : 'video'}; it cannot serve the ${name} step.`,
      `settings.${name}.comfyui.workflow`
    )
  }
}

export interface FillValues {
  prompt: string
  seed: number
  /** Seconds of output wanted (converted to frames for a frames mapping). */
  seconds?: number | undefined
  /** The uploaded start image's name as /upload/image returned it ("sub/name.png"). */
  startImage?: string | undefined
}

/** Wan counts frames as 4n+1; other video models accept that too. */
export function framesFor(seconds: number, fps: number): number {
  return Math.max(5, Math.round((seconds * fps) / 4) * 4 + 1)
}

/** A copy of the graph with our values in the mapped inputs (the user's export itself is never changed). */
export function fillWorkflow(w: ResolvedWorkflow, v: FillValues): ComfyGraph {
  const graph = JSON.parse(JSON.stringify(w.graph)) as ComfyGraph
  const set = (refs: string[], value: unknown): void => {
    for (const ref of refs) {
      const { node, input } = parseRef(ref)
      const n = graph[node]
      if (!n)
        throw new StudioError(
          'invalid_input',
          `The ComfyUI mapping names node "${node}", which the workflow does not have.`
        )
      n.inputs[input] = value
    }
  }
  set(w.mapping.prompt, v.prompt)
  set(w.mapping.seed, v.seed)
  const seconds = v.seconds ?? w.seconds
  set(
    w.mapping.length,
    w.mapping.lengthUnit === 'frames' ? framesFor(seconds, w.fps) : Math.max(1, Math.round(seconds))
  )
  if (w.mapping.startImage.length > 0) {
    if (!v.startImage)
      throw new StudioError('invalid_input', 'This ComfyUI workflow needs a start image and none was given.')
    set(w.mapping.startImage, v.startImage)
  }
  return graph
}

/** Node classes a workflow needs the server to have (for Test connection). */
export function requiredClasses(graph: ComfyGraph): string[] {
  return [...new Set(Object.values(graph).map((n) => n.class_type))].sort()
}
