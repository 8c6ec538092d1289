import type { Feature } from '../core/core'
import { GATE, LIBRARY, ONAIR, SECRETS } from '../services'
import { Notifier } from './notifier'

/**
 * Installs the studio's one notifier: it watches the engine's and the generation
 * queue's events from the start (a quick CLI call sees none), and checks the runway
 * of channels on air in long-running processes. Serves no calls: its output is the
 * `notifications.notification` event.
 */
export const notificationsFeature: Feature = (ctx) => {
  const notifier = new Notifier({
    bus: ctx.bus,
    onair: () => ctx.services.find(ONAIR),
    channelName: (id) => ctx.services.find(LIBRARY)?.getChannel(id).name,
    airableSeconds: (id) =>
      (ctx.services.find(LIBRARY)?.readPlaylist(id).items ?? [])
        .filter((i) => i.airable)
        .reduce((sum, i) => sum + (i.durationMs ?? 0) / 1000, 0),
    secrets: () => ctx.services.find(SECRETS)?.values() ?? Promise.resolve([]),
    gate: () => ctx.services.find(GATE)
  })
  notifier.start()
  ctx.onBackground(() => notifier.watchRunway())
  ctx.onClose(() => notifier.close())
  return {}
}
