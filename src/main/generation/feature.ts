import type { Feature } from '../core/core'
import { StudioError } from '../../shared/contract/define'
import type { BackendSettings } from '../../shared/contract/generation'
import { maskSecret } from '../secrets'
import { GENERATION, LIBRARY, ONAIR, SECRETS } from '../services'
import { Autopilot } from './autopilot'
import type { GenerationHandle } from './handle'
import { testSpace } from './gradio/space'
import { GenerationService } from './service'
import { testComfy } from './comfyui/health'
import { takeOrigins } from './comfyui/origin'
import { tokenAllowed } from './comfyui/token'
import {
  COMFYUI_TOKEN_SECRET,
  FAL_KEY_SECRET,
  getAutopilot,
  getBackends,
  getLlm,
  HF_TOKEN_SECRET,
  LLM_KEY_SECRET,
  setAutopilot,
  setBackends,
  setLlm
} from './settings'
import { forgetDeletedChannelSettings, scrubAllStoredCredentials } from './settings'
import { checkBackends, configOf, mappingFor } from './steps'
import { testFal, testHfInference } from './health'
import { jobDto } from './store'

export { GenerationService } from './service'

export type { GenerationHandle } from './handle'

export const generationFeature: Feature = (ctx) => {
  const lib = ctx.services.get(LIBRARY, 'generation')
  const secrets = ctx.services.get(SECRETS, 'generation')
  scrubAllStoredCredentials(lib)
  forgetDeletedChannelSettings(lib, () => lib.channelIds())
  ctx.onClose(lib.onChannelDeleted(({ liveIds }) => forgetDeletedChannelSettings(lib, liveIds)))
  const service = new GenerationService(lib, secrets, ctx.bus, ctx.dataDir)
  // The autopilot measures the runway of what airs when the on-air feature is installed.
  const autopilot = new Autopilot(lib, service, () => ctx.services.find(ONAIR))
  const handle: GenerationHandle = {
    service,
    autopilot,
    start(opts = {}) {
      service.startWorkers()
      if (opts.autopilot !== false) autopilot.start()
    }
  }
  ctx.services.provide(GENERATION, handle)
  // Only long-running processes (serve, the desktop app) start background work; a quick CLI command never picks up a job.
  ctx.onBackground(() => handle.start())
  // A job another process queued (`webtv generate`, `webtv jobs retry`) reaches us as a library change
  // (the library watches the database for other processes' commits): look at once, not at the next slow tick.
  let wakeQueued = false
  const offChanged = ctx.bus.on('library.changed', () => {
    if (wakeQueued) return
    wakeQueued = true
    setImmediate(() => {
      wakeQueued = false
      service.workers.wake()
    })
  })
  ctx.onClose(async () => {
    offChanged()
    autopilot.stop()
    await service.stopWorkers()
  })

  const masked = async (name: string): Promise<string | null> => {
    const v = await secrets.get(name)
    return v ? maskSecret(v) : null
  }
  const autopilotView = (channelId: number) => {
    const cfg = getAutopilot(lib, channelId)
    const channel = lib.getChannel(channelId)
    return {
      enabled: cfg.enabled,
      minutesAhead: cfg.minutesAhead,
      shotsPerSequence: cfg.shotsPerSequence,
      theme: cfg.theme,
      reviewPolicy: channel.reviewPolicy,
      runwaySeconds: Math.round(autopilot.runwaySeconds(channelId) * 10) / 10,
      lastError: cfg.lastError
    }
  }

  return {
    'generation.write': ({ channelId, theme, count, style, writer }) =>
      service.write(channelId, theme, count, { style, writer }),
    'generation.enqueue': (input) => service.enqueue(input),
    'generation.regenerate': (input) => service.regenerate(input),
    'generation.jobs.list': ({ channelId, states, limit }) => ({
      jobs: service.listJobs({ channelId, states, limit })
    }),
    'generation.jobs.cancel': ({ id }) => service.cancel(id),
    'generation.jobs.retry': ({ id }) => service.retry(id),
    'generation.backends.get': async ({ channelId }) => {
      lib.getChannel(channelId)
      return {
        settings: getBackends(lib, channelId),
        hfToken: await masked(HF_TOKEN_SECRET),
        falKey: await masked(FAL_KEY_SECRET),
        comfyuiToken: await masked(COMFYUI_TOKEN_SECRET)
      }
    },
    'generation.backends.set': async ({ channelId, settings, hfToken, falKey, comfyuiToken }) => {
      lib.getChannel(channelId)
      const given = { hfToken, falKey, comfyuiToken }
      // Check everything before writing anything: a bad token changes nothing.
      for (const f of WRITE_ONLY_SECRETS) {
        const v = given[f.field]
        if (v !== undefined && v !== '' && !/^\S{8,}$/.test(v))
          throw new StudioError('invalid_input', `${f.looksWrong} ${f.copyFrom}`, f.field)
      }
      if (settings) {
        const next = { ...getBackends(lib, channelId), ...settings } as BackendSettings
        checkBackends(next)
        setBackends(lib, channelId, settings)
      }
      for (const f of WRITE_ONLY_SECRETS) {
        const v = given[f.field]
        if (v === '') await secrets.delete(f.secret)
        else if (v !== undefined) await secrets.set(f.secret, v)
      }
      return {
        settings: getBackends(lib, channelId),
        hfToken: await masked(HF_TOKEN_SECRET),
        falKey: await masked(FAL_KEY_SECRET),
        comfyuiToken: await masked(COMFYUI_TOKEN_SECRET)
      }
    },
    'generation.backends.test': async ({ channelId, step }) => {
      lib.getChannel(channelId)
      const s = getBackends(lib, channelId)
      const token = await secrets.get(HF_TOKEN_SECRET)
      const results = []
      for (const name of ['video', 'upscale', 'interpolate', 'music'] as const) {
        if (step && step !== name) continue
        const cfg = s[name]
        if (!cfg.enabled && !step) continue
        if (cfg.backend === 'comfyui') {
          const comfyToken = await secrets.get(COMFYUI_TOKEN_SECRET)
          for (const e of s.comfyui.endpoints) {
            const r = await testComfy(
              e,
              cfg.comfyui ?? { workflow: name === 'music' ? 'ace-step' : 'wan22-t2v' },
              e.sendToken && tokenAllowed(e.url) ? comfyToken : undefined
            )
            if (r.ok) service.workers.comfyPool.ok(e.url)
            else if (r.problem === 'unreachable') service.workers.comfyPool.down(e.url, r.message)
            results.push({
              step: name,
              kind: 'comfyui',
              space: e.url,
              ok: r.ok,
              problem: r.problem,
              message: r.message,
              endpoints: [],
              parameters: []
            })
          }
          if (s.comfyui.endpoints.length === 0)
            results.push({
              step: name,
              kind: 'comfyui',
              space: 'ComfyUI',
              ok: false,
              problem: 'no_server',
              message: 'No ComfyUI server is listed: add one (e.g. http://127.0.0.1:8188).',
              endpoints: [],
              parameters: []
            })
          continue
        }
        if (cfg.backend === 'hf-inference') {
          const c = configOf(cfg, 'hf-inference', name)
          const r = await testHfInference(c, token, name === 'music' ? 'text-to-audio' : 'text-to-video')
          results.push({
            step: name,
            kind: 'hf-inference',
            space: `${c.provider} · ${c.model}`,
            ok: r.ok,
            problem: r.problem,
            message: r.message,
            endpoints: [],
            parameters: []
          })
          continue
        }
        if (cfg.backend === 'fal') {
          const c = configOf(cfg, 'fal', name)
          const r = await testFal(c, await secrets.get(FAL_KEY_SECRET))
          results.push({
            step: name,
            kind: 'fal',
            space: c.endpoint,
            ok: r.ok,
            problem: r.problem,
            message: r.message,
            endpoints: [],
            parameters: []
          })
          continue
        }
        if (cfg.backend !== 'gradio') {
          results.push({
            step: name,
            kind: 'offline',
            space: 'local ffmpeg',
            ok: true,
            problem: null,
            message: `The ${name} step runs locally with ffmpeg; nothing to connect to.`,
            endpoints: [],
            parameters: []
          })
          continue
        }
        for (const space of cfg.spaces) {
          const r = await testSpace(
            { space, token, tokenToCustomHost: cfg.tokenToCustomHost === true },
            mappingFor(cfg, name),
            name
          )
          results.push({
            step: name,
            kind: 'gradio',
            space,
            ok: r.ok,
            problem: r.problem ?? null,
            message: r.message,
            endpoints: r.endpoints,
            parameters: r.parameters
          })
        }
      }
      return { results }
    },
    'generation.comfyui.status': ({ channelId }) => {
      lib.getChannel(channelId)
      return { endpoints: service.workers.comfyStatus(channelId) }
    },
    'generation.takes.origin': ({ shotId }) => ({ origins: takeOrigins(lib, service.store, shotId) }),
    'generation.llm.get': async () => ({ ...getLlm(lib), apiKey: await masked(LLM_KEY_SECRET) }),
    'generation.llm.set': async ({ apiKey, ...patch }) => {
      const next = setLlm(lib, Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)))
      if (apiKey !== undefined) {
        if (apiKey === '') await secrets.delete(LLM_KEY_SECRET)
        else await secrets.set(LLM_KEY_SECRET, apiKey)
      }
      return { ...next, apiKey: await masked(LLM_KEY_SECRET) }
    },
    'generation.autopilot.get': ({ channelId }) => autopilotView(channelId),
    'generation.autopilot.set': ({ channelId, reviewPolicy, ...patch }) => {
      lib.getChannel(channelId)
      if (reviewPolicy !== undefined) lib.updateChannel(channelId, { reviewPolicy })
      // New settings: the last complaint may no longer hold; the next check says so again if it does.
      setAutopilot(lib, channelId, {
        ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)),
        lastError: null
      })
      return autopilotView(channelId)
    }
  }
}

export { jobDto }

/** The write-only secrets `generation.backends.set` takes ("" removes one). */
const WRITE_ONLY_SECRETS = [
  {
    field: 'hfToken',
    secret: HF_TOKEN_SECRET,
    looksWrong: 'That does not look like a token (no spaces, at least 8 characters).',
    copyFrom: 'Copy it again from huggingface.co/settings/tokens.'
  },
  {
    field: 'falKey',
    secret: FAL_KEY_SECRET,
    looksWrong: 'That does not look like a fal key (no spaces, at least 8 characters).',
    copyFrom: 'Copy it again from fal.ai/dashboard/keys.'
  },
  {
    field: 'comfyuiToken',
    secret: COMFYUI_TOKEN_SECRET,
    looksWrong: 'That does not look like a token (no spaces, at least 8 characters).',
    copyFrom: 'Copy it again from your GPU provider.'
  }
] as const
