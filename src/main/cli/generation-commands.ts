import type { CliCommand, CliContext } from './command'
import { parseStrictInt } from '../../shared/strict-number'
import { intOpt, requireStringOpt, stringOpt, UsageError } from './command'
import { callCore, openCore } from './open-core'
import { backendsCommand } from './backends-command'
import type { Core } from '../core/core'
import type { GenerationHandle } from '../generation/handle'
import { GENERATION } from '../services'
import { backendKindSchema, type BackendKind, type JobDto } from '../../shared/contract/generation'

const BACKEND_KINDS: readonly BackendKind[] = backendKindSchema.options
import { StudioError } from '../../shared/contract'
import { printable } from './printable'

function handleOf(core: Core): GenerationHandle {
  return core.services.get(GENERATION, 'this command')
}

async function channelId(core: Core, name: string, create = false): Promise<number> {
  try {
    return (await callCore(core, 'library.channels.get', { name })).id
  } catch (err) {
    if (create && err instanceof StudioError && err.code === 'not_found')
      return (await callCore(core, 'library.channels.create', { name })).id
    if (err instanceof StudioError && err.code === 'not_found') {
      throw new UsageError(
        `There is no channel "${name}". Create it with --create, or see the list with: webtv channel list.`
      )
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
  if (j.runsOn && !j.step?.includes(j.runsOn) && !FINAL.has(j.state)) parts.push(`on ${j.runsOn}`)
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
  usage:
    'webtv generate --channel NAME --theme TEXT [--count 4] [--backend offline|gradio|hf-inference|fal|comfyui] [--continuity] [--writer template|llm] [--create] [--no-wait] [--json]',
  options: {
    channel: { type: 'string' },
    theme: { type: 'string' },
    count: { type: 'string' },
    backend: { type: 'string' },
    continuity: { type: 'boolean', default: false },
    writer: { type: 'string' },
    create: { type: 'boolean', default: false },
    'no-wait': { type: 'boolean', default: false }
  },
  async run(ctx) {
    const name = requireStringOpt(ctx, 'channel', this.usage)
    const theme = requireStringOpt(ctx, 'theme', this.usage)
    const count = intOpt(ctx, 'count', 4)
    if (count < 1 || count > 50) throw new UsageError(`--count must be between 1 and 50, got ${count}.`)
    const backend = stringOpt(ctx, 'backend') as BackendKind | undefined
    if (backend !== undefined && !BACKEND_KINDS.includes(backend))
      throw new UsageError(`--backend must be one of ${BACKEND_KINDS.join(', ')}, got "${backend}".`)
    const writer = stringOpt(ctx, 'writer')
    if (writer !== undefined && writer !== 'template' && writer !== 'llm')
      throw new UsageError(`--writer must be template or llm, got "${writer}".`)
    const core = await openCore(ctx.global.dataDir)
    try {
      const h = handleOf(core)
      const id = await channelId(core, name, ctx.values.create === true)
      const plan = await callCore(core, 'generation.write', {
        channelId: id,
        theme,
        count,
        ...(writer ? { writer } : {})
      })
      if (!ctx.global.json) {
        ctx.io.out(`Writer: ${plan.writer}. Style: ${plan.style}`)
        plan.shots.forEach((s, i) => ctx.io.out(`  ${i + 1}. ${printable(s.prompt)}`))
        for (const w of plan.warnings) ctx.io.err(`warning: ${w}`)
      }
      const r = await callCore(core, 'generation.enqueue', {
        channelId: id,
        theme,
        style: plan.style,
        shots: plan.shots,
        ...(backend ? { backend } : {}),
        ...(ctx.values.continuity === true ? { continuity: true } : {})
      })
      if (ctx.values['no-wait'] === true) {
        ctx.io.out(
          ctx.global.json
            ? JSON.stringify(r)
            : `Queued ${r.jobIds.length} jobs (${r.jobIds.join(', ')}); \`webtv serve\` or \`webtv jobs resume\` runs them.`
        )
        return 0
      }
      h.service.startWorkers()
      const all = h.service
        .listJobs({ channelId: id, limit: 1000 })
        .filter((j) => j.sequenceId === r.sequenceId)
        .map((j) => j.id)
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
          ...(ctx.values.all === true
            ? {}
            : { states: ['queued', 'running', 'upscaling', 'interpolating', 'conforming', 'failed'] as const }),
          limit: 200
        })
        if (ctx.global.json) ctx.io.out(JSON.stringify({ jobs }, null, 2))
        else if (jobs.length === 0)
          ctx.io.out(ctx.values.all === true ? 'No jobs.' : 'No unfinished or failed jobs (--all lists every job).')
        else for (const j of jobs) ctx.io.out(`${describe(j, 0)} · ${printable(j.prompt.slice(0, 60))}`)
        return 0
      }
      if (action === 'cancel' || action === 'retry') {
        const jobId = arg === undefined ? undefined : parseStrictInt(arg)
        if (jobId === undefined || jobId <= 0)
          throw new UsageError(`webtv jobs ${action} needs a job id, e.g. webtv jobs ${action} 12.`)
        const j = await callCore(core, action === 'cancel' ? 'generation.jobs.cancel' : 'generation.jobs.retry', {
          id: jobId
        })
        ctx.io.out(ctx.global.json ? JSON.stringify(j) : describe(j, 0))
        return 0
      }
      if (action === 'resume') {
        // Runs the queue in this process until nothing is left (what a restart after a crash does).
        const active = h.service.listJobs({
          ...(id ? { channelId: id } : {}),
          states: ['queued', 'running', 'upscaling', 'interpolating', 'conforming'],
          limit: 1000
        })
        if (active.length === 0) {
          ctx.io.out('Nothing to resume.')
          return 0
        }
        h.service.startWorkers()
        const jobs = await follow(
          ctx,
          h,
          active.map((j) => j.id),
          0
        )
        return summary(ctx, jobs)
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
        ctx.io.out(
          ctx.global.json
            ? JSON.stringify(shot)
            : `Shot ${shot.id} now airs take ${second} (from the next clip boundary).`
        )
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

const regenerateUsage =
  'webtv regenerate SHOT_ID [--prompt TEXT] [--seed N] [--backend offline|gradio|hf-inference|fal] [--no-wait] [--json]'

/** A new take of a shot: same or edited prompt, same or fresh seed. The shot airs it once it is chosen. */
export const regenerateCommand: CliCommand = {
  name: 'regenerate',
  summary: 'Generate a new take of a shot (choose it with `webtv takes choose`)',
  usage: regenerateUsage,
  allowPositionals: true,
  options: {
    prompt: { type: 'string' },
    seed: { type: 'string' },
    backend: { type: 'string' },
    'no-wait': { type: 'boolean', default: false }
  },
  async run(ctx) {
    const shotId = shotIdArg(ctx.positionals[0], regenerateUsage)
    const backend = stringOpt(ctx, 'backend') as BackendKind | undefined
    if (backend !== undefined && !BACKEND_KINDS.includes(backend))
      throw new UsageError(`--backend is one of ${BACKEND_KINDS.join(', ')}.\nUsage: ${regenerateUsage}`)
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
        ctx.io.out(
          ctx.global.json
            ? JSON.stringify(job)
            : `Queued job ${job.id}; \`webtv serve\` or \`webtv jobs resume\` runs it.`
        )
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
      ctx.io.out(
        ctx.global.json
          ? JSON.stringify({ job: done, take: newest })
          : `New take ${newest?.id} of shot ${shotId} is ready; air it with \`webtv takes choose ${newest?.id}\`.`
      )
      return 0
    } finally {
      await core.close()
    }
  }
}

export const generationCommands: CliCommand[] = [
  generateCommand,
  jobsCommand,
  backendsCommand,
  regenerateCommand,
  takesCommand
]
export { backendsCommand }
