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

export function Monitor({ url, label }: { url: string | null; label: string }) {
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
      <div className="monitor-overlay">
        {!url ? (
          <span className="monitor-msg">Off air</span>
        ) : phase === 'playing' ? (
          <span className="monitor-latency" title="Buffered ahead of what the monitor shows">
            {latency === null ? '' : `buffer ${latency.toFixed(1)} s`}
          </span>
        ) : (
          <span className="monitor-msg">
            {phase === 'waiting'
              ? `Waiting for the stream… (${detail ?? ''})`
              : phase === 'unsupported'
                ? detail
                : 'Connecting…'}
          </span>
        )}
      </div>
    </div>
  )
}
