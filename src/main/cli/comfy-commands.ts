import { readFileSync, statSync } from 'node:fs'
import { WORKFLOW_MAX_BYTES } from '../../shared/contract/comfyui'
import type { CliCommand } from './command'
import { intOpt, readSecretFromStdin, requireStringOpt, stringOpt, UsageError } from './command'
import { callCore, openCore } from './open-core'
import type { Core } from '../core/core'
import { StudioError } from '../../shared/contract'
import type { ComfyEndpoint, ComfyWorkflowId } from '../../shared/contract/comfyui'
import type { StepBackend } from '../../shared/contract/generation'

const usage =
  'webtv comfy servers --channel NAME                     list the ComfyUI servers with their health (probes each)\n' +
  '       webtv comfy add URL --channel NAME [--concurrency 2] [--send-token]\n' +
  '       webtv comfy remove URL --channel NAME\n' +
  '       webtv comfy use --channel NAME [--video wan22-t2v|wan22-i2v|custom] [--music ace-step|custom] [--seconds S] [--fps N]\n' +
  '                       [--workflow FILE.json --mapping JSON] [--image-workflow FILE.json --image-mapping JSON]\n' +
  '       webtv comfy token --channel NAME --token-stdin   (stored in the secret store; "" removes it)'

async function channelId(core: Core, name: string): Promise<number> {
  try {
    return (await callCore(core, 'library.channels.get', { name })).id
  } catch (err) {
    if (err instanceof StudioError && err.code === 'not_found')
      throw new UsageError(`There is no channel "${name}". See the list with: webtv channel list.`)
    throw err
  }
}

const WORKFLOWS = new Set(['wan22-t2v', 'wan22-i2v', 'ace-step', 'custom'])

function readJsonFile(path: string, what: string): unknown {
  // Checked before reading: a 50 MB file is refused without loading it.
  let size = 0
  try {
    size = statSync(path).size
  } catch {
    /* missing: the read below says so */
  }
  if (size > WORKFLOW_MAX_BYTES)
    throw new UsageError(
      `The ${what} ${path} is ${Math.round(size / 1024)} KB; at most ${WORKFLOW_MAX_BYTES / 1024} KB is accepted (an API export is usually under 100 KB).`
    )
  try {
    return JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new UsageError(
      `Could not read the ${what} ${path}: ${err instanceof Error ? err.message : String(err)}. Export it from ComfyUI with "Export (API)".`
    )
  }
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw new UsageError(
      `--${what} must be JSON, e.g. '{"prompt":["6.text"],"seed":["3.seed"],"length":["55.length"]}'.`
    )
  }
}

/** ComfyUI GPU servers of a channel: the pool its ComfyUI steps run on. */
export const comfyCommand: CliCommand = {
  name: 'comfy',
  summary: "Manage a channel's ComfyUI GPU servers (a pool) and the workflows its steps run there",
  usage,
  allowPositionals: true,
  options: {
    channel: { type: 'string' },
    concurrency: { type: 'string' },
    'send-token': { type: 'boolean', default: false },
    video: { type: 'string' },
    music: { type: 'string' },
    seconds: { type: 'string' },
    fps: { type: 'string' },
    workflow: { type: 'string' },
    mapping: { type: 'string' },
    'image-workflow': { type: 'string' },
    'image-mapping': { type: 'string' },
    'token-stdin': { type: 'boolean', default: false }
  },
  async run(ctx) {
    const [action = 'servers', arg] = ctx.positionals
    const name = requireStringOpt(ctx, 'channel', usage)
    const core = await openCore(ctx.global.dataDir)
    try {
      const id = await channelId(core, name)
      const current = (await callCore(core, 'generation.backends.get', { channelId: id })).settings
      const endpoints = current.comfyui.endpoints
      if (action === 'servers') {
        const uses = (['video', 'music'] as const).filter((s) => current[s].enabled && current[s].backend === 'comfyui')
        // Probe through Test connection (it also checks the workflow's nodes), then read what the engine now knows.
        const tests = uses.length
          ? (await callCore(core, 'generation.backends.test', { channelId: id, step: uses[0]! })).results
          : []
        const { endpoints: status } = await callCore(core, 'generation.comfyui.status', { channelId: id })
        if (ctx.global.json) ctx.io.out(JSON.stringify({ endpoints: status, tests }, null, 2))
        else if (status.length === 0)
          ctx.io.out(
            `No ComfyUI server for "${name}". Add one: webtv comfy add http://127.0.0.1:8188 --channel ${JSON.stringify(name)}`
          )
        else {
          for (const e of status) {
            const t = tests.find((r) => r.space === e.url)
            ctx.io.out(
              `${e.state.padEnd(8)}${e.url}  ×${e.concurrency}${t ? `  ${t.message}` : e.lastError ? `  ${e.lastError}` : ''}`
            )
          }
          ctx.io.out(
            `steps on ComfyUI: ${uses.length ? uses.map((s) => `${s} (${current[s].comfyui?.workflow ?? '?'})`).join(', ') : 'none — run `webtv comfy use`'}`
          )
        }
        return tests.every((t) => t.ok) ? 0 : 1
      }
      if (action === 'add' || action === 'remove') {
        if (!arg) throw new UsageError(`Give the server's address.\nUsage: ${usage}`)
        const url = arg.replace(/\/+$/, '')
        let next: Array<Partial<ComfyEndpoint> & { url: string }>
        if (action === 'add') {
          const entry = {
            url,
            concurrency: intOpt(ctx, 'concurrency', 2),
            sendToken: ctx.values['send-token'] === true
          }
          next = endpoints.some((e) => e.url === url)
            ? endpoints.map((e) => (e.url === url ? entry : e))
            : [...endpoints, entry]
        } else {
          if (!endpoints.some((e) => e.url === url))
            throw new UsageError(
              `${url} is not among the channel's ComfyUI servers: ${endpoints.map((e) => e.url).join(', ') || 'none'}.`
            )
          next = endpoints.filter((e) => e.url !== url)
        }
        const b = await callCore(core, 'generation.backends.set', {
          channelId: id,
          settings: { comfyui: { endpoints: next } }
        })
        ctx.io.out(
          ctx.global.json
            ? JSON.stringify(b.settings.comfyui, null, 2)
            : `Saved: ${b.settings.comfyui.endpoints.map((e) => `${e.url} ×${e.concurrency}`).join(', ') || 'no servers'}.`
        )
        return 0
      }
      if (action === 'use') {
        const patch: Partial<Record<'video' | 'music', StepBackend>> = {}
        const seconds = stringOpt(ctx, 'seconds') === undefined ? undefined : Number(stringOpt(ctx, 'seconds'))
        if (seconds !== undefined && !Number.isFinite(seconds)) throw new UsageError('--seconds must be a number.')
        const fps = stringOpt(ctx, 'fps') === undefined ? undefined : intOpt(ctx, 'fps', 24)
        for (const step of ['video', 'music'] as const) {
          const w = stringOpt(ctx, step)
          if (w === undefined) continue
          if (!WORKFLOWS.has(w)) throw new UsageError(`--${step} is one of ${[...WORKFLOWS].join(', ')}, got "${w}".`)
          const comfyui: NonNullable<StepBackend['comfyui']> = {
            workflow: w as ComfyWorkflowId,
            ...(step === 'video' && seconds !== undefined ? { seconds } : {}),
            ...(step === 'video' && fps !== undefined ? { fps } : {})
          }
          if (w === 'custom') {
            const file = stringOpt(ctx, 'workflow')
            const mapping = stringOpt(ctx, 'mapping')
            if (!file || !mapping)
              throw new UsageError(
                `A custom workflow needs --workflow FILE.json (exported with "Export (API)") and --mapping JSON.\nUsage: ${usage}`
              )
            comfyui.custom = {
              graph: readJsonFile(file, 'workflow') as never,
              mapping: parseJson(mapping, 'mapping') as never
            }
            const imageFile = stringOpt(ctx, 'image-workflow')
            if (imageFile)
              comfyui.customImage = {
                graph: readJsonFile(imageFile, 'image workflow') as never,
                mapping: parseJson(stringOpt(ctx, 'image-mapping') ?? '', 'image-mapping') as never
              }
          }
          patch[step] = { ...current[step], enabled: true, backend: 'comfyui', comfyui }
        }
        if (Object.keys(patch).length === 0)
          throw new UsageError(`Say which step: --video or --music.\nUsage: ${usage}`)
        await callCore(core, 'generation.backends.set', { channelId: id, settings: patch })
        ctx.io.out(`Saved. Check the servers have the nodes: webtv comfy servers --channel ${JSON.stringify(name)}`)
        return 0
      }
      if (action === 'token') {
        if (ctx.values['token-stdin'] !== true)
          throw new UsageError(
            `Pipe the token in with --token-stdin (it never goes on the command line).\nUsage: ${usage}`
          )
        const token = readSecretFromStdin('webtv comfy token … --token-stdin')
        const b = await callCore(core, 'generation.backends.set', { channelId: id, comfyuiToken: token })
        ctx.io.out(
          `Saved. ComfyUI token: ${b.comfyuiToken ?? '(none)'}; sent only to servers added with --send-token (https or this machine).`
        )
        return 0
      }
      throw new UsageError(`Unknown action "${action}".\nUsage: ${usage}`)
    } finally {
      await core.close()
    }
  }
}
