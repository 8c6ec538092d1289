import { useCallback, useEffect, useRef, useState } from 'react'
import mpegts from 'mpegts.js'
import { playFlv, type PlayerPhase } from '../lib/flv-player'
import { browserStreamSupport, chooseStreamKind, playHls, type StreamKind } from '../lib/hls-player'

export interface PublicChannel {
  name: string
  stream: string
  onAir: boolean
  viewers: number
  flvPath: string
  /** Null while the channel airs no HLS. */
  hlsPath: string | null
  /** Its HLS carries a WebVTT captions rendition (hlsPath is then the master playlist). */
  captions?: boolean
}

/** ?player=hls or ?player=flv picks the player; otherwise the browser's abilities do. */
function forcedPlayer(): string | null {
  return new URLSearchParams(window.location.search).get('player')
}

function streamFromHash(): string | null {
  const h = decodeURIComponent(window.location.hash.replace(/^#/, ''))
  return /^[A-Za-z0-9_-]+$/.test(h) ? h : null
}

/** The public, read-only watch page: what the channel's viewers see. */
export function WatchApp() {
  const [channels, setChannels] = useState<PublicChannel[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [selected, setSelected] = useState<string | null>(streamFromHash)

  const refresh = useCallback(async () => {
    try {
      const res = await fetch('/api/public/channels', { cache: 'no-store' })
      if (!res.ok) throw new Error(`the studio answered HTTP ${res.status}`)
      const list = (await res.json()) as PublicChannel[]
      setChannels(list)
      setError(null)
    } catch (err) {
      setError(`Cannot reach the channel list (${err instanceof Error ? err.message : String(err)}). Retrying…`)
    }
  }, [])

  useEffect(() => {
    // The first fetch and then a poll: on-air state and viewer counts change while people watch.
    const first = setTimeout(() => void refresh(), 0)
    const t = setInterval(() => void refresh(), 5000)
    const onHash = () => setSelected(streamFromHash())
    window.addEventListener('hashchange', onHash)
    return () => {
      clearTimeout(first)
      clearInterval(t)
      window.removeEventListener('hashchange', onHash)
    }
  }, [refresh])

  const current =
    channels?.find((c) => c.stream === selected) ?? channels?.find((c) => c.onAir) ?? channels?.[0] ?? null

  return (
    <div className="watch">
      <header className="watch-header">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            ▶
          </span>{' '}
          WebTV
        </div>
        <nav className="watch-channels" aria-label="Channels">
          {channels?.map((c) => (
            <a
              key={c.stream}
              href={`#${c.stream}`}
              className={`watch-channel ${c.stream === current?.stream ? 'active' : ''}`}
              aria-current={c.stream === current?.stream ? 'true' : undefined}
            >
              {c.onAir && <span className="live-dot" aria-label="on air" />}
              {c.name}
            </a>
          ))}
        </nav>
      </header>
      <main className="watch-main">
        {error && (
          <p className="watch-error" role="alert">
            {error}
          </p>
        )}
        {channels === null ? (
          <p className="watch-msg">Loading channels…</p>
        ) : channels.length === 0 ? (
          <p className="watch-msg">
            Nothing is on air right now. This page starts playing as soon as a channel goes live.
          </p>
        ) : current ? (
          <Player key={current.stream} channel={current} />
        ) : null}
      </main>
    </div>
  )
}

function Player({ channel }: { channel: PublicChannel }) {
  const videoRef = useRef<HTMLVideoElement>(null)
  const frameRef = useRef<HTMLDivElement>(null)
  const [phase, setPhase] = useState<PlayerPhase | 'off'>('off')
  const [muted, setMuted] = useState(true)

  const [kind, setKind] = useState<StreamKind | null>(null)
  // Captions ride in the HLS (a WebVTT rendition), not in HTTP-FLV: turning them on plays the HLS.
  const [captions, setCaptions] = useState(false)
  const withCaptions = captions && !!channel.captions && channel.hlsPath !== null

  useEffect(() => {
    const video = videoRef.current
    if (!video || !channel.onAir) return
    const flvPlayable = mpegts.isSupported() && mpegts.getFeatureList().mseLivePlayback
    const chosen = chooseStreamKind({
      ...browserStreamSupport(video, flvPlayable),
      hasHls: channel.hlsPath !== null,
      force: withCaptions ? 'hls' : forcedPlayer()
    })
    setKind(chosen)
    if (!chosen) {
      setPhase('unsupported')
      return
    }
    // Both players reconnect by themselves when the stream errors, ends or stalls (an encoder restart).
    const onPhase = (p: PlayerPhase) => setPhase(p)
    const handle =
      chosen === 'flv'
        ? playFlv(video, channel.flvPath, { onPhase })
        : playHls(video, channel.hlsPath!, chosen === 'hls-native', { onPhase, captions: withCaptions })
    return () => {
      handle.destroy()
      setPhase('off')
    }
  }, [channel.flvPath, channel.hlsPath, channel.onAir, withCaptions])

  useEffect(() => {
    if (videoRef.current) videoRef.current.muted = muted
  }, [muted])

  function fullscreen() {
    const el = frameRef.current
    if (!el) return
    if (document.fullscreenElement) void document.exitFullscreen()
    else void el.requestFullscreen?.()
  }

  const shown = channel.onAir ? phase : 'off'
  return (
    <div className="watch-player" ref={frameRef}>
      <video
        ref={videoRef}
        muted
        playsInline
        autoPlay
        data-testid="watch-video"
        data-phase={shown}
        data-player={kind ?? ''}
        aria-label={`${channel.name} live`}
        onDoubleClick={fullscreen}
      />
      {shown !== 'playing' && (
        <div className="watch-overlay">
          {shown === 'off'
            ? `${channel.name} is off air right now. This page starts playing when it comes back.`
            : shown === 'unsupported'
              ? 'This browser cannot play the stream.'
              : 'Tuning in…'}
        </div>
      )}
      <div className="watch-bar">
        <span className="watch-title">
          {channel.onAir && <span className="onair-badge live">LIVE</span>} {channel.name}
        </span>
        <span className="watch-viewers" data-testid="watch-viewers">
          {channel.viewers} watching
        </span>
        <button type="button" className="btn" onClick={() => setMuted((m) => !m)} aria-pressed={!muted}>
          {muted ? 'Unmute' : 'Mute'}
        </button>
        {channel.captions && (
          <button
            type="button"
            className="btn"
            onClick={() => setCaptions((c) => !c)}
            aria-pressed={captions}
            data-testid="watch-captions"
          >
            {captions ? 'Captions off' : 'Captions'}
          </button>
        )}
        <button type="button" className="btn" onClick={fullscreen}>
          Fullscreen
        </button>
      </div>
    </div>
  )
}
