import type { CliCommand } from './command'
import { intOpt, UsageError } from './command'
import { openCore } from './open-core'
import { startStudioServer } from '../server/studio-server'
import { findRendererDir } from '../server/renderer-dir'
import { serveToken } from '../server/auth'

export const DEFAULT_SERVE_PORT = 8710

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'Run the studio headless and serve its UI on 127.0.0.1',
  usage: 'webtv serve [--port 8710] [--lan] [--allow-host NAME[,NAME…]] [--new-token] [--data-dir DIR]',
  options: {
    port: { type: 'string' },
    lan: { type: 'boolean', default: false },
    'allow-host': { type: 'string' },
    'new-token': { type: 'boolean', default: false }
  },
  async run(ctx) {
    const port = intOpt(ctx, 'port', DEFAULT_SERVE_PORT)
    if (port < 0 || port > 65535) throw new UsageError(`--port must be between 0 and 65535, got ${port}.`)
    const core = await openCore(ctx.global.dataDir)
    try {
      const server = await startStudioServer({
        core,
        rendererDir: findRendererDir(),
        port,
        host: ctx.values.lan === true ? '0.0.0.0' : '127.0.0.1',
        token: serveToken(core.dataDir, { rotate: ctx.values['new-token'] === true }),
        allowedHosts: allowHosts(ctx.values['allow-host'])
      })
      await core.startBackground()
      ctx.io.out(`WebTV Studio is running (data: ${core.dataDir})`)
      ctx.io.out(`  Studio: ${server.url}`)
      ctx.io.out(`  Watch:  ${server.watchUrl}${ctx.values.lan === true ? ' (shared on your LAN)' : ''}`)
      ctx.io.out('Press Ctrl-C to stop.')
      // A stop asked for while starting has already fired: an 'abort' listener added now would never run.
      if (!ctx.stopSignal.aborted)
        await new Promise<void>((resolve) => ctx.stopSignal.addEventListener('abort', () => resolve(), { once: true }))
      ctx.io.out('Stopping…')
      await server.close()
      return 0
    } finally {
      await core.close()
    }
  }
}

/** --allow-host a.example,b.example: names a reverse proxy or LAN DNS uses for this machine. */
function allowHosts(value: unknown): string[] {
  if (typeof value !== 'string') return []
  const names = value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean)
  for (const n of names) {
    if (!/^[a-z0-9.-]+$/.test(n) && !/^[0-9a-f:]+$/.test(n))
      throw new UsageError(`--allow-host takes host names (like studio.lan), got "${n}".`)
  }
  return names
}
