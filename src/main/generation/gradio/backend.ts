import { StudioError } from '../../../shared/contract/define'
import type { StepBackend, StepName } from '../../../shared/contract/generation'
import { GRADIO_PRESET_INFO } from '../../../shared/backend-presets'
import { localPlan, type GenerationBackend, type StepInput } from '../backend'
import { localStep } from '../offline/backend'
import { HF_TOKEN_SECRET } from '../settings'
import { PRESETS, type GradioMapping } from './presets'
import { runOnSpace, testSpace } from './space'

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

/** The values each step puts into the Space's argument template. */
const VALUES: Record<StepName, (i: StepInput) => Record<string, unknown>> = {
  video: (i) => ({ prompt: i.prompt, seed: i.seed }),
  upscale: (i) => ({ prompt: i.prompt, video: i.video }),
  interpolate: (i) => ({ video: i.video }),
  // MusicGen renders at most 120 s per call; the bed is looped to the sequence's length afterwards.
  music: (i) => ({ prompt: i.prompt, seed: i.seed, duration: Math.min(120, Math.ceil(i.durationSeconds ?? 0)) })
}

const OUTPUT_NAME: Record<StepName, string> = {
  video: 'video',
  upscale: 'upscaled',
  interpolate: 'interpolated',
  music: 'music'
}

/** A Gradio Space (one or more copies run jobs in parallel); the HF token goes to Hugging Face's hosts, or a self-hosted one when switched on. */
export const gradioBackend: GenerationBackend = {
  kind: 'gradio',
  noun: 'Gradio Space',
  secret: HF_TOKEN_SECRET,
  check(s, name) {
    const step = s[name]
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
  },
  engine: (step) => `gradio:${step.spaces[0] ?? '?'}`,
  where: (_step, _name, space) => (space ? `gradio · ${space}` : 'local'),
  plan(req) {
    const { step, settings: s, host } = req
    // No Space named: the step runs locally.
    if (step.spaces.length === 0) return localPlan(req)
    // Several copies of a Space: the first with a free slot.
    for (const space of step.spaces) {
      const resource = `gradio:${space}`
      if (host.cooling(resource)) continue
      if (host.used(resource) < s.concurrencyPerCopy)
        return { resource, limit: s.concurrencyPerCopy, target: space, where: `gradio · ${space}`, retry: 'copy' }
    }
    return null
  },
  async prepare(req) {
    const space = req.plan.target
    if (!space) return localStep(req)
    const mapping = mappingFor(req.step, req.name)
    const target = {
      space,
      token: await req.host.secrets.get(HF_TOKEN_SECRET),
      tokenToCustomHost: req.step.tokenToCustomHost === true
    }
    const timeoutMs = req.settings.callTimeoutMs
    return {
      label: `${space} ${mapping.endpoint}`,
      run: async (i, ctx) => ({
        file: await runOnSpace(
          target,
          { mapping, values: VALUES[req.name](i), timeoutMs, outputName: OUTPUT_NAME[req.name] },
          ctx
        )
      })
    }
  },
  async test({ step, name, host }) {
    const token = await host.secrets.get(HF_TOKEN_SECRET)
    const results = []
    for (const space of step.spaces) {
      const r = await testSpace(
        { space, token, tokenToCustomHost: step.tokenToCustomHost === true },
        mappingFor(step, name),
        name
      )
      results.push({
        step: name,
        kind: 'gradio' as const,
        space,
        ok: r.ok,
        problem: r.problem ?? null,
        message: r.message,
        endpoints: r.endpoints,
        parameters: r.parameters
      })
    }
    return results
  },
  describe(s) {
    const info = GRADIO_PRESET_INFO[s.preset]
    const hostSwitch = s.tokenToCustomHost ? ' · token to self-hosted Spaces: on' : ''
    return `gradio ${s.preset}${info?.legacy ? ' (legacy)' : ''} → ${s.spaces.join(', ') || '(no Space)'}${hostSwitch}`
  }
}
