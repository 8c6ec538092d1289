import { readFileSync } from 'node:fs'
import { parseStrictInt } from '../../shared/strict-number'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import type { Writable } from 'node:stream'

export interface CliIO {
  out(line: string): void
  err(line: string): void
  /** Standard output as a stream, for output of any size written with backpressure (exports); process.stdout when absent. */
  stdout?: Writable
}

export interface GlobalOptions {
  dataDir?: string | undefined
  json: boolean
}

/**
 * One `webtv` subcommand. `options` follows node:util parseArgs; `run` returns the
 * process exit code. Commands that need the studio open a Core through `openCore`.
 */
export interface CliCommand {
  name: string
  summary: string
  usage: string
  options?: ParseArgsConfig['options']
  allowPositionals?: boolean
  run(ctx: CliContext): Promise<number>
}

export interface CliContext {
  values: Record<string, string | boolean | Array<string | boolean> | undefined>
  positionals: string[]
  global: GlobalOptions
  io: CliIO
  /** Resolves when the user asks to stop (Ctrl-C / SIGTERM). */
  stopSignal: AbortSignal
}

export class UsageError extends Error {}

export const globalOptionSpec = {
  'data-dir': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false }
} as const satisfies ParseArgsConfig['options']

export function parseCommandArgs(cmd: CliCommand, argv: string[]): Pick<CliContext, 'values' | 'positionals'> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...globalOptionSpec, ...(cmd.options ?? {}) },
      allowPositionals: cmd.allowPositionals ?? false,
      strict: true
    })
    return { values: values as CliContext['values'], positionals }
  } catch (err) {
    throw new UsageError(`${err instanceof Error ? err.message : String(err)}\nUsage: ${cmd.usage}`)
  }
}

export function stringOpt(ctx: CliContext, name: string): string | undefined {
  const v = ctx.values[name]
  return typeof v === 'string' ? v : undefined
}

/** A switch given as `--name on|off`; undefined when not given. */
export function onOffOpt(ctx: CliContext, name: string): boolean | undefined {
  const v = stringOpt(ctx, name)
  if (v === undefined) return undefined
  if (v !== 'on' && v !== 'off') throw new UsageError(`--${name} is on or off, got "${v}".`)
  return v === 'on'
}

export function requireStringOpt(ctx: CliContext, name: string, usage: string): string {
  const v = stringOpt(ctx, name)
  if (v === undefined || v === '') throw new UsageError(`--${name} is required.\nUsage: ${usage}`)
  return v
}

export function intOpt(ctx: CliContext, name: string, fallback: number): number {
  const v = stringOpt(ctx, name)
  if (v === undefined) return fallback
  const n = parseStrictInt(v)
  if (n === undefined) throw new UsageError(`--${name} must be a whole number (digits only), got "${v}".`)
  return n
}

/**
 * Secrets (stream keys, tokens) come in on stdin, never as arguments: arguments
 * end up in shell history and in every user's `ps` listing.
 */
export function readSecretFromStdin(example: string): string {
  const v = readFileSync(0, 'utf8').trim()
  if (!v) throw new UsageError(`Nothing was read from stdin; pipe the secret in, e.g. \`cat key.txt | ${example}\`.`)
  return v
}
