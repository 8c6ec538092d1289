import type Hls from 'hls.js'
import type { FlvPlayerHandle, FlvPlayerOptions, PlayerPhase } from './flv-player'

export type StreamKind = 'flv' | 'hls-native' | 'hls.js'

/**
 * Which player a browser gets: HTTP-FLV (lowest delay) wherever Media Source
 * Extensions can play it; HLS where they cannot — natively on iPhone Safari, or
 * through hls.js (managed media source) elsewhere. `force` ('hls' / 'flv', from the
 * page's ?player= parameter) lets a viewer or a test pick. Native HLS only where
 * hls.js cannot run (older iPhones without any Media Source).
 */
export function chooseStreamKind(env: {
  flvPlayable: boolean
  nativeHls: boolean
  hlsJs: boolean
  hasHls: boolean
  force?: string | null
}): StreamKind | null {
  // hls.js first where it runs (MSE or iOS 17's ManagedMediaSource): Chromium 14x+ also
  // claims native HLS ("maybe") but its player stalled on live playlists here.
  const hls: StreamKind | null = env.hasHls ? (env.hlsJs ? 'hls.js' : env.nativeHls ? 'hls-native' : null) : null
  if (env.force === 'hls' && hls) return hls
  if (env.force === 'flv' && env.flvPlayable) return 'flv'
  if (env.flvPlayable) return 'flv'
  return hls
}

/**
 * Play a live HLS playlist and keep it playing: reloads with a growing delay when
 * the stream fails or stalls (the channel went off air and on again), like playFlv.
 */
export function playHls(
  video: HTMLVideoElement,
  url: string,
  native: boolean,
  /** captions: show the stream's WebVTT rendition (the master playlist's SUBTITLES group), when it has one. */
  opts: FlvPlayerOptions & { captions?: boolean } = {}
): FlvPlayerHandle {
  const stallMs = opts.stallMs ?? 12_000
  let hls: Hls | null = null
  let destroyed = false
  let retryTimer: ReturnType<typeof setTimeout> | null = null
  let attempt = 0
  let opened = 0
  let lastTime = -1
  let lastProgressAt = Date.now()
  const phase = (p: PlayerPhase, d?: string) => opts.onPhase?.(p, d)

  const teardown = (): void => {
    if (hls) {
      hls.destroy()
      hls = null
    }
    // The next player of this <video> (FLV, after captions go off) shows no caption left over.
    video.textTracks.onaddtrack = null
    for (const t of Array.from(video.textTracks))
      if (t.kind === 'subtitles' || t.kind === 'captions') t.mode = 'disabled'
    if (native) {
      video.removeAttribute('src')
      video.load()
    }
  }

  const scheduleRetry = (why: string): void => {
    if (destroyed || retryTimer) return
    teardown()
    attempt++
    const delay = Math.min(8000, 1000 * Math.pow(1.6, attempt - 1))
    phase('waiting', why)
    retryTimer = setTimeout(() => {
      retryTimer = null
      open()
    }, delay)
  }

  const open = (): void => {
    if (destroyed) return
    phase('connecting')
    lastProgressAt = Date.now()
    lastTime = -1
    if (native) {
      video.src = url
      video.onerror = () => scheduleRetry('the stream failed')
      // Safari lists the rendition as a text track once it has read the master playlist.
      video.textTracks.onaddtrack = () => {
        for (const t of Array.from(video.textTracks))
          if (t.kind === 'subtitles') t.mode = opts.captions ? 'showing' : 'disabled'
      }
    } else {
      // hls.js is most of the watch page's weight and only HLS viewers need it: it is
      // fetched on first use, so FLV viewers (every desktop browser) never download it.
      const opening = ++opened
      void import('hls.js')
        .then(({ default: HlsJs }) => {
          // A retry or destroy while the chunk loaded: this attempt is stale.
          if (destroyed || opening !== opened) return
          attachHlsJs(HlsJs)
        })
        .catch((err: unknown) => scheduleRetry(`the HLS player did not load: ${String(err)}`))
    }
    const played = video.play()
    if (played && typeof played.catch === 'function') played.catch(() => {})
  }

  const attachHlsJs = (HlsJs: typeof Hls): void => {
    // No worker: the studio's CSP allows only its own scripts, not blob: workers.
    const h = new HlsJs({
      enableWorker: false,
      lowLatencyMode: false,
      liveSyncDurationCount: 3,
      manifestLoadingMaxRetry: 2,
      // A page (a test) that sets window.__webtvHlsLog gets hls.js's log lines there.
      debug: hlsLog()
    })
    hls = h
    h.on(HlsJs.Events.ERROR, (_e, data) => {
      if (data.fatal) scheduleRetry(`stream ${data.type}: ${data.details}`)
    })
    // hls.js renders the WebVTT rendition into a text track; the toggle picks the track or none.
    h.subtitleDisplay = !!opts.captions
    h.on(HlsJs.Events.SUBTITLE_TRACKS_UPDATED, () => {
      h.subtitleTrack = opts.captions && h.subtitleTracks.length ? 0 : -1
    })
    // Chosen before the media is attached, hls.js adds the track disabled and then follows
    // that mode (it tracks the page's choice of text track), so captions never showed. Set
    // the mode on the track itself as it is added: hls.js then loads the rendition for it.
    video.textTracks.onaddtrack = (e) => {
      const t = (e as TrackEvent).track
      if (t && (t.kind === 'subtitles' || t.kind === 'captions')) t.mode = opts.captions ? 'showing' : 'disabled'
    }
    h.loadSource(url)
    h.attachMedia(video)
    const played = video.play()
    if (played && typeof played.catch === 'function') played.catch(() => {})
  }

  const watchdog = setInterval(() => {
    if (destroyed) return
    const t = video.currentTime
    if (video.paused && lastTime >= 0) lastProgressAt = Date.now()
    else if (t !== lastTime) {
      if (lastTime >= 0 && t > lastTime) {
        attempt = 0
        phase('playing')
      }
      lastTime = t
      lastProgressAt = Date.now()
    } else if (Date.now() - lastProgressAt > stallMs) scheduleRetry('no new segments')
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

function hlsLog(): false | Record<'log' | 'warn' | 'error' | 'info' | 'debug' | 'trace', (...a: unknown[]) => void> {
  const sink = (globalThis as { __webtvHlsLog?: string[] }).__webtvHlsLog
  if (!Array.isArray(sink)) return false
  const line =
    (level: string) =>
    (...a: unknown[]) =>
      void sink.push(`${level} ${a.map(String).join(' ')}`)
  return { log: line('L'), warn: line('W'), error: line('E'), info: line('I'), debug: () => {}, trace: () => {} }
}

/** What this browser can do, for chooseStreamKind. */
export function browserStreamSupport(
  video: HTMLVideoElement,
  flvPlayable: boolean
): { flvPlayable: boolean; nativeHls: boolean; hlsJs: boolean } {
  return {
    flvPlayable,
    nativeHls: video.canPlayType('application/vnd.apple.mpegurl') !== '',
    hlsJs: mediaSourcePlaysH264Aac()
  }
}

/**
 * The test hls.js's own isSupported() makes (Media Source, or iOS 17's Managed Media
 * Source, able to play H.264 + AAC in fMP4), answered without loading hls.js.
 */
function mediaSourcePlaysH264Aac(): boolean {
  const scope = globalThis as unknown as {
    MediaSource?: { isTypeSupported(t: string): boolean }
    ManagedMediaSource?: { isTypeSupported(t: string): boolean }
  }
  const ms = scope.ManagedMediaSource ?? scope.MediaSource
  if (!ms || typeof ms.isTypeSupported !== 'function') return false
  return ms.isTypeSupported('video/mp4; codecs="avc1.42E01E,mp4a.40.2"')
}
