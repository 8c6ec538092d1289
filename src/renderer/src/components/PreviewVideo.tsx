import { useRef, useState } from 'react'
import { formatDuration } from '../lib/format'

/**
 * The preview's player. Its controls sit under the picture, not over it as the browser's
 * own do: the bottom of a shot is where its caption and the channel's lower third are.
 */
export function PreviewVideo({
  src,
  poster,
  label,
  takeId
}: {
  src: string
  poster: string | undefined
  label: string
  takeId: number | undefined
}) {
  const ref = useRef<HTMLVideoElement>(null)
  const [paused, setPaused] = useState(true)
  const [muted, setMuted] = useState(true)
  const [time, setTime] = useState({ at: 0, length: 0 })
  const sync = (v: HTMLVideoElement): void =>
    setTime({ at: v.currentTime, length: Number.isFinite(v.duration) ? v.duration : 0 })

  return (
    <>
      <div className="preview-video">
        <video
          ref={ref}
          src={src}
          poster={poster}
          autoPlay
          muted
          playsInline
          loop
          data-testid="preview-video"
          aria-label={label}
          data-take-id={takeId ?? ''}
          onPlay={() => setPaused(false)}
          onPause={() => setPaused(true)}
          onVolumeChange={(e) => setMuted(e.currentTarget.muted)}
          onLoadedMetadata={(e) => sync(e.currentTarget)}
          onTimeUpdate={(e) => sync(e.currentTarget)}
        />
      </div>
      <div className="preview-controls" data-testid="preview-controls">
        <button
          type="button"
          className="btn small ghost"
          aria-label={paused ? 'Play the preview' : 'Pause the preview'}
          title={paused ? 'Play (K)' : 'Pause (K)'}
          onClick={() => {
            const v = ref.current
            if (!v) return
            if (v.paused) void v.play().catch(() => {})
            else v.pause()
          }}
        >
          {paused ? '▶' : '❚❚'}
        </button>
        <input
          type="range"
          aria-label="Position in the preview"
          min={0}
          max={time.length || 0}
          step={0.05}
          value={Math.min(time.at, time.length)}
          onChange={(e) => {
            if (ref.current) ref.current.currentTime = Number(e.target.value)
          }}
        />
        <span className="mono small">
          {formatDuration(time.at * 1000)} / {formatDuration(time.length * 1000)}
        </span>
        <button
          type="button"
          className="btn small ghost"
          title={muted ? 'Unmute the preview' : 'Mute the preview'}
          onClick={() => {
            if (ref.current) ref.current.muted = !ref.current.muted
          }}
        >
          {muted ? 'Unmute' : 'Mute'}
        </button>
      </div>
    </>
  )
}
