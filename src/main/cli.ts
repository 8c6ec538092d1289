/**
 * `webtv`: the headless studio. Everything reachable from here must run on plain
 * Node — no `electron` import (ESLint and a test on the built bundle enforce it).
 */
import { commands } from './cli/registry'
import { parseCommandArgs, UsageError, type CliIO } from './cli/command'
import { StudioError } from '../shared/contract'
import { STUDIO_VERSION } from './core/version'
import { redact } from './secrets'

const io: CliIO = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  stdout: process.stdout
}

export function helpText(): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2
  return [
    `webtv ${STUDIO_VERSION} — WebTV Studio, headless`,
    '',
    'Usage: webtv <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Global options:',
    '  --data-dir DIR   studio data folder (default: $WEBTV_DATA_DIR, else the XDG data folder)',
    '  --json           machine-readable output where supported',
    '  -h, --help       help for a command: webtv <command> --help',
    ''
  ].join('\n')
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(helpText())
    return 0
  }
  if (name === '--version' || name === '-v') {
    io.out(STUDIO_VERSION)
    return 0
  }
  const cmd = commands.find((c) => c.name === name)
  if (!cmd) {
    io.err(`webtv: unknown command "${name}". Run \`webtv --help\` for the list.`)
    return 2
  }
  const controller = new AbortController()
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(130) // second Ctrl-C: leave now
    controller.abort()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  try {
    const { values, positionals } = parseCommandArgs(cmd, rest)
    if (values.help) {
      io.out(`${cmd.summary}\n\nUsage: ${cmd.usage}`)
      return 0
    }
    return await cmd.run({
      values,
      positionals,
      global: {
        dataDir: typeof values['data-dir'] === 'string' ? values['data-dir'] : undefined,
        json: values.json === true
      },
      io,
      stopSignal: controller.signal
    })
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`webtv ${name}: ${err.message}`)
      return 2
    }
    if (err instanceof StudioError) {
      io.err(`webtv ${name}: ${err.message}`)
      return 1
    }
    io.err(`webtv ${name}: ${err instanceof Error ? err.message : String(err)}`)
    return 1
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}

/**
 * A long-running studio (serve, air, demo) must not die because one background
 * promise failed unobserved: log it — redacted, since errors may quote ingest URLs —
 * and keep airing.
 */
function keepRunningOnStrayErrors(): void {
  const report = (kind: string, err: unknown): void => {
    const text = err instanceof Error ? (err.stack ?? err.message) : String(err)
    process.stderr.write(`[webtv] ${kind} (the studio keeps running): ${redact(text, [])}\n`)
  }
  process.on('unhandledRejection', (err) => report('unhandled rejection', err))
  process.on('uncaughtException', (err) => {
    // State is unknown after a synchronous throw: report (redacted, unlike Node's
    // default printout) and exit; our ffmpeg children exit when their stdin closes.
    report('uncaught exception', err)
    process.exit(70)
  })
}

export function runCli(argv: string[]): void {
  keepRunningOnStrayErrors()
  main(argv).then(
    (code) => {
      process.exitCode = code
    },
    (err) => {
      console.error(err)
      process.exitCode = 1
    }
  )
}

// `node out/main/cli.js …` runs directly; bin/webtv.js calls runCli.
if (require.main === module) runCli(process.argv.slice(2))
