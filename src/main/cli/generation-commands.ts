import type { CliCommand, CliContext } from './command'
import { parseStrictDecimal, parseStrictInt } from '../../shared/strict-number'
import { intOpt, readSecretFromStdin, requireStringOpt, stringOpt, UsageError } from './command'
import { callCore, openCore } from './open-core'
import type { Core } from '../core/core'
import type { GenerationHandle } from '../generation/handle'
import { GENERATION } from '../services'
import type { BackendSettings, JobDto, StepBackend } from '../../shared/contract/generation'
import { StudioError } from '../../shared/contract'
import { printable } from './printable'

function handleOf(core: Core): GenerationHandle {
  return core.services.get(GENERATION, 'this command')
}

async function channelId(core: Core, name: string, create = false): Promise<number> {
  try {
    return (await callCore(core, 'library.channels.get', { name })).id
  } catch (err) {
    if (create && err instanceof StudioError && err.code === 'not_found') return (await callCore(core, 'library.channels.create', { name })).id
    if (err instanceof StudioError && err.code === 'not_found') {
      throw new UsageError(`There is no channel "${name}". Create it with --create, or see the list with: webtv channel list.`)
    }
    throw err
  }
}

const FINAL = new Set(['ready', 'failed', 'canceled'])

/** total: how many shots the run has, when known (0: unknown, then just "shot 3"). */
function describe(j: JobDto, total: number): string {
  const what = j.kind === 'music' ? 'music' : total > 0 ? `shot ${j.index + 1}/${total}` : `shot ${j.index + 1}`
  const parts = [`[job ${j.id}] ${what}: ${j.state}`]
  if (j.step) parts.push(j.step)
  if (!FINAL.has(j.state) && j.percent > 0) parts.push(`${j.percent}%`)
  if (j.queuePosition) parts.push(`queue position ${j.queuePosition}`)
  if (j.etaSeconds !== null && !FINAL.has(j.state)) parts.push(`eta ${j.etaSeconds} s`)
  if (j.error) parts.push(`— ${printable(j.error)}`)
  return parts.join(' · ')
}

/** Print a line per job whenever what it shows changes; wait until every job is final. */
async function follow(ctx: CliContext, h: GenerationHandle, ids: number[], total: number): Promise<JobDto[]> {
  const shown = new Map<number, string>()
  return h.service.waitForJobs(ids, {
    signal: ctx.stopSignal,
    onUpdate: (jobs) => {
      if (ctx.global.json) return
      for (const j of [...jobs].sort((a, b) => a.id - b.id)) {
        const line = describe(j, total)
        if (shown.get(j.id) !== line) {
          shown.set(j.id, line)
          ctx.io.out(line)
        }
      }
    }
  })
}

function summary(ctx: CliContext, jobs: JobDto[]): number {
  const shots = jobs.filter((j) => j.kind === 'shot')
  const ready = shots.filter((j) => j.state === 'ready').length
  const failed = shots.filter((j) => j.state === 'failed')
  if (ctx.global.json) ctx.io.out(JSON.stringify({ jobs }, null, 2))
  else ctx.io.out(`${ready} of ${shots.length} shots ready${failed.length ? `, ${failed.length} failed` : ''}.`)
  if (ctx.stopSignal.aborted) {
    ctx.io.err('Stopped; unfinished jobs stay queued and resume with `webtv jobs resume` or `webtv serve`.')
    return 130
  }
  return failed.length > 0 ? 1 : 0
}

export const generateCommand: CliCommand = {
  name: 'generate',
  summary: 'Write shots for a theme, generate them and add them to the channel (waits until done)',
  usage: 'webtv generate --channel NAME --theme TEXT [--count 4] [--backend offline|gradio] [--writer template|llm] [--create] [--no-wait] [--json]',
  options: {
    channel: { type: 'string' },
    theme: { type: 'string' },
    count: { type: 'string' },
    backend: { type: 'string' },
    writer: { type: 'string' },
    create: { type: 'boolean', default: false },
    'no-wait': { type: 'boolean', default: false }
  },
  async run(ctx) {
    const name = requireStringOpt(ctx, 'channel', this.usage)
    const theme = requireStringOpt(ctx, 'theme', this.usage)
    const count = intOpt(ctx, 'count', 4)
    if (count < 1 || count > 50) throw new UsageError(`--count must be between 1 and 50, got ${count}.`)
    const backend = stringOpt(ctx, 'backend')
    if (backend !== undefined && backend !== 'offline' && backend !== 'gradio') throw new UsageError(`--backend must be offline or gradio, got "${backend}".`)
    const writer = stringOpt(ctx, 'writer')
    if (writer !== undefined && writer !== 'template' && writer !== 'llm') throw new UsageError(`--writer must be template or llm, got "${writer}".`)
    const core = await openCore(ctx.global.dataDir)
    try {
      const h = handleOf(core)
      const id = await channelId(core, name, ctx.values.create === true)
      const plan = await callCore(core, 'generation.write', { channelId: id, theme, count, ...(writer ? { writer } : {}) })
      if (!ctx.global.json) {
        ctx.io.out(`Writer: ${plan.writer}. Style: ${plan.style}`)
        plan.shots.forEach((s, i) => ctx.io.out(`  ${i + 1}. ${printable(s.prompt)}`))
        for (const w of plan.warnings) ctx.io.err(`warning: ${w}`)
      }
      const r = await callCore(core, 'generation.enqueue', { channelId: id, theme, style: plan.style, shots: plan.shots, ...(backend ? { backend } : {}) })
      if (ctx.values['no-wait'] === true) {
        ctx.io.out(ctx.global.json ? JSON.stringify(r) : `Queued ${r.jobIds.length} jobs (${r.jobIds.join(', ')}); \`webtv serve\` or \`webtv jobs resume\` runs them.`)
        return 0
      }
      h.service.startWorkers()
      const all = h.service.listJobs({ channelId: id, limit: 1000 }).filter((j) => j.sequenceId === r.sequenceId).map((j) => j.id)
      const jobs = await follow(ctx, h, all, plan.shots.length)
      return summary(ctx, jobs)
    } finally {
      await core.close()
    }
  }
}

export const jobsCommand: CliCommand = {
  name: 'jobs',
  summary: 'List generation jobs; resume, cancel or retry them',
  usage: 'webtv jobs [list|resume|cancel ID|retry ID] [--channel NAME] [--all] [--json]',
  allowPositionals: true,
  options: { channel: { type: 'string' }, all: { type: 'boolean', default: false } },
  async run(ctx) {
    const [action = 'list', arg] = ctx.positionals
    const core = await openCore(ctx.global.dataDir)
    try {
      const h = handleOf(core)
      const name = stringOpt(ctx, 'channel')
      const id = name ? await channelId(core, name) : undefined
      if (action === 'list') {
        const { jobs } = await callCore(core, 'generation.jobs.list', {
          ...(id ? { channelId: id } : {}),
          ...(ctx.values.all === true ? {} : { states: ['queued', 'running', 'upscaling', 'interpolating', 'conforming', 'failed'] as const }),
          limit: 200
        })
        if (ctx.global.json) ctx.io.out(JSON.stringify({ jobs }, null, 2))
        else if (jobs.length === 0) ctx.io.out(ctx.values.all === true ? 'No jobs.' : 'No unfinished or failed jobs (--all lists every job).')
        else for (const j of jobs) ctx.io.out(`${describe(j, 0)} · ${printable(j.prompt.slice(0, 60))}`)
        return 0
      }
      if (action === 'cancel' || action === 'retry') {
        const jobId = arg === undefined ? undefined : parseStrictInt(arg)
        if (jobId === undefined || jobId <= 0) throw new UsageError(`webtv jobs ${action} needs a job id, e.g. webtv jobs ${action} 12.`)
        const j = await callCore(core, action === 'cancel' ? 'generation.jobs.cancel' : 'generation.jobs.retry', { id: jobId })
        ctx.io.out(ctx.global.json ? JSON.stringify(j) : describe(j, 0))
        return 0
      }
      if (action === 'resume') {
        // Runs the queue in this process until nothing is left (what a restart after a crash does).
        const active = h.service.listJobs({ ...(id ? { channelId: id } : {}), states: ['queued', 'running', 'upscaling', 'interpolating', 'conforming'], limit: 1000 })
        if (active.length === 0) {
          ctx.io.out('Nothing to resume.')
          return 0
        }
        h.service.startWorkers()
        const jobs = await follow(ctx, h, active.map((j) => j.id), 0)
        return summary(ctx, jobs)
      }
      throw new UsageError(`Unknown action "${action}".\nUsage: ${this.usage}`)
    } finally {
      await core.close()
    }
  }
}

function stepPatch(ctx: CliContext, name: 'video' | 'upscale' | 'interpolate' | 'music', current: StepBackend): StepBackend | undefined {
  const mode = stringOpt(ctx, name)
  const spaces = ctx.values[`${name}-space`]
  const preset = stringOpt(ctx, `${name}-preset`)
  const mapping = stringOpt(ctx, `${name}-mapping`)
  if (mode === undefined && spaces === undefined && preset === undefined && mapping === undefined) return undefined
  const next: StepBackend = { ...current }
  if (mode !== undefined) {
    if (!['off', 'offline', 'local', 'gradio'].includes(mode)) throw new UsageError(`--${name} must be off, offline (local) or gradio, got "${mode}".`)
    if (name === 'video' && mode === 'off') throw new UsageError('The video step cannot be turned off.')
    next.enabled = mode !== 'off'
    next.backend = mode === 'gradio' ? 'gradio' : 'offline'
  }
  if (spaces !== undefined) {
    const list = (Array.isArray(spaces) ? spaces : [spaces]).flatMap((s) => String(s).split(',')).map((s) => s.trim()).filter(Boolean)
    next.spaces = list
  }
  if (preset !== undefined) next.preset = preset as StepBackend['preset']
  if (mapping !== undefined) {
    try {
      next.mapping = JSON.parse(mapping) as StepBackend['mapping']
    } catch (err) {
      throw new UsageError(`--${name}-mapping must be JSON like {"endpoint":"/run","args":["{prompt}","{seed}"],"outputIndex":0}: ${err instanceof Error ? err.message : String(err)}`)
    }
  }
  return next
}

const stepOptions = Object.fromEntries(
  (['video', 'upscale', 'interpolate', 'music'] as const).flatMap((n) => [
    [n, { type: 'string' }],
    [`${n}-space`, { type: 'string', multiple: true }],
    [`${n}-preset`, { type: 'string' }],
    [`${n}-mapping`, { type: 'string' }]
  ])
) as NonNullable<CliCommand['options']>

export const backendsCommand: CliCommand = {
  name: 'backends',
  summary: "Show, set or test a channel's generation backends (Spaces, local ffmpeg, LLM writer)",
  usage:
    'webtv backends [show|set|test] --channel NAME [--video offline|gradio] [--video-space ID|URL …] [--video-preset P] [--video-mapping JSON]\n' +
    '       [--upscale off|local|gradio] [--interpolate off|local|gradio] [--music off|local|gradio] (each with -space/-preset/-mapping)\n' +
    '       [--concurrency N] [--offline-seconds S] [--hf-token-stdin] [--llm-url URL] [--llm-model M] [--llm-key-stdin] [--writer llm|template] [--step STEP]',
  allowPositionals: true,
  options: {
    channel: { type: 'string' },
    ...stepOptions,
    concurrency: { type: 'string' },
    'offline-seconds': { type: 'string' },
    'hf-token-stdin': { type: 'boolean', default: false },
    'llm-url': { type: 'string' },
    'llm-model': { type: 'string' },
    'llm-key-stdin': { type: 'boolean', default: false },
    writer: { type: 'string' },
    step: { type: 'string' }
  },
  async run(ctx) {
    const [action = 'show'] = ctx.positionals
    const name = requireStringOpt(ctx, 'channel', this.usage)
    const core = await openCore(ctx.global.dataDir)
    try {
      const id = await channelId(core, name)
      if (action === 'show') {
        const b = await callCore(core, 'generation.backends.get', { channelId: id })
        const llm = await callCore(core, 'generation.llm.get', {})
        if (ctx.global.json) ctx.io.out(JSON.stringify({ ...b, llm }, null, 2))
        else {
          for (const n of ['video', 'upscale', 'interpolate', 'music'] as const) {
            const s = b.settings[n]
            ctx.io.out(`${n.padEnd(12)}${!s.enabled ? 'off' : s.backend === 'offline' ? 'local (ffmpeg)' : `gradio ${s.preset} → ${s.spaces.join(', ')}`}`)
          }
          ctx.io.out(`HF token    ${b.hfToken ?? '(none)'}`)
          ctx.io.out(`writer      ${llm.enabled ? `LLM ${llm.model} at ${llm.baseUrl} (key ${llm.apiKey ?? 'none'})` : 'template (offline)'}`)
        }
        return 0
      }
      if (action === 'test') {
        const step = stringOpt(ctx, 'step') as 'video' | 'upscale' | 'interpolate' | 'music' | undefined
        const { results } = await callCore(core, 'generation.backends.test', { channelId: id, ...(step ? { step } : {}) })
        if (ctx.global.json) ctx.io.out(JSON.stringify({ results }, null, 2))
        else for (const r of results) ctx.io.out(`${r.ok ? 'ok  ' : 'FAIL'} ${r.step} ${r.space}: ${r.message}`)
        return results.every((r) => r.ok) ? 0 : 1
      }
      if (action === 'set') {
        const current = (await callCore(core, 'generation.backends.get', { channelId: id })).settings
        const patch: Partial<BackendSettings> = {}
        for (const n of ['video', 'upscale', 'interpolate', 'music'] as const) {
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
        const hfToken = ctx.values['hf-token-stdin'] === true ? readSecretFromStdin('webtv backends set … --hf-token-stdin') : undefined
        const b = await callCore(core, 'generation.backends.set', { channelId: id, ...(Object.keys(patch).length ? { settings: patch } : {}), ...(hfToken !== undefined ? { hfToken } : {}) })
        const writer = stringOpt(ctx, 'writer')
        if (writer !== undefined && writer !== 'llm' && writer !== 'template') throw new UsageError(`--writer must be llm or template, got "${writer}".`)
        const llmUrl = stringOpt(ctx, 'llm-url')
        const llmModel = stringOpt(ctx, 'llm-model')
        const apiKey = ctx.values['llm-key-stdin'] === true ? readSecretFromStdin('webtv backends set … --llm-key-stdin') : undefined
        if (writer || llmUrl || llmModel || apiKey !== undefined) {
          await callCore(core, 'generation.llm.set', {
            ...(llmUrl ? { baseUrl: llmUrl } : {}),
            ...(llmModel ? { model: llmModel } : {}),
            ...(apiKey !== undefined ? { apiKey } : {}),
            ...(writer ? { enabled: writer === 'llm' } : {})
          })
        }
        ctx.io.out(ctx.global.json ? JSON.stringify(b, null, 2) : `Saved. HF token: ${b.hfToken ?? '(none)'}. Run \`webtv backends test --channel ${JSON.stringify(name)}\` to check the Spaces.`)
        return 0
      }
      throw new UsageError(`Unknown action "${action}".\nUsage: ${this.usage}`)
    } finally {
      await core.close()
    }
  }
}

function shotIdArg(value: string | undefined, usage: string): number {
  const id = value === undefined ? undefined : parseStrictInt(value)
  if (id === undefined || id <= 0) throw new UsageError(`Give a shot or take id (a whole number).\nUsage: ${usage}`)
  return id
}

const takesUsage = 'webtv takes SHOT_ID [--json]\n       webtv takes choose TAKE_ID'

/** The takes of a shot (each generated version), and which one airs. */
export const takesCommand: CliCommand = {
  name: 'takes',
  summary: "List a shot's takes or choose which one airs",
  usage: takesUsage,
  allowPositionals: true,
  async run(ctx) {
    const [first, second] = ctx.positionals
    const core = await openCore(ctx.global.dataDir)
    try {
      if (first === 'choose') {
        const shot = await callCore(core, 'library.takes.choose', { takeId: shotIdArg(second, takesUsage) })
        ctx.io.out(ctx.global.json ? JSON.stringify(shot) : `Shot ${shot.id} now airs take ${second} (from the next clip boundary).`)
        return 0
      }
      const { takes } = await callCore(core, 'library.takes.list', { shotId: shotIdArg(first, takesUsage) })
      if (ctx.global.json) ctx.io.out(JSON.stringify({ shotId: Number(first), takes }))
      else
        for (const t of takes)
          ctx.io.out(
            `${t.chosen ? '*' : ' '} take ${t.id}  ${t.status.padEnd(10)} seed ${t.seed ?? '—'}  ${t.backend ?? ''}  ${new Date(t.createdAt).toISOString()}${t.error ? `  ${t.error}` : ''}`
          )
      return 0
    } finally {
      await core.close()
    }
  }
}

const regenerateUsage = 'webtv regenerate SHOT_ID [--prompt TEXT] [--seed N] [--backend offline|gradio] [--no-wait] [--json]'

/** A new take of a shot: same or edited prompt, same or fresh seed. The shot airs it once it is chosen. */
export const regenerateCommand: CliCommand = {
  name: 'regenerate',
  summary: 'Generate a new take of a shot (choose it with `webtv takes choose`)',
  usage: regenerateUsage,
  allowPositionals: true,
  options: { prompt: { type: 'string' }, seed: { type: 'string' }, backend: { type: 'string' }, 'no-wait': { type: 'boolean', default: false } },
  async run(ctx) {
    const shotId = shotIdArg(ctx.positionals[0], regenerateUsage)
    const backend = stringOpt(ctx, 'backend')
    if (backend !== undefined && backend !== 'offline' && backend !== 'gradio') throw new UsageError(`--backend is offline or gradio.\nUsage: ${regenerateUsage}`)
    const prompt = stringOpt(ctx, 'prompt')
    const seed = stringOpt(ctx, 'seed') === undefined ? undefined : intOpt(ctx, 'seed', 0)
    const core = await openCore(ctx.global.dataDir)
    try {
      const job = await callCore(core, 'generation.regenerate', {
        shotId,
        ...(prompt !== undefined ? { prompt } : {}),
        ...(seed !== undefined ? { seed } : {}),
        ...(backend !== undefined ? { backend } : {})
      })
      if (ctx.values['no-wait'] === true) {
        ctx.io.out(ctx.global.json ? JSON.stringify(job) : `Queued job ${job.id}; \`webtv serve\` or \`webtv jobs resume\` runs it.`)
        return 0
      }
      const h = handleOf(core)
      h.service.startWorkers()
      const [done] = await follow(ctx, h, [job.id], 1)
      if (done?.state !== 'ready') {
        ctx.io.err(`The new take failed: ${done?.error ?? done?.state ?? 'unknown'}`)
        return 1
      }
      const { takes } = await callCore(core, 'library.takes.list', { shotId })
      const newest = takes[takes.length - 1]
      ctx.io.out(ctx.global.json ? JSON.stringify({ job: done, take: newest }) : `New take ${newest?.id} of shot ${shotId} is ready; air it with \`webtv takes choose ${newest?.id}\`.`)
      return 0
    } finally {
      await core.close()
    }
  }
}

export const generationCommands: CliCommand[] = [generateCommand, jobsCommand, backendsCommand, regenerateCommand, takesCommand]
