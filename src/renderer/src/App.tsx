import { useEffect, useState } from 'react'
import { getClient } from './api/bridge'
import { Header, StatusBar, type View } from './components/Header'
import { FirstRun } from './components/FirstRun'
import { KeyboardShortcuts } from './components/KeyboardShortcuts'
import { LibraryPanel } from './components/LibraryPanel'
import { Notices } from './components/Notices'
import { PreviewPanel } from './components/PreviewPanel'
import { SidePanel } from './components/SidePanel'
import { SettingsView } from './components/SettingsView'
import { TimelineStrip } from './components/TimelineStrip'
import { useChannels } from './stores/channels'
import { useFirstRunVisible } from './stores/firstrun'
import { useConnection } from './stores/connection'
import { onImportProgress, useLibrary } from './stores/library'
import { useGeneration } from './stores/generation'
import { useOnAir } from './stores/onair'
import { usePreview } from './stores/preview'
import { useTimeline } from './stores/timeline'
import { startFeatureSubscriptions } from './stores/subscriptions'

let countsTimer: ReturnType<typeof setTimeout> | null = null
/** Shot counts in the channel switcher: at most one reload a second while imports run. */
function refreshChannelCounts(): void {
  if (countsTimer) return
  countsTimer = setTimeout(() => {
    countsTimer = null
    void useChannels.getState().load()
  }, 1000)
}

/** Mirror the core's events into the stores: main owns the truth, the UI follows it. */
function useCoreEvents(): void {
  useEffect(() => {
    const bridge = getClient().bridge
    const stopConnection = useConnection.getState().init()
    void useChannels.getState().load()
    const offs = [
      bridge.on('library.changed', (e) => {
        if (e.what === 'channels') void useChannels.getState().load()
        const selected = useChannels.getState().selectedId
        if (e.channelId !== null && e.channelId !== selected) {
          if (e.what === 'shots') refreshChannelCounts()
          return
        }
        if (e.what === 'shots') {
          refreshChannelCounts()
          useLibrary.getState().refresh()
          void usePreview.getState().reload()
          useTimeline.getState().onChanged()
        }
        if (e.what === 'playlist') useTimeline.getState().onChanged()
      }),
      bridge.on('library.importProgress', (p) => onImportProgress(p)),
      bridge.on('library.mediaCheck', (p) => useLibrary.setState({ mediaCheck: p })),
      ...startFeatureSubscriptions()
    ]
    // While the link is down the on-air state is unknown (never keep showing LIVE);
    // after a reconnect the socket missed events: reload what the screen shows.
    // (A reconnect passes disconnected → connecting → connected, so compare with
    // "was connected before", not with the previous state.)
    let wasConnected = useConnection.getState().state === 'connected'
    const offReconnect = useConnection.subscribe((s, prev) => {
      if (prev.state === 'connected' && s.state !== 'connected') useOnAir.getState().forget()
      if (s.state !== 'connected' || prev.state === 'connected') return
      if (!wasConnected) {
        wasConnected = true
        return
      }
      void useChannels.getState().load()
      useLibrary.getState().refresh()
      void useTimeline.getState().load()
      void usePreview.getState().reload()
      const ch = useChannels.getState().selectedId
      if (ch !== null) void useOnAir.getState().load(ch)
      void useGeneration.getState().loadJobs()
    })
    return () => {
      stopConnection()
      offReconnect()
      for (const off of offs) off()
    }
  }, [])
}

export function App() {
  useCoreEvents()
  const [view, setView] = useState<View>('studio')
  const selectedId = useChannels((s) => s.selectedId)
  const firstRun = useFirstRunVisible()

  useEffect(() => {
    useLibrary.getState().setChannel(selectedId)
    useTimeline.getState().setChannel(selectedId)
    usePreview.getState().close()
    useGeneration.getState().setChannel(selectedId)
    if (selectedId !== null) void useOnAir.getState().load(selectedId)
  }, [selectedId])

  return (
    <div className="app">
      <Header view={view} onView={setView} />
      {view === 'studio' && firstRun ? (
        <FirstRun />
      ) : view === 'studio' ? (
        <main className="studio-grid">
          <LibraryPanel />
          <PreviewPanel />
          <SidePanel />
          <TimelineStrip />
        </main>
      ) : (
        <main className="settings-main">
          <SettingsView />
        </main>
      )}
      <StatusBar />
      <Notices />
      <KeyboardShortcuts inStudio={view === 'studio' && !firstRun} showStudio={() => setView('studio')} />
    </div>
  )
}
