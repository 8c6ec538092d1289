import type { CliCommand, CliContext } from './command'
import { intOpt, onOffOpt, readSecretFromStdin, requireStringOpt, stringOpt, UsageError } from './command'
import { callCore, openCore } from './open-core'
import { parseStrictDecimal } from '../../shared/strict-number'
import type { Core } from '../core/core'
import { StudioError } from '../../shared/contract'
import {
  BACKEND_KEYS,
  backendConfigSchema,
  HF_PROVIDERS,
  kindsForStep,
  presetIdSchema,
  STEP_NAMES,
  type BackendConfig,
  type BackendKind,
  type BackendSettings,
  type ModelParams,
  type StepBackend,
  type StepName
} from '../../shared/contract/generation'
import {
  backendConfigOf,
  GRADIO_PRESET_INFO,
  hasConfig,
  MODEL_PRESETS,
  modelPreset
} from '../../shared/backend-presets'
import { backendFor } from '../generation/backends'

const STEPS = STEP_NAMES

/** "runpodKey" → "runpod-key-stdin": each kind's key has its flag. */
const keyFlag = (field: string): string => `${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}-stdin`

async function channelId(core: Core, name: string): Promise<number> {
  try {
    return (await callCore(core, 'library.channels.get', { name })).id
  } catch (err) {
    if (err instanceof StudioError && err.code === 'not_found')
      throw new UsageError(`There is no channel "${name}". See the list with: webtv channel list.`)
    throw err
  }
}

/** "fal · fal-ai/wan/… (81 frames, 16 fps)" — one line per step. */
export function describeStep(name: StepName, s: StepBackend): string {
  if (!s.enabled) return 'off'
  if (hasConfig(s.backend) && !s.configs?.some((x) => x.kind === s.backend))
    return `${s.backend} (defaults; run webtv backends set to choose a model)`
  return backendFor(s).describe?.(s, name) ?? s.backend
}

const PARAM_KEYS: Record<string, keyof ModelParams> = {
  frames: 'frames',
  fps: 'fps',
  steps: 'steps',
  guidance: 'guidance',
  seed: 'seed',
  negative: 'negativePrompt',
  'negative-prompt': 'negativePrompt',
  resolution: 'resolution',
  seconds: 'seconds'
}

/** "frames=121", "extra.aspect_ratio=16:9", "seed=" (clears) → a params patch. */
export function parseParam(raw: string, into: ModelParams, flag: string): ModelParams {
  const eq = raw.indexOf('=')
  if (eq <= 0) throw new UsageError(`${flag} takes NAME=VALUE (e.g. frames=121), got "${raw}".`)
  const name = raw.slice(0, eq).trim()
  const value = raw.slice(eq + 1)
  const next: ModelParams = { ...into, ...(into.extra ? { extra: { ...into.extra } } : {}) }
  if (name.startsWith('extra.')) {
    const key = name.slice('extra.'.length)
    const extra = { ...(next.extra ?? {}) }
    if (value === '') delete extra[key]
    else
      extra[key] = /^-?\d+(\.\d+)?$/.test(value)
        ? Number(value)
        : value === 'true'
          ? true
          : value === 'false'
            ? false
            : value
    return { ...next, extra }
  }
  const key = PARAM_KEYS[name]
  if (!key)
    throw new UsageError(
      `${flag}: unknown parameter "${name}"; use ${Object.keys(PARAM_KEYS).join(', ')} or extra.NAME.`
    )
  if (value === '') {
    const copy = { ...next }
    delete copy[key]
    return copy
  }
  if (key === 'negativePrompt' || key === 'resolution') return { ...next, [key]: value }
  const n = parseStrictDecimal(value)
  if (n === undefined) throw new UsageError(`${flag}: ${name} must be a number, got "${value}".`)
  return { ...next, [key]: n }
}

const onOff = onOffOpt

function list(ctx: CliContext, flag: string): string[] | undefined {
  const v = ctx.values[flag]
  if (v === undefined) return undefined
  return (Array.isArray(v) ? v : [v]).map(String)
}

/** The step as the flags leave it; undefined when no flag names this step. */
export function stepPatch(ctx: CliContext, name: StepName, current: StepBackend): StepBackend | undefined {
  const flags = [
    '',
    '-space',
    '-preset',
    '-mapping',
    '-model',
    '-provider',
    '-endpoint',
    '-param',
    '-gateway',
    '-token-to-host',
    '-concurrency',
    '-config'
  ].map((f) => `${name}${f}`)
  if (flags.every((f) => ctx.values[f] === undefined)) return undefined
  const next: StepBackend = { ...current, configs: [...(current.configs ?? [])] }
  const mode = stringOpt(ctx, name)
  if (mode !== undefined) {
    const kinds = kindsForStep(name, { pickable: true })
    const allowed = [...(name === 'video' ? [] : ['off']), 'local', ...kinds]
    if (!allowed.includes(mode)) throw new UsageError(`--${name} must be ${allowed.join(', ')}, got "${mode}".`)
    next.enabled = mode !== 'off'
    if (mode !== 'off') next.backend = (mode === 'local' ? 'offline' : mode) as BackendKind
  }
  const kind = next.backend
  const config = stringOpt(ctx, `${name}-config`)
  if (config !== undefined) return withConfigJson(next, name, config)
  const isProvider = kind === 'hf-inference' || kind === 'fal'
  // Other kinds' own settings (ComfyUI's servers and workflow, RunPod's endpoint) are set with -config or elsewhere; the kind is set here.
  if (!isProvider && kind !== 'gradio' && kind !== 'offline') return next
  const preset = stringOpt(ctx, `${name}-preset`)
  const providerOnly = ['model', 'provider', 'endpoint', 'param', 'gateway', 'concurrency'].filter(
    (f) => ctx.values[`${name}-${f}`] !== undefined
  )
  if (!isProvider && providerOnly.length > 0) {
    throw new UsageError(
      `--${name}-${providerOnly[0]} is for the hf-inference and fal backends; set --${name} hf-inference or fal first.`
    )
  }
  if (!isProvider) {
    const spaces = list(ctx, `${name}-space`)
    if (spaces)
      next.spaces = spaces
        .flatMap((s) => s.split(','))
        .map((s) => s.trim())
        .filter(Boolean)
    if (preset !== undefined) {
      const ok = presetIdSchema.safeParse(preset)
      if (!ok.success)
        throw new UsageError(
          `--${name}-preset for a Space is one of ${presetIdSchema.options.join(', ')}, got "${preset}".`
        )
      next.preset = ok.data
    }
    const mapping = stringOpt(ctx, `${name}-mapping`)
    if (mapping !== undefined) {
      try {
        next.mapping = JSON.parse(mapping) as StepBackend['mapping']
      } catch (err) {
        throw new UsageError(
          `--${name}-mapping must be JSON like {"endpoint":"/run","args":["{prompt}","{seed}"],"outputIndex":0}: ${err instanceof Error ? err.message : String(err)}`
        )
      }
    }
    const sw = onOff(ctx, `${name}-token-to-host`)
    if (sw !== undefined) next.tokenToCustomHost = sw
    return next
  }
  if (kind !== 'hf-inference' && kind !== 'fal')
    throw new UsageError(`The ${name} step runs locally or on a Space only.`)
  let cfg: BackendConfig = backendConfigOf(next, kind, name)
  if (preset !== undefined) {
    const p = modelPreset(preset)
    const forStep = MODEL_PRESETS.filter((m) => m.step === (name === 'music' ? 'music' : 'video'))
    if (!p || !forStep.includes(p))
      throw new UsageError(
        `--${name}-preset is one of ${forStep.map((m) => m.id).join(', ')} for the ${name} step, got "${preset}".`
      )
    cfg =
      cfg.kind === 'fal'
        ? { ...cfg, preset: p.id, endpoint: p.falEndpoint, params: { ...p.params } }
        : { ...cfg, preset: p.id, model: p.hfModel, params: { ...p.params } }
  }
  const model = stringOpt(ctx, `${name}-model`)
  const provider = stringOpt(ctx, `${name}-provider`)
  const endpoint = stringOpt(ctx, `${name}-endpoint`)
  if (cfg.kind === 'hf-inference') {
    if (endpoint !== undefined)
      throw new UsageError(
        `--${name}-endpoint is for fal; for hf-inference give --${name}-model and --${name}-provider.`
      )
    if (model !== undefined) cfg = { ...cfg, model, preset: 'custom' }
    if (provider !== undefined) {
      if (!(HF_PROVIDERS as readonly string[]).includes(provider))
        throw new UsageError(`--${name}-provider is one of ${HF_PROVIDERS.join(', ')}, got "${provider}".`)
      cfg = { ...cfg, provider: provider as (typeof HF_PROVIDERS)[number] }
    }
  } else {
    if (model !== undefined || provider !== undefined)
      throw new UsageError(
        `--${name}-model / --${name}-provider are for hf-inference; for fal give --${name}-endpoint.`
      )
    if (endpoint !== undefined) cfg = { ...cfg, endpoint, preset: 'custom' }
  }
  for (const raw of list(ctx, `${name}-param`) ?? [])
    cfg = { ...cfg, params: parseParam(raw, cfg.params, `--${name}-param`) }
  const gateway = stringOpt(ctx, `${name}-gateway`)
  if (gateway !== undefined) {
    cfg = { ...cfg, gateway: gateway === '' ? undefined : gateway }
    if (gateway === '') delete (cfg as { gateway?: string }).gateway
  }
  const sw = onOff(ctx, `${name}-token-to-host`)
  if (sw !== undefined) cfg = cfg.kind === 'fal' ? { ...cfg, keyToGateway: sw } : { ...cfg, tokenToGateway: sw }
  if (stringOpt(ctx, `${name}-concurrency`) !== undefined)
    cfg = { ...cfg, concurrency: intOpt(ctx, `${name}-concurrency`, 2) }
  next.configs = [...(next.configs ?? []).filter((c) => c.kind !== cfg.kind), cfg]
  return next
}

/** `--<step>-config JSON`: the settings of the step's kind, over its current (or default) ones, checked by the contract. */
function withConfigJson(next: StepBackend, name: StepName, raw: string): StepBackend {
  const kind = next.backend
  if (!hasConfig(kind))
    throw new UsageError(`--${name}-config is for the kinds with settings of their own; ${kind} has none.`)
  let patch: unknown
  try {
    patch = JSON.parse(raw)
  } catch (err) {
    throw new UsageError(`--${name}-config must be JSON: ${err instanceof Error ? err.message : String(err)}`)
  }
  if (!patch || typeof patch !== 'object' || Array.isArray(patch))
    throw new UsageError(`--${name}-config must be a JSON object, e.g. {"endpointId":"abc123"}.`)
  const parsed = backendConfigSchema.safeParse({ ...backendConfigOf(next, kind, name), ...patch, kind })
  if (!parsed.success) {
    const i = parsed.error.issues[0]!
    throw new UsageError(`--${name}-config: ${i.path.join('.') || 'value'}: ${i.message}`)
  }
  return { ...next, configs: [...(next.configs ?? []).filter((c) => c.kind !== kind), parsed.data] }
}

const stepOptions = Object.fromEntries(
  STEPS.flatMap((n) => [
    [n, { type: 'string' }],
    [`${n}-space`, { type: 'string', multiple: true }],
    [`${n}-preset`, { type: 'string' }],
    [`${n}-mapping`, { type: 'string' }],
    [`${n}-model`, { type: 'string' }],
    [`${n}-provider`, { type: 'string' }],
    [`${n}-endpoint`, { type: 'string' }],
    [`${n}-param`, { type: 'string', multiple: true }],
    [`${n}-gateway`, { type: 'string' }],
    [`${n}-token-to-host`, { type: 'string' }],
    [`${n}-concurrency`, { type: 'string' }],
    [`${n}-config`, { type: 'string' }]
  ])
) as NonNullable<CliCommand['options']>

export const backendsCommand: CliCommand = {
  name: 'backends',
  summary: `List, set or test a channel's generation backends (${kindsForStep('video').join(', ')}; the LLM writer)`,
  usage:
    'webtv backends [list|set|test|presets] --channel NAME\n' +
    `  set: --video ${kindsForStep('video', { pickable: true }).join('|')}  --music off|local|${kindsForStep('music', { pickable: true }).join('|')}  --upscale/--interpolate off|local|${kindsForStep('upscale', { pickable: true }).join('|')}\n` +
    '       per step (e.g. --video-…): -preset P  -space ID|URL …  -mapping JSON  (gradio)\n' +
    '                                  -preset P  -model ID  -provider auto|fal-ai|replicate|novita|wavespeed|together|hf-inference  (hf-inference)\n' +
    '                                  -preset P  -endpoint fal-ai/…  (fal)\n' +
    '                                  -param NAME=VALUE …  -concurrency N  -gateway URL  -token-to-host on|off\n' +
    '                                  -config JSON  (the kind\'s own settings, e.g. runpod: {"endpointId":"…"})\n' +
    `       ${BACKEND_KEYS.map((k) => `--${keyFlag(k.field)}`).join('  ')}  --concurrency N (per Space copy)  --offline-seconds S\n` +
    '       --llm-url URL  --llm-model M  --llm-key-stdin  --writer llm|template\n' +
    '  test: [--step video|upscale|interpolate|music]',
  allowPositionals: true,
  options: {
    channel: { type: 'string' },
    ...stepOptions,
    concurrency: { type: 'string' },
    'offline-seconds': { type: 'string' },
    ...Object.fromEntries(BACKEND_KEYS.map((k) => [keyFlag(k.field), { type: 'boolean', default: false }])),
    'llm-url': { type: 'string' },
    'llm-model': { type: 'string' },
    'llm-key-stdin': { type: 'boolean', default: false },
    writer: { type: 'string' },
    step: { type: 'string' }
  },
  async run(ctx) {
    const [action = 'list'] = ctx.positionals
    if (action === 'presets') {
      if (ctx.global.json) ctx.io.out(JSON.stringify({ models: MODEL_PRESETS, spaces: GRADIO_PRESET_INFO }, null, 2))
      else {
        for (const p of MODEL_PRESETS)
          ctx.io.out(`${p.id.padEnd(20)}${p.step.padEnd(7)}hf ${p.hfModel} · fal ${p.falEndpoint} — ${p.notes}`)
        for (const [id, p] of Object.entries(GRADIO_PRESET_INFO))
          ctx.io.out(`${id.padEnd(20)}space  ${p.label}${p.legacy ? ' (legacy)' : ''} — ${p.note}`)
      }
      return 0
    }
    const name = requireStringOpt(ctx, 'channel', this.usage)
    const core = await openCore(ctx.global.dataDir)
    try {
      const id = await channelId(core, name)
      if (action === 'list' || action === 'show') {
        const b = await callCore(core, 'generation.backends.get', { channelId: id })
        const llm = await callCore(core, 'generation.llm.get', {})
        if (ctx.global.json) ctx.io.out(JSON.stringify({ ...b, llm }, null, 2))
        else {
          for (const n of STEPS) ctx.io.out(`${n.padEnd(12)}${describeStep(n, b.settings[n])}`)
          ctx.io.out(`HF token    ${b.hfToken ?? '(none)'}`)
          ctx.io.out(`fal key     ${b.falKey ?? '(none)'}`)
          for (const k of BACKEND_KEYS.filter((x) => !['hfToken', 'falKey'].includes(x.field)))
            if (b.keys?.[k.field]) ctx.io.out(`${k.label.padEnd(11)} ${b.keys[k.field]}`)
          ctx.io.out(
            `writer      ${llm.enabled ? `LLM ${llm.model} at ${llm.baseUrl} (key ${llm.apiKey ?? 'none'})` : 'template (offline)'}`
          )
        }
        return 0
      }
      if (action === 'test') {
        const step = stringOpt(ctx, 'step')
        if (step !== undefined && !STEPS.includes(step as StepName))
          throw new UsageError(`--step is one of ${STEPS.join(', ')}, got "${step}".`)
        const { results } = await callCore(core, 'generation.backends.test', {
          channelId: id,
          ...(step ? { step: step as StepName } : {})
        })
        if (ctx.global.json) ctx.io.out(JSON.stringify({ results }, null, 2))
        else for (const r of results) ctx.io.out(`${r.ok ? 'ok  ' : 'FAIL'} ${r.step} ${r.space}: ${r.message}`)
        return results.every((r) => r.ok) ? 0 : 1
      }
      if (action === 'set') {
        const current = (await callCore(core, 'generation.backends.get', { channelId: id })).settings
        const patch: Partial<BackendSettings> = {}
        for (const n of STEPS) {
          const p = stepPatch(ctx, n, current[n])
          if (p) patch[n] = p
        }
        if (stringOpt(ctx, 'concurrency') !== undefined) patch.concurrencyPerCopy = intOpt(ctx, 'concurrency', 1)
        const secs = stringOpt(ctx, 'offline-seconds')
        if (secs !== undefined) {
          const n = parseStrictDecimal(secs)
          if (n === undefined) throw new UsageError(`--offline-seconds must be a number, got "${secs}".`)
          patch.offline = { ...current.offline, seconds: n }
        }
        const asked = BACKEND_KEYS.filter((k) => ctx.values[keyFlag(k.field)] === true)
        if (asked.length > 1)
          throw new UsageError(
            `Give one secret per call on stdin: ${asked.map((k) => `--${keyFlag(k.field)}`).join(' or ')}.`
          )
        const keys = Object.fromEntries(
          asked.map((k) => [k.field, readSecretFromStdin(`webtv backends set … --${keyFlag(k.field)}`)])
        )
        const b = await callCore(core, 'generation.backends.set', {
          channelId: id,
          ...(Object.keys(patch).length ? { settings: patch } : {}),
          ...(Object.keys(keys).length ? { keys } : {})
        })
        const writer = stringOpt(ctx, 'writer')
        if (writer !== undefined && writer !== 'llm' && writer !== 'template')
          throw new UsageError(`--writer must be llm or template, got "${writer}".`)
        const llmUrl = stringOpt(ctx, 'llm-url')
        const llmModel = stringOpt(ctx, 'llm-model')
        const apiKey =
          ctx.values['llm-key-stdin'] === true ? readSecretFromStdin('webtv backends set … --llm-key-stdin') : undefined
        if (writer || llmUrl || llmModel || apiKey !== undefined) {
          await callCore(core, 'generation.llm.set', {
            ...(llmUrl ? { baseUrl: llmUrl } : {}),
            ...(llmModel ? { model: llmModel } : {}),
            ...(apiKey !== undefined ? { apiKey } : {}),
            ...(writer ? { enabled: writer === 'llm' } : {})
          })
        }
        if (ctx.global.json) ctx.io.out(JSON.stringify(b, null, 2))
        else {
          for (const n of STEPS) if (patch[n]) ctx.io.out(`${n.padEnd(12)}${describeStep(n, b.settings[n])}`)
          ctx.io.out(
            `Saved. HF token: ${b.hfToken ?? '(none)'}; fal key: ${b.falKey ?? '(none)'}. Run \`webtv backends test --channel ${JSON.stringify(name)}\` to check them.`
          )
        }
        return 0
      }
      throw new UsageError(`Unknown action "${action}".\nUsage: ${this.usage}`)
    } finally {
      await core.close()
    }
  }
}
