import type { CliCommand, CliContext } from './command'
import { UsageError, intOpt, readSecretFromStdin, requireStringOpt, stringOpt } from './command'
import { LIBRARY, ONAIR } from '../services'
import { callCore, openCore } from './open-core'
import { MAX_DURATION_SECONDS, sleepUntil } from './deadline'

const airUsage = [
  'webtv air --channel NAME [--to-stdin] [--duration SECONDS] [--rtmp-port N] [--flv-port N] [--data-dir DIR] [--json]',
  "  Airs to the channel's saved destinations; save one once, its key read from stdin:",
  '    echo "$KEY" | webtv destinations add --channel NAME --url rtmp://host/app --key-stdin',
  '  For this run only, pipe destination URLs in, one per line (the key stays off the command line):',
  '    echo "rtmp://host/app/$KEY" | webtv air --channel NAME --to-stdin',
  '  --to rtmp://host/app/KEY also works, but puts the key in the process list and shell history.',
  "  --rtmp-port/--flv-port: the local server's ports for this process only (not stored)."
].join('\n')

function portOpt(ctx: CliContext, name: string): number | undefined {
  if (stringOpt(ctx, name) === undefined) return undefined
  const n = intOpt(ctx, name, 0)
  if (n < 1 || n > 65535) throw new UsageError(`--${name} must be a port between 1 and 65535, got ${n}.`)
  return n
}

function inSeconds(at: number | undefined): string {
  return at === undefined ? '' : `${Math.max(0, Math.round((at - Date.now()) / 100) / 10)} s`
}

/**
 * `webtv air`: put a channel on air from a terminal (or a server, 24/7). Prints the
 * local URLs, every state change and each clip as it airs; runs until Ctrl-C or
 * --duration. Everything goes through the contract, exactly as the UI does.
 */
export const airCommand: CliCommand = {
  name: 'air',
  summary: 'Put a channel on air (local RTMP/HTTP-FLV, plus --to destinations) until Ctrl-C',
  usage: airUsage,
  options: {
    channel: { type: 'string' },
    to: { type: 'string', multiple: true },
    'to-stdin': { type: 'boolean', default: false },
    duration: { type: 'string' },
    'rtmp-port': { type: 'string' },
    'flv-port': { type: 'string' }
  },
  async run(ctx) {
    const name = requireStringOpt(ctx, 'channel', airUsage)
    const durationS = stringOpt(ctx, 'duration') === undefined ? 0 : intOpt(ctx, 'duration', 0)
    if (durationS < 0) throw new UsageError(`--duration must be 0 or more seconds.\nUsage: ${airUsage}`)
    if (durationS > MAX_DURATION_SECONDS) {
      throw new UsageError(
        `--duration can be at most ${MAX_DURATION_SECONDS} seconds (100 years), got ${durationS}. Leave it out (or give 0) to air until stopped.`
      )
    }
    const to = (ctx.values.to as string[] | undefined) ?? []
    if (ctx.values['to-stdin'] === true) {
      const piped = readSecretFromStdin('webtv air --channel NAME --to-stdin')
      to.push(
        ...piped
          .split(/\r?\n/)
          .map((l) => l.trim())
          .filter(Boolean)
      )
    }
    const rtmpPort = portOpt(ctx, 'rtmp-port')
    const httpPort = portOpt(ctx, 'flv-port')
    const core = await openCore(ctx.global.dataDir)
    const json = ctx.global.json
    const print = (obj: Record<string, unknown>, text: string): void => ctx.io.out(json ? JSON.stringify(obj) : text)
    try {
      const channel = await callCore(core, 'library.channels.get', { name })
      // Ports from the command line are this process's own: never stored for the folder.
      if (rtmpPort !== undefined || httpPort !== undefined) {
        core.services.get(ONAIR).usePorts({
          ...(rtmpPort !== undefined ? { rtmpPort } : {}),
          ...(httpPort !== undefined ? { httpPort } : {})
        })
      }
      // The channel itself (not one destination) in a permanent error: nothing airs
      // any more, so end the process with a non-zero status and let the supervisor
      // (systemd, Docker, pm2) restart it. Transient trouble (an encoder crash, a
      // destination down) never reaches 'error': the engine retries it with backoff.
      const failed: { message: string | null } = { message: null }
      let onFailure: () => void = () => {}
      const offState = core.bus.on('onair.state', (e) => {
        if (e.channelId !== channel.id) return
        if (e.destinationId === null && e.state === 'error' && failed.message === null) {
          failed.message = e.message ?? 'the channel stopped with an error'
          onFailure()
        }
        const who = e.destinationId === null ? channel.name : `destination ${e.destinationId}`
        const extra =
          e.state === 'reconnecting'
            ? ` (attempt ${e.attempt ?? '?'}, next try in ${inSeconds(e.nextRetryAt)})`
            : e.message
              ? ` — ${e.message}`
              : ''
        print({ event: 'state', ...e }, `${who}: ${e.state}${extra}`)
      })
      // A clip of a show sequence is named by the sequence's title first, as the guide does.
      const library = core.services.find(LIBRARY)
      const titleOf = (itemId: number | null): string | undefined =>
        itemId === null ? undefined : library?.playlistSequences(channel.id, [itemId]).get(itemId)?.title
      const offClip = core.bus.on('onair.clip', (e) => {
        if (e.channelId !== channel.id || (e.phase === 'queued' && !json)) return
        const title = e.phase === 'airing' && !e.clip.slate ? titleOf(e.clip.itemId) : undefined
        print(
          { event: 'clip', ...e, ...(title !== undefined ? { sequenceTitle: title } : {}) },
          e.phase === 'skipped'
            ? `skipped: ${e.clip.label} — ${e.reason ?? ''}`
            : `now: ${e.clip.slate ? '[standby slate]' : title !== undefined ? `${title} · ${e.clip.label}` : e.clip.label}`
        )
      })
      // A channel airing 24/7 from a terminal keeps itself filled: job workers and the autopilot run here too.
      await core.startBackground()
      const status = await callCore(core, 'onair.start', { channelId: channel.id, ...(to.length ? { to } : {}) })
      print(
        { event: 'urls', rtmpUrl: status.rtmpUrl, flvUrl: status.flvUrl, stream: status.stream },
        `On air: ${channel.name}\n  RTMP:     ${status.rtmpUrl}\n  HTTP-FLV: ${status.flvUrl}\nPress Ctrl-C to stop.`
      )
      const ended = new AbortController()
      onFailure = () => ended.abort()
      if (failed.message !== null) ended.abort()
      ctx.stopSignal.addEventListener('abort', () => ended.abort(), { once: true })
      // Far deadlines are fine: sleepUntil chains timers (setTimeout alone overflows at 24.8 days).
      await sleepUntil(durationS > 0 ? Date.now() + durationS * 1000 : Number.POSITIVE_INFINITY, ended.signal)
      print({ event: 'stopping' }, 'Stopping…')
      await callCore(core, 'onair.stop', { channelId: channel.id })
      offState()
      offClip()
      const failure = failed.message
      if (failure !== null) {
        const line = `webtv air: ${channel.name} failed and is off air: ${failure.replace(/\.?$/, '.')} Exiting with status 1 (a supervisor such as systemd, Docker or pm2 restarts it).`
        if (json) ctx.io.out(JSON.stringify({ event: 'failed', message: failure, exitCode: 1 }))
        ctx.io.err(line)
        return 1
      }
      return 0
    } finally {
      await core.close()
    }
  }
}

export const onairCommands: CliCommand[] = [airCommand]
