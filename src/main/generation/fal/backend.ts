import { backendConfigOf } from '../../../shared/backend-presets'
import { providerPlan, testResult, type GenerationBackend } from '../backend'
import { testFal } from '../health'
import { checkProviderConfig, describeProvider } from '../provider-config'
import { FAL_KEY_SECRET } from '../settings'
import { falImageEndpoint, imageDataUri } from './image'
import { cancelFal, falInput, falWhere, runOnFal } from './queue'

/** fal's queue API: one fal key and an endpoint id; video and music. */
export const falBackend: GenerationBackend = {
  kind: 'fal',
  noun: 'fal backend',
  secret: FAL_KEY_SECRET,
  check(s, name) {
    const cfg = backendConfigOf(s[name], 'fal', name)
    checkProviderConfig(cfg, name, cfg.keyToGateway === true)
  },
  engine: (step, name) => `fal:${backendConfigOf(step, 'fal', name).endpoint}`,
  where: (step, name) => falWhere(backendConfigOf(step, 'fal', name)),
  plan(req) {
    const cfg = backendConfigOf(req.step, 'fal', req.name)
    return providerPlan(req, `fal:${cfg.endpoint}`, cfg.concurrency, falWhere(cfg))
  },
  // A start frame goes to the model's image-to-video endpoint (fal/image.ts), same prompt and parameters.
  imageInput: (step, name) => name === 'video' && falImageEndpoint(backendConfigOf(step, 'fal', name)) !== undefined,
  async prepare({ step, name, settings, host }) {
    const config = backendConfigOf(step, 'fal', name)
    const key = await host.secrets.get(FAL_KEY_SECRET)
    const outputName = name === 'music' ? 'music' : 'video'
    return {
      label: falWhere(config),
      run: async (i, ctx) => {
        const imageEndpoint = name === 'video' && i.startImage ? falImageEndpoint(config) : undefined
        const input = falInput(config, { prompt: i.prompt, seed: i.seed, durationSeconds: i.durationSeconds })
        if (imageEndpoint) input.image_url = await imageDataUri(i.startImage!)
        const file = await runOnFal(
          { config: imageEndpoint ? { ...config, endpoint: imageEndpoint } : config, key },
          { input, timeoutMs: settings.callTimeoutMs, outputName },
          ctx
        )
        return imageEndpoint
          ? { file, generator: falWhere({ ...config, endpoint: imageEndpoint }), usedImage: true }
          : { file }
      }
    }
  },
  async cancelRemote(row, step, name, host) {
    if (!row.remote_id) return
    const key = await host.secrets.get(FAL_KEY_SECRET)
    await cancelFal({ config: backendConfigOf(step, 'fal', name), key }, row.remote_id)
  },
  async test({ step, name, host }) {
    const c = backendConfigOf(step, 'fal', name)
    return [testResult('fal', name, c.endpoint, await testFal(c, await host.secrets.get(FAL_KEY_SECRET)))]
  },
  describe(step, name) {
    const c = backendConfigOf(step, 'fal', name)
    return describeProvider(`fal ${c.endpoint}`, c, c.keyToGateway === true)
  }
}
