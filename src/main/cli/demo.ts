import type { CliCommand, CliContext } from './command'
import { intOpt, stringOpt, UsageError } from './command'
import { ONAIR } from '../services'
import { callCore, openCore } from './open-core'
import { startStudioServer, type StudioServer } from '../server/studio-server'
import { findRendererDir } from '../server/renderer-dir'
import { serveToken } from '../server/auth'
import { DEFAULT_SERVE_PORT } from './serve'
import type { Core } from '../core/core'
import { dirname, join } from 'node:path'
import { defaultHeadlessDataDir } from '../core/data-dir'

export const DEMO_CHANNEL = 'demo'
export const DEMO_THEME =
  'A calm nature channel: slow camera moves over misty forests, lakes at dawn and drifting clouds, in soft pastel colours'

/**
 * The demo's own data folder beside the studio's default one (…/webtv-studio-demo),
 * so a demo never fills the folder a later `webtv serve` or the desktop app opens
 * (whose first run would then never show). --data-dir or WEBTV_DATA_DIR still win.
 */
export function demoDataDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (flag || env.WEBTV_DATA_DIR) return flag
  const studio = defaultHeadlessDataDir(env)
  return join(dirname(studio), 'webtv-studio-demo')
}

async function startServerWithFallback(core: Core, port: number, io: CliContext['io']): Promise<StudioServer> {
  const rendererDir = findRendererDir()
  const token = serveToken(core.dataDir)
  try {
    return await startStudioServer({ core, rendererDir, port, token })
  } catch (err) {
    if (port === 0 || !/already in use/.test((err as Error).message)) throw err
    io.out(`Port ${port} is busy; serving the studio on a free port instead.`)
    return startStudioServer({ core, rendererDir, port: 0, token })
  }
}

/**
 * The main job, end to end on a fresh data folder: a demo channel, shots written
 * and rendered by the offline generator, on air locally right away (the standby
 * slate fills in until the first shot is ready), with the studio UI served.
 */
export const demoCommand: CliCommand = {
  name: 'demo',
  summary: 'Create a demo channel, generate shots offline and air it locally, with the studio UI',
  usage:
    'webtv demo [--count 4] [--theme TEXT] [--duration S] [--port 8710] [--rtmp-port N] [--flv-port N] [--data-dir DIR]',
  options: {
    count: { type: 'string' },
    theme: { type: 'string' },
    duration: { type: 'string' },
    port: { type: 'string' },
    'rtmp-port': { type: 'string' },
    'flv-port': { type: 'string' }
  },
  async run(ctx) {
    const count = intOpt(ctx, 'count', 4)
    if (count < 1 || count > 50) throw new UsageError('--count must be between 1 and 50.')
    const durationS = stringOpt(ctx, 'duration') === undefined ? undefined : intOpt(ctx, 'duration', 0)
    if (durationS !== undefined && durationS <= 0)
      throw new UsageError('--duration must be a positive number of seconds.')
    const theme = stringOpt(ctx, 'theme') ?? DEMO_THEME
    const port = intOpt(ctx, 'port', DEFAULT_SERVE_PORT)
    const { io } = ctx

    const ownFolder = !ctx.global.dataDir && !process.env.WEBTV_DATA_DIR
    const core = await openCore(demoDataDir(ctx.global.dataDir))
    if (ownFolder)
      io.out(
        `The demo keeps its data in its own folder, ${core.dataDir} (remove it when done); your studio's, ${defaultHeadlessDataDir()}, is left alone.`
      )
    let server: StudioServer | undefined
    const unsubscribe: Array<() => void> = []
    try {
      // 1. The channel (auto-approve: a demo airs what it makes).
      const { channels } = await callCore(core, 'library.channels.list', {})
      const channel =
        channels.find((c) => c.name === DEMO_CHANNEL) ??
        (await callCore(core, 'library.channels.create', { name: DEMO_CHANNEL, theme, reviewPolicy: 'auto' }))
      io.out(
        `Channel "${channel.name}" (${channel.format.width}x${channel.format.height} @ ${channel.format.fps} fps), data: ${core.dataDir}`
      )

      const rtmpPort = stringOpt(ctx, 'rtmp-port') === undefined ? undefined : intOpt(ctx, 'rtmp-port', 0)
      const httpPort = stringOpt(ctx, 'flv-port') === undefined ? undefined : intOpt(ctx, 'flv-port', 0)
      // Ports from the command line are this process's own: never stored for the folder.
      if (rtmpPort !== undefined || httpPort !== undefined) {
        core.services.get(ONAIR).usePorts({
          ...(rtmpPort !== undefined ? { rtmpPort } : {}),
          ...(httpPort !== undefined ? { httpPort } : {})
        })
      }

      let lastLine = ''
      unsubscribe.push(
        core.bus.on('generation.job', (j) => {
          const line = `  job ${j.jobId} (${j.kind}${j.shotId ? ` → shot ${j.shotId}` : ''}): ${j.state}${j.step ? ` / ${j.step}` : ''}${j.error ? ` — ${j.error}` : ''}`
          if (line !== lastLine && (j.percent === 0 || j.percent >= 100 || j.state !== 'running')) io.out(line)
          lastLine = line
        }),
        core.bus.on('onair.state', (s) => {
          if (s.channelId !== channel.id) return
          const who = s.destinationId ? `destination ${s.destinationId}` : 'channel'
          io.out(`  on air (${who}): ${s.state}${s.message ? ` — ${s.message}` : ''}`)
        })
      )

      // 3. The studio and the background work (job workers, autopilot).
      server = await startServerWithFallback(core, port, io)
      await core.startBackground()

      // 4. Go live locally now: the slate airs until the first shot is ready.
      const status = await callCore(core, 'onair.start', { channelId: channel.id })
      io.out('')
      io.out(`ON AIR  channel "${channel.name}"`)
      io.out(`  RTMP:     ${status.rtmpUrl ?? '(not available)'}`)
      io.out(`  HTTP-FLV: ${status.flvUrl ?? '(not available)'}`)
      io.out(`  Studio:   ${server.url}`)
      io.out(`  Watch:    ${server.watchUrl}`)
      io.out(durationS ? `Airing for ${durationS} s (Ctrl-C stops sooner).` : 'Press Ctrl-C to stop.')

      // 5. A narrated sequence (after going live: speaking the lines takes a moment, the slate airs meanwhile): the template writer plans a show (bible, lines), the offline
      //    voice speaks the lines, the offline synth makes the effect cues, the offline generator renders
      //    the shots, and the conform mixes speech over the effects and the music bed and burns in the captions. A rerun on the same
      //    data folder reuses what the first run made.
      const { total } = await callCore(core, 'library.shots.list', { channelId: channel.id, limit: 1 })
      if (total < count) {
        if (channel.look.captions !== 'burned')
          await callCore(core, 'library.channels.update', { id: channel.id, look: { captions: 'burned' } })
        const show = await callCore(core, 'show.write', {
          channelId: channel.id,
          theme,
          sequences: 1,
          shotsPerSequence: count - total,
          writer: 'template'
        })
        const planned = show.sequences[0]!
        io.out(
          `Show plan: "${planned.title}", ${planned.shots.length} shot(s), ${planned.shots.filter((s) => s.line).length} with a narrator line.`
        )
        const produced = await callCore(core, 'show.produce', { channelId: channel.id, id: planned.id })
        if (produced.voiceWarning) io.out(`No offline voice: ${produced.voiceWarning}`)
        else io.out(`Narrated ${produced.narrated} line(s) with the offline voice; captions are burned in.`)
        if (produced.effectWarning) io.out(produced.effectWarning)
        else if (produced.effects) io.out(`Made ${produced.effects} sound effect(s) with the offline synth.`)
        io.out(`Generating ${produced.jobIds.length} job(s) with the offline generator…`)
      }

      await new Promise<void>((resolve) => {
        const timer = durationS ? setTimeout(resolve, durationS * 1000) : undefined
        ctx.stopSignal.addEventListener(
          'abort',
          () => {
            if (timer) clearTimeout(timer)
            resolve()
          },
          { once: true }
        )
      })
      io.out('Stopping…')
      const final = await callCore(core, 'onair.status', { channelId: channel.id })
      const aired = final.channels[0]
      if (aired) io.out(`Aired for ${Math.round(aired.uptimeS)} s; state before stop: ${aired.state}.`)
      await callCore(core, 'onair.stop', { channelId: channel.id })
      return 0
    } finally {
      unsubscribe.forEach((u) => u())
      await server?.close()
      await core.close()
    }
  }
}
