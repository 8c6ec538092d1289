import type { ComfyEndpoint } from '../../../shared/contract/comfyui'
import type { BackendSettings, StepName } from '../../../shared/contract/generation'
import type { Library } from '../../library'
import type { SecretStore } from '../../secrets'
import { localPlan, type GenerationBackend } from '../backend'
import { localStep } from '../offline/backend'
import { COMFYUI_TOKEN_SECRET, getBackends } from '../settings'
import { ComfyClient } from './client'
import { EndpointDownError } from './errors'
import { testComfy } from './health'
import type { RemoteRef } from './run'
import { checkComfyBackend } from './settings'
import { comfyMusic, comfyVideo, tokenAllowed } from './step'
import { offersImageInput } from './workflows'

const DEFAULT_WORKFLOW = { video: 'wan22-t2v', music: 'ace-step' } as const
const workflowOf = (step: { comfyui?: BackendSettings['video']['comfyui'] }, name: StepName) =>
  step.comfyui ?? { workflow: name === 'music' ? DEFAULT_WORKFLOW.music : DEFAULT_WORKFLOW.video }

/** The channel's ComfyUI servers now (servers added after a job was queued serve it too). */
export function comfyEndpoints(lib: Library, channelId: number, snapshot: BackendSettings): ComfyEndpoint[] {
  try {
    const now = getBackends(lib, channelId).comfyui.endpoints
    return now.length > 0 ? now : snapshot.comfyui.endpoints
  } catch {
    return snapshot.comfyui.endpoints
  }
}

/** The ComfyUI token, for a server some channel marked "send token" and that the token policy allows. */
export async function comfyToken(
  lib: Pick<Library, 'settingsWithPrefix'>,
  secrets: Pick<SecretStore, 'get'>,
  url: string
): Promise<string | undefined> {
  const all = lib.settingsWithPrefix('generation.backends.')
  const marked = all.some((r) => {
    try {
      return (
        (JSON.parse(r.value) as Partial<BackendSettings>).comfyui?.endpoints.some(
          (e) => e.url === url && e.sendToken
        ) ?? false
      )
    } catch {
      return false
    }
  })
  if (!marked || !tokenAllowed(url)) return undefined
  return secrets.get(COMFYUI_TOKEN_SECRET)
}

/** Stop a job's prompt on its ComfyUI server when nobody here follows it (canceled while this process was not running it). */
export async function cancelComfyPrompt(lib: Library, secrets: SecretStore, payloadJson: string): Promise<void> {
  // A continuation in progress (extend.ts) has its own prompt; the first clip's is done by then.
  const p = JSON.parse(payloadJson) as { remote?: RemoteRef; extendRemote?: RemoteRef }
  const ref = p.extendRemote ?? p.remote
  if (!ref) return
  try {
    const client = new ComfyClient(ref.endpoint, await comfyToken(lib, secrets, ref.endpoint))
    // Stopped before the prompt id came back: the prompt is found by the client id sent with it.
    const promptId = ref.promptId || (await client.findByClient(ref.clientId))?.promptId
    if (promptId) await client.cancel(promptId)
  } catch {
    /* the server is gone: so is the prompt */
  }
}

/** The channel's own ComfyUI servers (a pool shared by every step set to ComfyUI): video and music. */
export const comfyuiBackend: GenerationBackend = {
  kind: 'comfyui',
  noun: 'ComfyUI backend',
  secret: COMFYUI_TOKEN_SECRET,
  // Asked for ComfyUI without a workflow chosen yet: the shipped one for the step.
  complete: (step, name) => (step.comfyui ? step : { ...step, comfyui: workflowOf(step, name) }),
  check: checkComfyBackend,
  engine: (step) => `comfyui:${step.comfyui?.workflow ?? '?'}`,
  where: (_step, _name, url) => (url ? `comfyui · ${url}` : 'comfyui'),
  plan(req) {
    const { job, host } = req
    if (!job) return localPlan(req)
    const remote = (JSON.parse(job.payload_json) as { remote?: RemoteRef }).remote
    const e = host.comfyPool.pick(
      comfyEndpoints(host.lib, job.channel_id, req.settings),
      (url) => host.used(`comfyui:${url}`),
      remote?.endpoint
    )
    if (!e) return null
    return {
      resource: `comfyui:${e.url}`,
      limit: e.concurrency,
      target: e.url,
      where: `comfyui · ${e.url}`,
      // Out of memory or a lost prompt: the job may run again at once on any free server.
      retry: 'now',
      onSuccess: () => host.comfyPool.ok(e.url),
      serverDown(err) {
        if (!(err instanceof EndpointDownError)) return undefined
        // The server's fault, not the job's: take the server out and hand the job to another, without spending an attempt.
        host.comfyPool.down(e.url, err.message)
        return `${err.message} Moving to another server.`
      }
    }
  },
  imageInput: (step, name) => name === 'video' && offersImageInput(workflowOf(step, name)),
  async prepare(req) {
    const endpoint = req.plan.target
    if (!endpoint) return localStep(req)
    const cfg = workflowOf(req.step, req.name)
    const call = {
      endpoint,
      token: await comfyToken(req.host.lib, req.host.secrets, endpoint),
      timeoutMs: req.settings.callTimeoutMs,
      previous: req.payloadRemote.previous as RemoteRef | undefined,
      record: (ref: RemoteRef | null) => req.payloadRemote.record(ref)
    }
    return {
      label: `ComfyUI ${cfg.workflow} on ${endpoint}`,
      async run(i, ctx) {
        if (req.name === 'music') {
          return {
            file: await comfyMusic(
              cfg,
              call,
              { prompt: i.prompt, seed: i.seed, durationSeconds: i.durationSeconds ?? 0 },
              ctx
            )
          }
        }
        const r = await comfyVideo(cfg, call, { prompt: i.prompt, seed: i.seed, startImage: i.startImage }, ctx)
        return { file: r.file, generator: `comfyui:${r.workflow}@${endpoint}`, usedImage: r.usedImage }
      }
    }
  },
  cancelRemote: (row, _step, _name, host) => cancelComfyPrompt(host.lib, host.secrets, row.payload_json),
  async test({ step, settings: s, name, host }) {
    const comfyToken = await host.secrets.get(COMFYUI_TOKEN_SECRET)
    const results = []
    for (const e of s.comfyui.endpoints) {
      const r = await testComfy(e, workflowOf(step, name), e.sendToken && tokenAllowed(e.url) ? comfyToken : undefined)
      if (r.ok) host.comfyPool.ok(e.url)
      else if (r.problem === 'unreachable') host.comfyPool.down(e.url, r.message)
      results.push({
        step: name,
        kind: 'comfyui' as const,
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
        kind: 'comfyui' as const,
        space: 'ComfyUI',
        ok: false,
        problem: 'no_server',
        message: 'No ComfyUI server is listed: add one (e.g. http://127.0.0.1:8188).',
        endpoints: [],
        parameters: []
      })
    return results
  },
  describe: (s) => `comfyui ${s.comfyui?.workflow ?? '(default workflow)'} on the channel's ComfyUI servers`
}
