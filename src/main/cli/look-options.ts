/** `webtv channel update` options for the channel's look (loudness, logo, AI label, lower third, dips). */
import { resolve } from 'node:path'
import type { ParseArgsConfig } from 'node:util'
import type { ChannelLook, Corner } from '../../shared/channel-look'
import type { LookPatchDto } from '../../shared/contract/library'
import { onOffOpt, stringOpt, UsageError, type CliContext } from './command'

export const lookUsage = [
  '         look: [--loudness=-14|-23] [--logo FILE | --no-logo] [--logo-position top-right] [--logo-size 0.12] [--logo-margin 0.04]',
  '               [--logo-opacity 0.85] [--ai-label on|off] [--ai-label-text TEXT] [--ai-label-position top-left]',
  '               [--lower-third off|title|prompt] [--lower-third-seconds 5] [--dip 0.25] [--reconform]',
  '         (negative numbers need "=": --loudness=-23)'
].join('\n')

export const lookOptions = {
  loudness: { type: 'string' },
  logo: { type: 'string' },
  'no-logo': { type: 'boolean', default: false },
  'logo-position': { type: 'string' },
  'logo-size': { type: 'string' },
  'logo-margin': { type: 'string' },
  'logo-opacity': { type: 'string' },
  'ai-label': { type: 'string' },
  'ai-label-text': { type: 'string' },
  'ai-label-position': { type: 'string' },
  'lower-third': { type: 'string' },
  'lower-third-seconds': { type: 'string' },
  dip: { type: 'string' },
  reconform: { type: 'boolean', default: false }
} as const satisfies ParseArgsConfig['options']

const CORNERS: readonly Corner[] = ['top-left', 'top-right', 'bottom-left', 'bottom-right']

function num(ctx: CliContext, name: string): number | undefined {
  const v = stringOpt(ctx, name)
  if (v === undefined) return undefined
  const n = Number(v)
  if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got "${v}".`)
  return n
}

function corner(ctx: CliContext, name: string): Corner | undefined {
  const v = stringOpt(ctx, name)
  if (v === undefined) return undefined
  if (!(CORNERS as readonly string[]).includes(v))
    throw new UsageError(`--${name} must be one of ${CORNERS.join(', ')}, got "${v}".`)
  return v as Corner
}

const onOff = onOffOpt

const defined = <T extends object>(o: T): Partial<T> | undefined => {
  const kept = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
  return Object.keys(kept).length ? kept : undefined
}

/** The look patch the options ask for (undefined when none was given). */
export function lookPatchFromCli(ctx: CliContext): LookPatchDto | undefined {
  const logoFile = stringOpt(ctx, 'logo')
  if (logoFile !== undefined && ctx.values['no-logo'] === true)
    throw new UsageError('give either --logo FILE or --no-logo, not both.')
  const placement = defined({
    position: corner(ctx, 'logo-position'),
    size: num(ctx, 'logo-size'),
    margin: num(ctx, 'logo-margin'),
    opacity: num(ctx, 'logo-opacity')
  })
  const lower = stringOpt(ctx, 'lower-third')
  if (lower !== undefined && !['off', 'title', 'prompt'].includes(lower))
    throw new UsageError(`--lower-third must be off, title or prompt, got "${lower}".`)
  const patch: LookPatchDto = {
    ...(num(ctx, 'loudness') !== undefined ? { loudnessTargetLufs: num(ctx, 'loudness')! } : {}),
    ...(ctx.values['no-logo'] === true
      ? { logo: null }
      : logoFile !== undefined || placement
        ? { logo: { ...(logoFile !== undefined ? { path: resolve(logoFile) } : {}), ...(placement ?? {}) } }
        : {}),
    ...(defined({
      enabled: onOff(ctx, 'ai-label'),
      text: stringOpt(ctx, 'ai-label-text'),
      position: corner(ctx, 'ai-label-position')
    })
      ? {
          aiLabel: defined({
            enabled: onOff(ctx, 'ai-label'),
            text: stringOpt(ctx, 'ai-label-text'),
            position: corner(ctx, 'ai-label-position')
          })!
        }
      : {}),
    ...(lower !== undefined || num(ctx, 'lower-third-seconds') !== undefined
      ? {
          lowerThird: {
            ...(lower !== undefined
              ? lower === 'off'
                ? { enabled: false }
                : { enabled: true, source: lower as 'title' | 'prompt' }
              : {}),
            ...(num(ctx, 'lower-third-seconds') !== undefined ? { seconds: num(ctx, 'lower-third-seconds')! } : {})
          }
        }
      : {}),
    ...(num(ctx, 'dip') !== undefined ? { dipSeconds: num(ctx, 'dip')! } : {})
  }
  return Object.keys(patch).length ? patch : undefined
}

/** One line about a channel's look, for `webtv channel list/update`. */
export function describeLook(look: ChannelLook): string {
  const parts = [`${look.loudness.targetLufs} LUFS`]
  parts.push(look.logo ? `logo ${look.logo.position} ${Math.round(look.logo.size * 100)}%` : 'no logo')
  parts.push(look.aiLabel.enabled ? `label "${look.aiLabel.text}" ${look.aiLabel.position}` : 'no AI label')
  parts.push(
    look.lowerThird.enabled ? `lower third: ${look.lowerThird.source} ${look.lowerThird.seconds}s` : 'no lower third'
  )
  parts.push(look.dipSeconds > 0 ? `dips ${look.dipSeconds}s` : 'hard cuts')
  return `look: ${parts.join(', ')}`
}
