import { useEffect, useState } from 'react'
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
import { useLibrary } from './stores/library'
import { useGeneration } from './stores/generation'
import { useOnAir } from './stores/onair'
import { usePreview } from './stores/preview'
import { useShow } from './stores/show'
import { useTimeline } from './stores/timeline'
import { startCoreEvents } from './stores/subscriptions'

export function App() {
  // Every core event, mirrored into the stores (stores/subscriptions.ts).
  useEffect(() => startCoreEvents(), [])
  const [view, setView] = useState<View>('studio')
  const selectedId = useChannels((s) => s.selectedId)
  const firstRun = useFirstRunVisible()

  useEffect(() => {
    useLibrary.getState().setChannel(selectedId)
    useTimeline.getState().setChannel(selectedId)
    usePreview.getState().close()
    useGeneration.getState().setChannel(selectedId)
    useShow.getState().setChannel(selectedId)
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
