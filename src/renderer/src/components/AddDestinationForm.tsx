import { useState, type FormEvent } from 'react'
import { useOnAir } from '../stores/onair'
import { ErrorNotice } from './ErrorNotice'
import { SecretInput } from './SecretInput'

/** Adds a Twitch or custom RTMP destination; checks the obvious mistakes before the core does. */
export function AddDestinationForm({ channelId, onDone }: { channelId: number; onDone: () => void }) {
  const add = useOnAir((s) => s.addDestination)
  const [kind, setKind] = useState<'twitch' | 'rtmp'>('twitch')
  const [name, setName] = useState('')
  const [ingest, setIngest] = useState<'default' | 'custom'>('default')
  const [server, setServer] = useState('')
  const [url, setUrl] = useState('')
  const [key, setKey] = useState('')
  const [problem, setProblem] = useState<string | null>(null)

  async function submit(e: FormEvent) {
    e.preventDefault()
    setProblem(null)
    if (kind === 'rtmp' && !/^rtmps?:\/\/[^/\s]+\/\S+/i.test(url.trim())) {
      setProblem('Enter the ingest URL as rtmp://host/app (or rtmps://…), as your streaming service shows it.')
      return
    }
    if (kind === 'twitch' && !key.trim()) {
      setProblem('Paste your Twitch stream key (Twitch dashboard → Settings → Stream).')
      return
    }
    if (kind === 'twitch' && ingest === 'custom' && !server.trim()) {
      setProblem('Enter the ingest server host, or choose the default.')
      return
    }
    const ok = await add({
      channelId,
      kind,
      ...(name.trim() ? { name: name.trim() } : {}),
      ...(kind === 'twitch' && ingest === 'custom' ? { server: server.trim() } : {}),
      ...(kind === 'rtmp' ? { url: url.trim() } : {}),
      ...(key.trim() ? { key: key.trim() } : {})
    })
    if (ok) {
      setKey('')
      onDone()
    }
  }

  return (
    <form className="add-dest" onSubmit={submit} aria-label="Add destination">
      <div className="seg" role="radiogroup" aria-label="Destination type">
        <label className={kind === 'twitch' ? 'on' : ''}>
          <input type="radio" name="dest-kind" checked={kind === 'twitch'} onChange={() => setKind('twitch')} /> Twitch
        </label>
        <label className={kind === 'rtmp' ? 'on' : ''}>
          <input type="radio" name="dest-kind" checked={kind === 'rtmp'} onChange={() => setKind('rtmp')} /> Custom RTMP
        </label>
      </div>
      <label className="field">
        <span>Name (optional)</span>
        <input
          type="text"
          value={name}
          onChange={(e) => setName(e.target.value)}
          maxLength={80}
          placeholder={kind === 'twitch' ? 'Twitch' : 'My server'}
        />
      </label>
      {kind === 'twitch' ? (
        <>
          <label className="field">
            <span>Ingest server</span>
            <select value={ingest} onChange={(e) => setIngest(e.target.value as 'default' | 'custom')}>
              <option value="default">Twitch default (global ingest)</option>
              <option value="custom">Another ingest server…</option>
            </select>
          </label>
          {ingest === 'custom' && (
            <label className="field">
              <span>Ingest host</span>
              <input
                type="text"
                value={server}
                onChange={(e) => setServer(e.target.value)}
                placeholder="e.g. the host Twitch's Inspector recommends"
              />
            </label>
          )}
        </>
      ) : (
        <label className="field">
          <span>Server URL</span>
          <input
            type="url"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            placeholder="rtmp://host/app"
            data-testid="rtmp-url-input"
          />
        </label>
      )}
      <SecretInput
        id="new-dest-key"
        label={kind === 'twitch' ? 'Stream key' : 'Stream key (optional)'}
        value={key}
        onChange={setKey}
      />
      <ErrorNotice message={problem} />
      <div className="field-row">
        <button type="submit" className="btn primary">
          Add destination
        </button>
        <button type="button" className="btn ghost" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  )
}
