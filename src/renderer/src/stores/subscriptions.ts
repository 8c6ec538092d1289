import { getClient } from '../api/bridge'
import { useChannels } from './channels'
import { useConnection } from './connection'
import { useGeneration } from './generation'
import { onImportProgress, useLibrary } from './library'
import { onNotification } from './notifications'
import { useOnAir } from './onair'
import { useOutputs } from './outputs'
import { usePreview } from './preview'
import { useShow } from './show'
import { useTimeline } from './timeline'

let countsTimer: ReturnType<typeof setTimeout> | null = null
/** Shot counts in the channel switcher: at most one reload a second while imports run. */
function refreshChannelCounts(): void {
  if (countsTimer) return
  countsTimer = setTimeout(() => {
    countsTimer = null
    void useChannels.getState().load()
  }, 1000)
}

/** What a library change means for the screen: the selected channel's views follow it, others only their counts. */
function onLibraryChanged(e: { channelId: number | null; what: string; revision?: number | undefined }): void {
  if (e.what === 'channels') void useChannels.getState().load()
  // The guide follows every timeline edit.
  if (e.what === 'playlist') void useOutputs.getState().reloadGuide()
  const selected = useChannels.getState().selectedId
  if (e.channelId !== null && e.channelId !== selected) {
    if (e.what === 'shots') refreshChannelCounts()
    return
  }
  if (e.what === 'shots') {
    refreshChannelCounts()
    useLibrary.getState().refresh()
    void usePreview.getState().reload()
    useTimeline.getState().onChanged(e.revision)
  }
  if (e.what === 'playlist') useTimeline.getState().onChanged(e.revision)
}

/** After a reconnect the socket missed events: reload what the screen shows. */
function reloadAfterReconnect(): void {
  void useChannels.getState().load()
  useLibrary.getState().refresh()
  void useTimeline.getState().load()
  void usePreview.getState().reload()
  const ch = useChannels.getState().selectedId
  if (ch !== null) void useOnAir.getState().load(ch)
  void useGeneration.getState().loadJobs()
  void useShow.getState().load()
}

/**
 * The one place the renderer listens to the core: every event mirrored into its
 * store (main owns the truth, the UI follows it), and the connection's ups and
 * downs. Returns the function that stops all of it.
 */
export function startCoreEvents(): () => void {
  const bridge = getClient().bridge
  const stopConnection = useConnection.getState().init()
  void useChannels.getState().load()
  const air = useOnAir.getState()
  const offs = [
    bridge.on('library.changed', (e) => onLibraryChanged(e)),
    bridge.on('library.importProgress', (p) => onImportProgress(p)),
    bridge.on('library.mediaCheck', (p) => useLibrary.setState({ mediaCheck: p })),
    bridge.on('onair.state', (e) => air.onState(e)),
    bridge.on('onair.stats', (e) => air.onStats(e)),
    bridge.on('onair.clip', (e) => air.onClip(e)),
    bridge.on('generation.job', (e) => useGeneration.getState().onJob(e)),
    bridge.on('outputs.asrun', (e) => useOutputs.getState().onAsrun(e)),
    bridge.on('outputs.state', (e) => useOutputs.getState().onState(e)),
    bridge.on('notifications.notification', (n) => onNotification(n)),
    // A show edit, an undo or a redo (here, in another window or the CLI): re-read the selected channel's plan.
    bridge.on('history.changed', (e) => {
      if (e.channelId === useShow.getState().channelId) void useShow.getState().load()
    })
  ]
  // While the link is down the on-air state is unknown (never keep showing LIVE).
  // A reconnect passes disconnected → connecting → connected, so compare with
  // "was connected before", not with the previous state.
  let wasConnected = useConnection.getState().state === 'connected'
  const offReconnect = useConnection.subscribe((s, prev) => {
    if (prev.state === 'connected' && s.state !== 'connected') useOnAir.getState().forget()
    if (s.state !== 'connected' || prev.state === 'connected') return
    if (!wasConnected) {
      wasConnected = true
      return
    }
    reloadAfterReconnect()
  })
  return () => {
    stopConnection()
    offReconnect()
    for (const off of offs) off()
  }
}
