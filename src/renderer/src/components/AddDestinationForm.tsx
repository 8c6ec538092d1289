import { useState, type FormEvent } from 'react'
import { useOnAir } from '../stores/onair'
import { ErrorNotice } from './ErrorNotice'
import { SecretInput } from './SecretInput'

type Kind = 'twitch' | 'youtube' | 'facebook' | 'kick' | 'rtmp' | 'srt'

/** The platforms, like OBS's service list; each knows its ingest (onair/presets.ts) but Kick, custom RTMP and SRT. */
const KINDS: ReadonlyArray<{ kind: Kind; label: string }> = [
  { kind: 'twitch', label: 'Twitch' },
  { kind: 'youtube', label: 'YouTube' },
  { kind: 'facebook', label: 'Facebook' },
  { kind: 'kick', label: 'Kick' },
  { kind: 'rtmp', label: 'Custom RTMP' },
  { kind: 'srt', label: 'SRT' }
]

/** Where each platform's stream key is found, for the "paste your key" hint. */
const KEY_HINT: Partial<Record<Kind, string>> = {
  twitch: 'Paste your Twitch stream key (Twitch dashboard → Settings → Stream).',
  youtube: 'Paste your YouTube stream key (YouTube Studio → Go live → Stream).',
  facebook: 'Paste your Facebook stream key (Live Producer → Streaming software).',
  kick: 'Paste your Kick stream key (Kick dashboard → Settings → Stream URL & Key).'
}

/** Adds a destination of any preset; checks the obvious mistakes before the core does. */
export function AddDestinationForm({ channelId, onDone }: { channelId: number; onDone: () => void }) {
  const add = useOnAir((s) => s.addDestination)
  const [kind, setKind] = useState<Kind>('twitch')
  const [backup, setBackup] = useState(false)
  const [name, setName] = useState('')
  const [ingest, setIngest] = useState<'default' | 'custom'>('default')
  const [server, setServer] = useState('')
  const [url, setUrl] = useState('')
  const [key, setKey] = useState('')
  const [problem, setProblem] = useState<string | null>(null)

  async function submit(e: FormEvent) {
    e.preventDefault()
    setProblem(null)
    if ((kind === 'rtmp' || kind === 'kick') && !/^rtmps?:\/\/[^/\s]+\/\S+/i.test(url.trim())) {
      setProblem(
        kind === 'kick'
          ? 'Enter the Stream URL from your Kick dashboard (rtmps://…/app).'
          : 'Enter the ingest URL as rtmp://host/app (or rtmps://…), as your streaming service shows it.'
      )
      return
    }
    if (kind === 'srt' && !/^srt:\/\/[^/\s]+:\d+/i.test(url.trim())) {
      setProblem('Enter the SRT address as srt://host:port; the stream id goes in the key field.')
      return
    }
    const keyHint = KEY_HINT[kind]
    if (keyHint && !key.trim()) {
      setProblem(keyHint)
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
      ...(kind === 'rtmp' || kind === 'kick' || kind === 'srt' ? { url: url.trim() } : {}),
      ...(kind === 'youtube' && backup ? { backup: true } : {}),
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
        {KINDS.map((k) => (
          <label key={k.kind} className={kind === k.kind ? 'on' : ''}>
            <input type="radio" name="dest-kind" checked={kind === k.kind} onChange={() => setKind(k.kind)} /> {k.label}
          </label>
        ))}
      </div>
      <label className="field">
        <span>Name (optional)</span>
        <input
          type="text"
          value={name}
          onChange={(e) => setName(e.target.value)}
          maxLength={80}
          placeholder={KINDS.find((k) => k.kind === kind)!.label}
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
      ) : kind === 'youtube' ? (
        <label className="switch small">
          <input type="checkbox" checked={backup} onChange={(e) => setBackup(e.target.checked)} /> Send to YouTube's
          backup ingest (b.rtmps.youtube.com)
        </label>
      ) : kind === 'facebook' ? null : (
        <label className="field">
          <span>{kind === 'kick' ? 'Stream URL (from your Kick dashboard)' : 'Server URL'}</span>
          <input
            type="url"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            placeholder={kind === 'srt' ? 'srt://host:port' : 'rtmp://host/app'}
            data-testid="rtmp-url-input"
          />
        </label>
      )}
      <SecretInput
        id="new-dest-key"
        label={kind === 'srt' ? 'Stream id' : KEY_HINT[kind] ? 'Stream key' : 'Stream key (optional)'}
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
