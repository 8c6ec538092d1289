import { backendConfigOf } from '../../../shared/backend-presets'
import { providerPlan, testResult, type GenerationBackend } from '../backend'
import { testHfInference } from '../health'
import { checkProviderConfig, describeProvider } from '../provider-config'
import { HF_TOKEN_SECRET } from '../settings'
import { hfWhere, runOnHf } from './run'

/** Hugging Face Inference Providers: one HF token, a provider and a model; video and music. */
export const hfInferenceBackend: GenerationBackend = {
  kind: 'hf-inference',
  noun: 'hf-inference backend',
  secret: HF_TOKEN_SECRET,
  check(s, name) {
    const cfg = backendConfigOf(s[name], 'hf-inference', name)
    checkProviderConfig(cfg, name, cfg.tokenToGateway === true)
  },
  engine(step, name) {
    const cfg = backendConfigOf(step, 'hf-inference', name)
    return `hf-inference:${cfg.provider}:${cfg.model}`
  },
  where: (step, name) => hfWhere(backendConfigOf(step, 'hf-inference', name)),
  plan(req) {
    // One provider backend = one resource with its own concurrency (what the account / provider allows at once).
    const cfg = backendConfigOf(req.step, 'hf-inference', req.name)
    return providerPlan(req, `hf:${cfg.provider}:${cfg.model}`, cfg.concurrency, hfWhere(cfg))
  },
  async prepare({ step, name, settings, host }) {
    const config = backendConfigOf(step, 'hf-inference', name)
    const token = await host.secrets.get(HF_TOKEN_SECRET)
    const task = name === 'music' ? 'music' : 'video'
    return {
      label: hfWhere(config),
      run: async (i, ctx) => ({
        file: await runOnHf(
          { config, token },
          {
            task,
            prompt: i.prompt,
            seed: i.seed,
            durationSeconds: i.durationSeconds,
            timeoutMs: settings.callTimeoutMs,
            outputName: task
          },
          ctx
        )
      })
    }
  },
  async test({ step, name, host }) {
    const c = backendConfigOf(step, 'hf-inference', name)
    const r = await testHfInference(
      c,
      await host.secrets.get(HF_TOKEN_SECRET),
      name === 'music' ? 'text-to-audio' : 'text-to-video'
    )
    return [testResult('hf-inference', name, `${c.provider} · ${c.model}`, r)]
  },
  describe(step, name) {
    const c = backendConfigOf(step, 'hf-inference', name)
    return describeProvider(`hf-inference ${c.provider} · ${c.model}`, c, c.tokenToGateway === true)
  }
}
