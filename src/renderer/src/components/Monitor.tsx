import { useEffect, useRef, useState } from 'react'
import { getClient } from '../api/bridge'
import { playFlv, type PlayerPhase } from '../lib/flv-player'

/**
 * The live monitor: the channel's local HTTP-FLV output. On this machine (Electron,
 * or a browser on loopback) the page reads the loopback stream server directly
 * (the engine's flvUrl, allowed by the CSP); a browser on another machine cannot reach
 * 127.0.0.1 of the studio, so it uses the studio origin's /live/<stream>.flv proxy.
 */
export function monitorUrl(stream: string, flvUrl: string | null): string | null {
  const local =
    getClient().bridge.shell === 'electron' || ['127.0.0.1', 'localhost', '[::1]'].includes(window.location.hostname)
  if (local) return flvUrl
  return `/live/${encodeURIComponent(stream)}.flv`
}

/**
 * The monitor's picture carries the channel's look (logo, clock, lower third, captions)
 * in any corner, so nothing is drawn over it while it plays: the buffer it keeps goes to
 * `onBuffer` (seconds, or null when not playing) for the panel to show beside it.
 */
export function Monitor({
  url,
  label,
  onBuffer
}: {
  url: string | null
  label: string
  onBuffer?: (seconds: number | null) => void
}) {
  const videoRef = useRef<HTMLVideoElement>(null)
  const [phase, setPhase] = useState<PlayerPhase | 'idle'>('idle')
  const [detail, setDetail] = useState<string | undefined>()
  const [latency, setLatency] = useState<number | null>(null)

  useEffect(() => {
    const video = videoRef.current
    if (!video || !url) return
    const handle = playFlv(video, url, {
      onPhase: (p, d) => {
        setPhase(p)
        setDetail(d)
      },
      onLatency: setLatency
    })
    return () => {
      handle.destroy()
      setPhase('idle')
      setLatency(null)
    }
  }, [url])
  const buffer = url && phase === 'playing' ? latency : null
  useEffect(() => onBuffer?.(buffer), [buffer, onBuffer])

  return (
    <div className="monitor">
      <video
        ref={videoRef}
        muted
        playsInline
        aria-label={label}
        data-testid="monitor-video"
        data-phase={url ? phase : 'idle'}
      />
      {(!url || phase !== 'playing') && (
        <div className="monitor-overlay">
          <span className="monitor-msg">
            {!url
              ? 'Off air'
              : phase === 'waiting'
                ? `Waiting for the stream… (${detail ?? ''})`
                : phase === 'unsupported'
                  ? detail
                  : 'Connecting…'}
          </span>
        </div>
      )}
    </div>
  )
}
