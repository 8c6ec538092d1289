import { useState, type FormEvent } from 'react'
import { useChannels } from '../stores/channels'
import { useConnection } from '../stores/connection'
import { useLibrary } from '../stores/library'
import { OnAirBadge } from './OnAirBadge'
import { UndoButtons } from './UndoButtons'
import { ShortcutsButton } from './KeyboardShortcuts'

export type View = 'studio' | 'settings'

export function Header({ view, onView }: { view: View; onView: (v: View) => void }) {
  const channels = useChannels((s) => s.channels)
  const selectedId = useChannels((s) => s.selectedId)
  const select = useChannels((s) => s.select)
  const createChannel = useChannels((s) => s.create)
  // The library's unfiltered total is fresher than the channel list's count while imports run.
  const liveCount = useLibrary((s) =>
    s.channelId === selectedId && !s.search.trim() && s.status === 'all' ? s.total : null
  )
  const [creating, setCreating] = useState(false)
  const [name, setName] = useState('')

  async function submit(e: FormEvent) {
    e.preventDefault()
    if (!name.trim()) return
    const ch = await createChannel(name.trim())
    if (ch) {
      setName('')
      setCreating(false)
    }
  }

  return (
    <header className="app-header">
      <div className="brand" aria-label="WebTV Studio">
        <span className="brand-mark" aria-hidden="true">
          ▶
        </span>{' '}
        WebTV Studio
      </div>
      <div className="channel-switcher">
        <label htmlFor="channel-select">Channel</label>
        <select
          id="channel-select"
          value={selectedId ?? ''}
          onChange={(e) => select(Number(e.target.value))}
          title="The channel the studio shows, with the number of shots in its library"
          disabled={channels.length === 0}
        >
          {channels.length === 0 && <option value="">No channels yet</option>}
          {channels.map((c) => {
            const shots = c.id === selectedId && liveCount !== null ? liveCount : c.shotCount
            return (
              <option key={c.id} value={c.id}>
                {c.name} · {shots} {shots === 1 ? 'shot' : 'shots'}
              </option>
            )
          })}
        </select>
        {creating ? (
          <form onSubmit={submit} className="inline-form">
            <input
              aria-label="New channel name"
              autoFocus
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="Channel name"
              maxLength={80}
            />
            <button type="submit" className="btn primary" disabled={!name.trim()}>
              Create
            </button>
            <button type="button" className="btn" onClick={() => setCreating(false)}>
              Cancel
            </button>
          </form>
        ) : (
          <button type="button" className="btn" onClick={() => setCreating(true)}>
            + New channel
          </button>
        )}
      </div>
      <nav className="view-tabs" aria-label="Views">
        <button
          type="button"
          className={view === 'studio' ? 'tab active' : 'tab'}
          aria-current={view === 'studio' ? 'page' : undefined}
          onClick={() => onView('studio')}
        >
          Studio
        </button>
        <button
          type="button"
          className={view === 'settings' ? 'tab active' : 'tab'}
          aria-current={view === 'settings' ? 'page' : undefined}
          onClick={() => onView('settings')}
        >
          Settings
        </button>
      </nav>
      <div className="header-right">
        <UndoButtons />
        <OnAirBadge />
        <ConnectionIndicator />
        <ShortcutsButton />
      </div>
    </header>
  )
}

function ConnectionIndicator() {
  const state = useConnection((s) => s.state)
  const pingMs = useConnection((s) => s.pingMs)
  const retryNow = useConnection((s) => s.retryNow)
  const label = state === 'connected' ? 'Connected' : state === 'connecting' ? 'Connecting…' : 'Disconnected'
  return (
    <div
      className={`conn conn-${state}`}
      role="status"
      aria-live="polite"
      data-testid="connection-status"
      data-state={state}
    >
      <span className="dot" aria-hidden="true" />
      <span>{label}</span>
      {state === 'connected' && pingMs !== null && <span className="muted">{pingMs} ms</span>}
      {state === 'disconnected' && (
        <button type="button" className="btn small" onClick={retryNow}>
          Reconnect now
        </button>
      )}
    </div>
  )
}

/** Bottom status bar: what the core reported about itself. */
export function StatusBar() {
  const info = useConnection((s) => s.info)
  const error = useConnection((s) => s.error)
  return (
    <footer className="status-bar">
      {info ? (
        <>
          <span>
            WebTV Studio {info.version} · {info.shell === 'electron' ? 'desktop' : 'headless'} core on {info.platform}
          </span>
          <span className="status-sep" aria-hidden="true">
            |
          </span>
          <span>
            Data folder: <span data-testid="core-data-dir">{info.dataDir}</span>
          </span>
        </>
      ) : (
        <span>{error ? `Core not answering: ${error}` : 'Waiting for the studio core…'}</span>
      )}
    </footer>
  )
}
