import { join } from 'node:path'
import type { CoreContext, Feature } from '../core/core'
import { LIBRARY, ON_AIR_CHANNELS, ONAIR, SECRETS } from '../services'
import { OnAirEngine } from './engine'
import { FilePlaylistSource, LibraryTimelineSource, type TimelineSource } from './timeline'

/** The timeline the engine airs: the library when installed, else file playlists under the data dir. */
export function timelineFor(ctx: CoreContext): TimelineSource {
  const lib = ctx.services.find(LIBRARY)
  if (lib) return new LibraryTimelineSource(lib, ctx.dataDir)
  return new FilePlaylistSource(join(ctx.dataDir, 'onair', 'playlists'))
}

/**
 * Installs the on-air engine as ctx.services 'onair'. Nothing starts here: the RTMP
 * server and every ffmpeg start on the first Go Live (or engine.ensureServer()).
 */
export const onairFeature: Feature = (ctx) => {
  const secrets = ctx.services.get(SECRETS, 'on air')
  let source: TimelineSource | null = null
  const engine = new OnAirEngine({
    dataDir: ctx.dataDir,
    bus: ctx.bus,
    secrets: () => secrets,
    source: () => (source ??= timelineFor(ctx))
  })
  ctx.services.provide(ONAIR, engine)
  ctx.services.provide(ON_AIR_CHANNELS, engine)
  // Tell other processes on this data folder which channels this one airs (see Library.markOnAir).
  const unmark = ctx.bus.on('onair.state', (e) => {
    const lib = ctx.services.find(LIBRARY)
    if (e.destinationId !== null || !lib) return
    if (e.state === 'starting') lib.markOnAir(e.channelId, process.pid)
    else if (e.state === 'offline') lib.markOnAir(e.channelId, null)
  })
  ctx.onClose(unmark)
  const lib = ctx.services.find(LIBRARY)
  let swept: Promise<void> = Promise.resolve()
  if (lib) {
    const forget = ({ liveIds }: { liveIds: () => Set<number> }): Promise<void> => engine.forgetDeletedChannels(liveIds)
    ctx.onClose(lib.onChannelDeleted(forget))
    // Left by a process that deleted a channel before this cleanup existed, or crashed halfway.
    swept = forget({ liveIds: () => lib.channelIds() }).catch(() => undefined)
  }
  ctx.onClose(() => engine.close())
  // The sweep drops the destinations first, then their keys: a close right after start (a short
  // CLI command) waits for it, or the keys would stay in the secrets file with nothing naming them.
  ctx.onClose(() => swept)
  return {
    'onair.start': ({ channelId, to }) => engine.start(channelId, to ? { to } : {}),
    'onair.stop': ({ channelId }) => engine.stop(channelId),
    'onair.status': async ({ channelId }) => ({
      server: engine.serverInfo(),
      channels: channelId !== undefined ? [await engine.status(channelId)] : await engine.statusAll()
    }),
    'onair.settings.get': () => engine.settings(),
    'onair.settings.update': (patch) => engine.updateSettings(patch),
    'onair.destinations.list': async ({ channelId }) => ({ destinations: await engine.listDestinations(channelId) }),
    'onair.destinations.add': (input) => engine.addDestination(input),
    'onair.destinations.update': (input) => engine.updateDestination(input),
    'onair.destinations.remove': ({ id }) => engine.removeDestination(id),
    'onair.destinations.setKey': ({ id, key }) => engine.setDestinationKey(id, key),
    'onair.destinations.retryNow': ({ id }) => engine.retryDestination(id)
  }
}
