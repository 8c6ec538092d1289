/**
 * `webtv gate`: a channel's quality gate policy (on/off, tries, hourly budget, which
 * checks decide) and the moderation blocklist (global and per channel), through the
 * contract's gate.* calls like any window.
 */
import type { CliCommand, CliContext } from './command'
import { readSecretFromStdin, stringOpt, requireStringOpt, UsageError } from './command'
import { callCore, withCore } from './open-core'
import { printable } from './printable'
import type { Core } from '../core/core'
import type { GatePolicyStateDto } from '../../shared/contract/gate'

export const gateUsage = [
  'webtv gate [show] --channel NAME [--json]',
  '       webtv gate set --channel NAME [--on | --off] [--max-tries N] [--takes-per-hour N] [--checks NAME,NAME...] [--judge on|off]',
  '       webtv gate blocklist [--channel NAME] [--json]',
  '       webtv gate blocklist add|remove [--channel NAME] WORD|/PATTERN/FLAGS',
  '       webtv gate moderation|judge [--on | --off] [--url URL] [--model NAME] [--key-stdin]',
  '  Without --channel the blocklist is the global one, which every channel uses.',
  '  moderation: an OpenAI-compatible /v1/moderations service every written line passes (off by default).',
  "  judge: an OpenAI-compatible chat model that sees a take's frames (off by default; on per channel with",
  '  webtv gate set --judge on). Keys go in through stdin only.'
].join('\n')

/** A count typed by a person: digits only, 0 or more (a negative number is refused by name). */
export function countOpt(ctx: CliContext, name: string): number | undefined {
  const v = stringOpt(ctx, name)
  if (v === undefined) return undefined
  if (!/^\d+$/.test(v.trim()))
    throw new UsageError(`--${name} must be a whole number, 0 or more (e.g. --${name} 2), got "${v}".`)
  return Number(v.trim())
}

function describePolicy(channel: string, s: GatePolicyStateDto): string[] {
  const p = s.policy
  return [
    `Quality gate of ${printable(channel)}: ${p.enabled ? 'on' : 'off'}`,
    `  tries after a failed take: ${p.maxTries}, takes per hour: ${p.takesPerHour} (${s.budgetLeft} left this hour)`,
    `  judge (a vision model, webtv gate judge): ${p.judge ? 'asked about every take' : 'off'}`,
    '  checks (* decides, others are recorded only):',
    ...s.available.map((c) => `    ${p.checks.includes(c.name) ? '*' : ' '} ${c.name.padEnd(9)} ${c.title}`)
  ]
}

async function channelId(core: Core, name: string): Promise<number> {
  return (await callCore(core, 'library.channels.get', { name })).id
}

type Verb = (ctx: CliContext, args: string[]) => Promise<number>

const noArgs = (args: string[]): void => {
  if (args.length) throw new UsageError(`unexpected arguments: ${args.join(' ')}.\nUsage: ${gateUsage}`)
}

const show: Verb = (ctx, args) => {
  noArgs(args)
  const name = requireStringOpt(ctx, 'channel', gateUsage)
  return withCore(ctx, async (core) => {
    const s = await callCore(core, 'gate.policy.get', { channelId: await channelId(core, name) })
    if (ctx.global.json) ctx.io.out(JSON.stringify(s))
    else for (const line of describePolicy(name, s)) ctx.io.out(line)
    return 0
  })
}

const set: Verb = (ctx, args) => {
  noArgs(args)
  const name = requireStringOpt(ctx, 'channel', gateUsage)
  if (ctx.values.on === true && ctx.values.off === true) throw new UsageError('give --on or --off, not both.')
  const maxTries = countOpt(ctx, 'max-tries')
  const takesPerHour = countOpt(ctx, 'takes-per-hour')
  const judgeText = stringOpt(ctx, 'judge')
  if (judgeText !== undefined && judgeText !== 'on' && judgeText !== 'off')
    throw new UsageError(`--judge takes on or off, got "${judgeText}".`)
  const checksText = stringOpt(ctx, 'checks')
  const checks = checksText
    ?.split(',')
    .map((c) => c.trim())
    .filter(Boolean)
  if (checks && checks.length === 0)
    throw new UsageError('--checks needs at least one check name, e.g. --checks text,black.')
  const patch = {
    ...(ctx.values.on === true ? { enabled: true } : ctx.values.off === true ? { enabled: false } : {}),
    ...(maxTries !== undefined ? { maxTries } : {}),
    ...(takesPerHour !== undefined ? { takesPerHour } : {}),
    ...(checks ? { checks } : {}),
    ...(judgeText !== undefined ? { judge: judgeText === 'on' } : {})
  }
  if (Object.keys(patch).length === 0)
    throw new UsageError(
      `nothing to change: give --on, --off, --max-tries, --takes-per-hour, --checks or --judge.\nUsage: ${gateUsage}`
    )
  return withCore(ctx, async (core) => {
    const s = await callCore(core, 'gate.policy.set', { channelId: await channelId(core, name), ...patch })
    if (ctx.global.json) ctx.io.out(JSON.stringify(s))
    else for (const line of describePolicy(name, s)) ctx.io.out(line)
    return 0
  })
}

const blocklist: Verb = (ctx, [action, ...entries]) => {
  const channel = stringOpt(ctx, 'channel')
  if (action !== undefined && action !== 'add' && action !== 'remove' && action !== 'list')
    throw new UsageError(`unknown blocklist action "${action}" (add, remove or list).\nUsage: ${gateUsage}`)
  if ((action === 'add' || action === 'remove') && entries.length !== 1)
    throw new UsageError(
      `give one word or /pattern/ to ${action} (quote it: webtv gate blocklist ${action} "/brand ?name/i").\nUsage: ${gateUsage}`
    )
  if ((action === undefined || action === 'list') && entries.length) noArgs(entries)
  return withCore(ctx, async (core) => {
    const id = channel === undefined ? undefined : await channelId(core, channel)
    const scope = id === undefined ? {} : { channelId: id }
    const lists =
      action === 'add' || action === 'remove'
        ? await callCore(core, `gate.blocklist.${action}`, { ...scope, entry: entries[0]! })
        : await callCore(core, 'gate.blocklist.get', scope)
    if (ctx.global.json) {
      ctx.io.out(JSON.stringify(lists))
      return 0
    }
    const show = (title: string, l: string[]): void =>
      ctx.io.out(`${title}: ${l.length ? l.map((e) => printable(e)).join('  ') : '(empty)'}`)
    show('Global blocklist', lists.global)
    if (lists.channel) show(`Blocklist of ${printable(channel!)}`, lists.channel)
    return 0
  })
}

/** `webtv gate moderation|judge`: the studio's optional services (shown, or changed). */
const service =
  (name: 'moderation' | 'judge'): Verb =>
  (ctx, args) => {
    noArgs(args)
    if (ctx.values.on === true && ctx.values.off === true) throw new UsageError('give --on or --off, not both.')
    const url = stringOpt(ctx, 'url')
    const model = stringOpt(ctx, 'model')
    const apiKey = ctx.values['key-stdin'] === true ? readSecretFromStdin(`webtv gate ${name} --key-stdin`) : undefined
    const patch = {
      ...(ctx.values.on === true ? { enabled: true } : ctx.values.off === true ? { enabled: false } : {}),
      ...(url !== undefined ? { baseUrl: url } : {}),
      ...(model !== undefined ? { model } : {}),
      ...(apiKey !== undefined ? { apiKey } : {})
    }
    return withCore(ctx, async (core) => {
      const s = Object.keys(patch).length
        ? await callCore(core, 'gate.service.set', { service: name, ...patch })
        : await callCore(core, 'gate.service.get', { service: name })
      if (ctx.global.json) ctx.io.out(JSON.stringify(s))
      else
        ctx.io.out(
          `${name === 'moderation' ? 'Moderation service' : 'Judge'}: ${s.enabled ? 'on' : 'off'}, ${printable(s.model)} at ${printable(s.baseUrl)} (key ${s.apiKey ?? 'none'})`
        )
      return 0
    })
  }

const verbs: Record<string, Verb> = { show, set, blocklist, moderation: service('moderation'), judge: service('judge') }

export const gateCommand: CliCommand = {
  name: 'gate',
  summary: "A channel's quality gate (checks, retries, hourly budget) and the moderation blocklist",
  usage: gateUsage,
  allowPositionals: true,
  options: {
    channel: { type: 'string' },
    on: { type: 'boolean', default: false },
    off: { type: 'boolean', default: false },
    'max-tries': { type: 'string' },
    'takes-per-hour': { type: 'string' },
    checks: { type: 'string' },
    url: { type: 'string' },
    judge: { type: 'string' },
    model: { type: 'string' },
    'key-stdin': { type: 'boolean', default: false }
  },
  run(ctx) {
    const [verb = 'show', ...args] = ctx.positionals
    const run = verbs[verb]
    if (!run)
      throw new UsageError(`unknown action "${verb}" (show, set, blocklist, moderation or judge).\nUsage: ${gateUsage}`)
    return run(ctx, args)
  }
}
