import mpegts from 'mpegts.js'

export type PlayerPhase = 'connecting' | 'playing' | 'waiting' | 'unsupported'

export interface FlvPlayerHandle {
  destroy(): void
}

export interface FlvPlayerOptions {
  onPhase?: (phase: PlayerPhase, detail?: string) => void
  /** Seconds between what the player has buffered and what it shows, every second. */
  onLatency?: (seconds: number | null) => void
  /** Give up on a stream that has not shown a new frame for this long and reconnect. */
  stallMs?: number
}

/**
 * Play a live HTTP-FLV stream in a <video> with mpegts.js and keep it playing: when
 * the stream errors, ends or stalls (the encoder restarted, the channel went off and
 * on air again), tear the player down and open the stream again with a growing delay.
 */
export function playFlv(video: HTMLVideoElement, url: string, opts: FlvPlayerOptions = {}): FlvPlayerHandle {
  const stallMs = opts.stallMs ?? 6000
  let player: mpegts.Player | null = null
  let destroyed = false
  let retryTimer: ReturnType<typeof setTimeout> | null = null
  let attempt = 0
  let lastTime = -1
  let lastProgressAt = Date.now()

  if (!mpegts.isSupported() || !mpegts.getFeatureList().mseLivePlayback) {
    opts.onPhase?.('unsupported', 'This browser cannot play live FLV (no Media Source Extensions).')
    return { destroy() {} }
  }

  const teardown = (): void => {
    if (!player) return
    try {
      player.pause()
      player.unload()
      player.detachMediaElement()
      player.destroy()
    } catch {
      /* already torn down */
    }
    player = null
  }

  const scheduleRetry = (why: string): void => {
    if (destroyed || retryTimer) return
    teardown()
    attempt++
    const delay = Math.min(8000, 500 * Math.pow(1.6, attempt - 1))
    opts.onPhase?.('waiting', why)
    retryTimer = setTimeout(() => {
      retryTimer = null
      open()
    }, delay)
  }

  const open = (): void => {
    if (destroyed) return
    opts.onPhase?.('connecting')
    lastProgressAt = Date.now()
    lastTime = -1
    const p = mpegts.createPlayer(
      { type: 'flv', isLive: true, url },
      {
        enableStashBuffer: false,
        liveBufferLatencyChasing: true,
        liveBufferLatencyMaxLatency: 3,
        liveBufferLatencyMinRemain: 0.5,
        autoCleanupSourceBuffer: true,
        lazyLoad: false
      }
    )
    player = p
    p.on(mpegts.Events.ERROR, (type: string, detail: string) =>
      scheduleRetry(`stream ${String(type).toLowerCase()}: ${detail}`)
    )
    p.on(mpegts.Events.LOADING_COMPLETE, () => scheduleRetry('the stream ended'))
    p.attachMediaElement(video)
    p.load()
    const played = p.play()
    if (played && typeof played.catch === 'function') played.catch(() => {})
  }

  const watchdog = setInterval(() => {
    if (destroyed || !player) return
    const t = video.currentTime
    if (video.paused) {
      // A paused player (the viewer's choice, or autoplay refused) is not a stalled stream.
      lastProgressAt = Date.now()
    } else if (t !== lastTime) {
      if (lastTime >= 0 && t > lastTime) {
        attempt = 0
        opts.onPhase?.('playing')
      }
      lastTime = t
      lastProgressAt = Date.now()
    } else if (Date.now() - lastProgressAt > stallMs) {
      scheduleRetry('no new frames')
    }
    const b = video.buffered
    opts.onLatency?.(b.length > 0 ? Math.max(0, b.end(b.length - 1) - video.currentTime) : null)
  }, 1000)

  open()
  return {
    destroy() {
      destroyed = true
      clearInterval(watchdog)
      if (retryTimer) clearTimeout(retryTimer)
      teardown()
    }
  }
}
