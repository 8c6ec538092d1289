import { StudioError } from '../../../shared/contract/define'
import type { RunpodConfig, StepBackend, StepName } from '../../../shared/contract/generation'
import { backendConfigOf } from '../../../shared/backend-presets'
import { providerPlan, testResult, type GenerationBackend } from '../backend'
import { checkComfyStep, offersImageInput, pickWorkflow } from '../comfyui/workflows'
import { isLoopbackHost } from '../token-policy'
import { cancelRunpod, runOnRunpod, runpodWhere, testRunpod } from './run'

/** Secret-store name of the RunPod API key (sent only to api.runpod.ai). */
export const RUNPOD_KEY_SECRET = 'generation.runpod-key'

const configOf = (step: StepBackend, name: StepName): RunpodConfig => backendConfigOf(step, 'runpod', name)

/**
 * RunPod Serverless running worker-comfyui: scale-to-zero cloud GPUs that take the
 * same API-format ComfyUI workflows the studio ships (video and music).
 */
export const runpodBackend: GenerationBackend = {
  kind: 'runpod',
  noun: 'RunPod backend',
  secret: RUNPOD_KEY_SECRET,
  check(s, name) {
    const cfg = configOf(s[name], name)
    if (!cfg.endpointId)
      throw new StudioError(
        'invalid_input',
        `The ${name} step is set to RunPod but names no endpoint: give the endpoint id from runpod.io → Serverless.`,
        `settings.${name}.configs`
      )
    if (cfg.baseUrl && !isLoopbackHost(new URL(cfg.baseUrl).hostname))
      throw new StudioError(
        'invalid_input',
        `The RunPod key goes only to api.runpod.ai; another API address (${cfg.baseUrl}) is for tests and development on this machine (127.0.0.1, localhost). Leave it empty.`,
        `settings.${name}.configs`
      )
    checkComfyStep(cfg.comfyui, name)
  },
  engine: (step, name) => `runpod:${configOf(step, name).endpointId}`,
  where: (step, name) => runpodWhere(configOf(step, name)),
  plan(req) {
    // One endpoint = one resource; its concurrency is what the endpoint's max workers allow at once.
    const cfg = configOf(req.step, req.name)
    return providerPlan(req, `runpod:${cfg.endpointId}`, cfg.concurrency, runpodWhere(cfg))
  },
  imageInput: (step, name) => name === 'video' && offersImageInput(configOf(step, name).comfyui),
  async prepare({ step, name, settings, host }) {
    const config = configOf(step, name)
    const key = await host.secrets.get(RUNPOD_KEY_SECRET)
    return {
      label: `${runpodWhere(config)} (${config.comfyui.workflow})`,
      async run(i, ctx) {
        const workflow = pickWorkflow(config.comfyui, i.startImage !== undefined)
        const startImage = workflow.takesImage ? i.startImage : undefined
        // ACE-Step renders up to 240 s per prompt; the bed is looped to the sequence's length afterwards.
        const seconds =
          name === 'music' ? Math.min(240, Math.ceil(i.durationSeconds ?? workflow.seconds)) : workflow.seconds
        const file = await runOnRunpod(
          { config, key },
          {
            workflow,
            values: { prompt: i.prompt, seed: i.seed, ...(name === 'music' ? { seconds } : {}) },
            startImage,
            seconds,
            outputName: name === 'music' ? 'music' : 'video',
            timeoutMs: settings.callTimeoutMs
          },
          ctx
        )
        return {
          file,
          generator: `runpod:${workflow.id}@${config.endpointId}`,
          usedImage: startImage !== undefined
        }
      }
    }
  },
  async cancelRemote(row, step, name, host) {
    if (!row.remote_id) return
    await cancelRunpod({ config: configOf(step, name), key: await host.secrets.get(RUNPOD_KEY_SECRET) }, row.remote_id)
  },
  async test({ step, name, host }) {
    const config = configOf(step, name)
    const r = await testRunpod({ config, key: await host.secrets.get(RUNPOD_KEY_SECRET) })
    return [testResult('runpod', name, config.endpointId || 'RunPod', r)]
  },
  describe(step, name) {
    const c = configOf(step, name)
    return `runpod ${c.endpointId || '(no endpoint)'} · ComfyUI ${c.comfyui.workflow} · ${c.concurrency} at once${c.baseUrl ? ` via ${c.baseUrl}` : ''}`
  }
}
