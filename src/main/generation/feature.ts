import type { Feature } from '../core/core'
import { StudioError } from '../../shared/contract/define'
import {
  BACKEND_KIND_NAMES,
  BACKEND_KINDS,
  STEP_NAMES,
  type BackendKeyInfo,
  type BackendSettings
} from '../../shared/contract/generation'
import { maskSecret } from '../secrets'
import { GENERATION, LIBRARY, ONAIR, SECRETS } from '../services'
import { Autopilot } from './autopilot'
import type { GenerationHandle } from './handle'
import { GenerationService } from './service'
import { takeOrigins } from './comfyui/origin'
import { getAutopilot, getBackends, getLlm, LLM_KEY_SECRET, setAutopilot, setBackends, setLlm } from './settings'
import { forgetDeletedChannelSettings, scrubAllStoredCredentials } from './settings'
import { checkBackends } from './steps'
import { BACKENDS, backendFor } from './backends'
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
  /** Every key masked: the first kinds' under their own fields (hfToken, falKey, comfyuiToken), all of them in `keys`. */
  const maskedKeys = async () => {
    const keys: Record<string, string | null> = {}
    for (const k of KEYS) keys[k.field] = await masked(k.secret)
    return {
      hfToken: keys.hfToken ?? null,
      falKey: keys.falKey ?? null,
      comfyuiToken: keys.comfyuiToken ?? null,
      keys
    }
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
    'generation.enqueue': (input) => service.enqueueModerated(input),
    'generation.regenerate': async (input) => {
      // A new prompt a person typed goes through moderation before any generator sees it.
      if (input.prompt !== undefined)
        await service.refuseUnmoderated(lib.getShot(input.shotId).channelId, [input.prompt], 'prompt')
      return service.regenerate(input)
    },
    'generation.jobs.list': ({ channelId, states, limit }) => ({
      jobs: service.listJobs({ channelId, states, limit })
    }),
    'generation.jobs.cancel': ({ id }) => service.cancel(id),
    'generation.jobs.retry': ({ id }) => service.retry(id),
    'generation.backends.get': async ({ channelId }) => {
      lib.getChannel(channelId)
      return { settings: getBackends(lib, channelId), ...(await maskedKeys()) }
    },
    'generation.backends.set': async ({ channelId, settings, keys, ...top }) => {
      lib.getChannel(channelId)
      const given: Record<string, string | undefined> = { ...keys, ...top }
      // Check everything before writing anything: a bad key changes nothing.
      for (const field of Object.keys(given)) {
        const k = KEYS.find((x) => x.field === field)
        if (!k) throw new StudioError('invalid_input', `No backend takes a key named "${field}".`, `keys.${field}`)
        const v = given[field]
        if (v !== undefined && v !== '' && !/^\S{8,}$/.test(v))
          throw new StudioError(
            'invalid_input',
            `That does not look like a ${k.label} (no spaces, at least 8 characters). ${k.copyFrom}`,
            field
          )
      }
      if (settings) {
        const next = { ...getBackends(lib, channelId), ...settings } as BackendSettings
        checkBackends(next)
        setBackends(lib, channelId, settings)
      }
      for (const k of KEYS) {
        const v = given[k.field]
        if (v === '') await secrets.delete(k.secret)
        else if (v !== undefined) await secrets.set(k.secret, v)
      }
      return { settings: getBackends(lib, channelId), ...(await maskedKeys()) }
    },
    'generation.backends.test': async ({ channelId, step }) => {
      lib.getChannel(channelId)
      const s = getBackends(lib, channelId)
      const results = []
      for (const name of STEP_NAMES) {
        if (step && step !== name) continue
        const cfg = s[name]
        if (!cfg.enabled && !step) continue
        results.push(...(await backendFor(cfg).test({ step: cfg, settings: s, name, host: service.workers.host })))
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

/** The write-only keys `generation.backends.set` takes ("" removes one): each kind's key (contract) in its row's secret. */
const KEYS = BACKEND_KIND_NAMES.flatMap((kind) => {
  const key = (BACKEND_KINDS[kind] as { key?: BackendKeyInfo }).key
  const secret = BACKENDS[kind].secret
  return key && secret ? [{ ...key, secret }] : []
})
