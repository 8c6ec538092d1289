import { readFileSync, statSync } from 'node:fs'
import type { CliCommand, CliContext } from './command'
import { intOpt, requireStringOpt, stringOpt, UsageError } from './command'
import { callCore, openCore } from './open-core'
import { printable } from './printable'
import { gatewayFromFlags, printGateway, runShowVoice, voiceOptions, voiceUsage } from './show-voice'
import type { ShowDto } from '../../shared/contract/show'

const usage = [
  'webtv show --channel NAME [--json]                      print the plan (bible, sequences, shots)',
  'webtv show plan --channel NAME [--theme T] [--sequences 1] [--shots 4] [--writer template|llm] [--keep-bible]',
  'webtv show bible --channel NAME [--file bible.json]     print the bible, or replace it from a JSON file',
  'webtv show sequence --channel NAME --id N [--title T] [--synopsis S] [--shots-file shots.json]',
  'webtv show produce --channel NAME --id N                speak the lines, make the effects, generate the sequence',
  'webtv show effects [--provider offline|hf|fal|comfyui|off] [--model ID]   print or choose what makes the sound effects',
  voiceUsage
].join('\n  ')

const EFFECT_PROVIDERS = ['offline', 'hf', 'fal', 'comfyui', 'off'] as const

const MAX_JSON_BYTES = 1024 * 1024

function readJson(file: string): unknown {
  const size = statSync(file).size
  if (size > MAX_JSON_BYTES) throw new UsageError(`${file} is ${size} bytes; a plan file may have at most 1 MiB.`)
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch (err) {
    throw new UsageError(`${file} is not valid JSON: ${(err as Error).message}`)
  }
}

function print(ctx: CliContext, show: ShowDto): void {
  if (ctx.global.json) return ctx.io.out(JSON.stringify(show))
  const b = show.bible
  if (!b) return ctx.io.out('No show plan yet: write one with `webtv show plan --channel NAME`.')
  ctx.io.out(`Setting: ${printable(b.setting)}`)
  ctx.io.out(`Style:   ${printable(b.style)}`)
  ctx.io.out(`Narrator voice: ${b.narrator.voice || '(default)'}`)
  for (const c of b.characters)
    ctx.io.out(`  ${printable(c.name)} — ${printable(c.look)} (voice ${c.voice || 'default'})`)
  for (const s of show.sequences) {
    ctx.io.out(`\n[${s.id}] ${printable(s.title)}${s.sequenceId ? `  (produced: sequence ${s.sequenceId})` : ''}`)
    if (s.synopsis) ctx.io.out(`    ${printable(s.synopsis)}`)
    s.shots.forEach((shot, i) => {
      ctx.io.out(`    ${i + 1}. ${printable(shot.action)} (${shot.seconds} s)`)
      if (shot.line) ctx.io.out(`       ${printable(shot.line.speaker)}: "${printable(shot.line.text)}"`)
      if (shot.effect) ctx.io.out(`       sound: ${printable(shot.effect)}`)
    })
  }
}

/** The studio's sound-effect settings (every channel's): printed, or changed with --provider / --model. */
async function effects(ctx: CliContext): Promise<number> {
  const provider = stringOpt(ctx, 'provider')
  if (provider !== undefined && !(EFFECT_PROVIDERS as readonly string[]).includes(provider))
    throw new UsageError(`--provider is one of ${EFFECT_PROVIDERS.join(', ')}.`)
  const model = stringOpt(ctx, 'model')
  const gateway = gatewayFromFlags(ctx)
  const core = await openCore(ctx.global.dataDir)
  try {
    const s =
      provider !== undefined || model !== undefined || Object.keys(gateway).length
        ? await callCore(core, 'show.effects.set', {
            provider: provider as (typeof EFFECT_PROVIDERS)[number] | undefined,
            model,
            ...gateway
          })
        : await callCore(core, 'show.effects.get', {})
    if (ctx.global.json) ctx.io.out(JSON.stringify(s))
    else {
      ctx.io.out(`Sound effects: ${s.label}${s.model ? ` (${printable(s.model)})` : ''}`)
      printGateway(ctx, s)
      if (s.missing) ctx.io.err(s.missing)
    }
    return 0
  } finally {
    await core.close()
  }
}

export const showCommand: CliCommand = {
  name: 'show',
  summary: "A channel's show plan: bible, sequences, narrated shots",
  usage: `webtv show [plan|bible|sequence|produce|voice] ...\n  ${usage}`,
  allowPositionals: true,
  options: {
    channel: { type: 'string' },
    theme: { type: 'string' },
    sequences: { type: 'string' },
    shots: { type: 'string' },
    writer: { type: 'string' },
    'keep-bible': { type: 'boolean' },
    file: { type: 'string' },
    id: { type: 'string' },
    title: { type: 'string' },
    synopsis: { type: 'string' },
    'shots-file': { type: 'string' },
    // --provider and --model are shared with `webtv show effects`.
    ...voiceOptions
  },
  async run(ctx) {
    const sub = ctx.positionals[0] ?? 'get'
    if (sub === 'effects') return effects(ctx)
    // The voice is the studio's, not a channel's: no --channel.
    if (sub === 'voice') return runShowVoice(ctx, ctx.positionals.slice(1))
    const stray = Object.keys(voiceOptions).find((k) => ctx.values[k] !== undefined)
    if (stray)
      throw new UsageError(
        `--${stray} belongs to \`webtv show voice\`${['provider', 'model', 'gateway', 'key-to-gateway'].includes(stray) ? ' or `webtv show effects`' : ''}.\n  ${usage}`
      )
    const name = requireStringOpt(ctx, 'channel', usage)
    const core = await openCore(ctx.global.dataDir)
    try {
      const channelId = (await callCore(core, 'library.channels.get', { name })).id
      switch (sub) {
        case 'get':
          print(ctx, await callCore(core, 'show.get', { channelId }))
          return 0
        case 'plan': {
          const writer = stringOpt(ctx, 'writer') ?? 'template'
          if (writer !== 'template' && writer !== 'llm') throw new UsageError('--writer is template or llm.')
          const r = await callCore(core, 'show.write', {
            channelId,
            theme: stringOpt(ctx, 'theme'),
            sequences: intOpt(ctx, 'sequences', 1),
            shotsPerSequence: intOpt(ctx, 'shots', 4),
            writer,
            keepBible: ctx.values['keep-bible'] === true
          })
          print(ctx, r)
          if (!ctx.global.json) ctx.io.out(`\nWritten by ${r.writer}${r.tokens ? ` (${r.tokens} tokens)` : ''}.`)
          return 0
        }
        case 'bible': {
          const file = stringOpt(ctx, 'file')
          const show = file
            ? await callCore(core, 'show.bible.set', { channelId, bible: readJson(file) as ShowDto['bible'] & object })
            : await callCore(core, 'show.get', { channelId })
          if (ctx.global.json) ctx.io.out(JSON.stringify(show.bible))
          else print(ctx, show)
          return 0
        }
        case 'sequence': {
          const id = intOpt(ctx, 'id', 0)
          if (id <= 0) throw new UsageError('--id N names the planned sequence (see `webtv show --channel NAME`).')
          const shotsFile = stringOpt(ctx, 'shots-file')
          print(
            ctx,
            await callCore(core, 'show.sequence.update', {
              channelId,
              id,
              title: stringOpt(ctx, 'title'),
              synopsis: stringOpt(ctx, 'synopsis'),
              shots: shotsFile ? (readJson(shotsFile) as ShowDto['sequences'][number]['shots']) : undefined
            })
          )
          return 0
        }
        case 'produce': {
          const id = intOpt(ctx, 'id', 0)
          if (id <= 0) throw new UsageError('--id N names the planned sequence (see `webtv show --channel NAME`).')
          const r = await callCore(core, 'show.produce', { channelId, id })
          if (ctx.global.json) ctx.io.out(JSON.stringify(r))
          else {
            if (r.voiceWarning) ctx.io.err(r.voiceWarning)
            if (r.effectWarning) ctx.io.err(r.effectWarning)
            ctx.io.out(
              `Queued ${r.jobIds.length} shot(s), ${r.narrated} narrated, ${r.effects} with an effect, as sequence ${r.sequenceId}.`
            )
          }
          return 0
        }
        default:
          throw new UsageError(`Unknown: webtv show ${sub}.\n  ${usage}`)
      }
    } finally {
      await core.close()
    }
  }
}
