import { StudioError } from '../../shared/contract'
import type { HouseFormat } from '../../shared/house-format'
import { runToolSync } from '../media/ffmpeg-runner'
import { TWITCH_DEFAULT_INGEST, parseRtmpUrl, validateIngestHost } from './destinations'

/**
 * Destination presets, like OBS's service list: where each platform takes a stream
 * and what it accepts. Limits come from the platforms' published ingest
 * requirements (Twitch broadcast guidelines, YouTube Live encoder settings, Meta's
 * Live Video API reference, Kick's streaming setup) and are checked against a
 * channel's house format before Go Live — the stream is a byte copy of the
 * conformed clips, so what the format says is exactly what the platform gets.
 */

export type PresetId = 'twitch' | 'youtube' | 'facebook' | 'kick' | 'rtmp' | 'srt'

export const YOUTUBE_PRIMARY = 'rtmps://a.rtmps.youtube.com:443/live2'
export const YOUTUBE_BACKUP = 'rtmps://b.rtmps.youtube.com:443/live2?backup=1'
export const FACEBOOK_INGEST = 'rtmps://live-api-s.facebook.com:443/rtmp'

export interface PlatformLimits {
  /** Longest keyframe interval accepted, seconds. */
  maxKeyframeS?: number
  /** Largest peak video bitrate, kbit/s — may depend on the frame size and rate. */
  maxVideoKbps?: number | ((f: HouseFormat) => number)
  maxWidth?: number
  maxHeight?: number
  maxFps?: number
  maxAudioKbps?: number
}

export interface Preset {
  id: PresetId
  label: string
  needs: string
  limits: PlatformLimits
}

/** Meta's table: 1080p60 up to 9000, 1080p30 and 720p60 6000, 720p30 4000, 480p 2000 kbit/s. */
function facebookMaxKbps(f: HouseFormat): number {
  if (f.height > 720) return f.fps > 30 ? 9000 : 6000
  if (f.height > 480) return f.fps > 30 ? 6000 : 4000
  return 2000
}

export const PRESETS: Record<PresetId, Preset> = {
  twitch: {
    id: 'twitch',
    label: 'Twitch',
    needs: 'stream key (ingest server optional)',
    limits: { maxKeyframeS: 2, maxVideoKbps: 6000, maxWidth: 1920, maxHeight: 1080, maxFps: 60, maxAudioKbps: 320 }
  },
  youtube: {
    id: 'youtube',
    label: 'YouTube',
    needs: 'stream key (RTMPS; optionally the backup ingest)',
    limits: { maxKeyframeS: 4, maxVideoKbps: 51000, maxWidth: 3840, maxHeight: 2160, maxFps: 60, maxAudioKbps: 384 }
  },
  facebook: {
    id: 'facebook',
    label: 'Facebook Live',
    needs: 'stream key (RTMPS)',
    limits: {
      maxKeyframeS: 4,
      maxVideoKbps: facebookMaxKbps,
      maxWidth: 1920,
      maxHeight: 1080,
      maxFps: 60,
      maxAudioKbps: 256
    }
  },
  kick: {
    id: 'kick',
    label: 'Kick',
    needs: "server URL from Kick's dashboard + stream key",
    limits: { maxKeyframeS: 2, maxVideoKbps: 8000, maxWidth: 1920, maxHeight: 1080, maxFps: 60, maxAudioKbps: 320 }
  },
  rtmp: { id: 'rtmp', label: 'Custom RTMP / RTMPS', needs: 'URL (rtmp:// or rtmps://) + stream key', limits: {} },
  srt: { id: 'srt', label: 'SRT', needs: 'srt://host:port (+ streamid)', limits: {} }
}

/** What a channel's format must change for a platform; empty when it fits. */
export function checkFormat(id: PresetId, f: HouseFormat): string[] {
  const p = PRESETS[id]
  const l = p.limits
  const out: string[] = []
  if (l.maxKeyframeS !== undefined && f.gopSeconds > l.maxKeyframeS) {
    out.push(
      `${p.label} needs a keyframe at least every ${l.maxKeyframeS} s; this channel has one every ${f.gopSeconds} s — set the channel's keyframe interval to ${l.maxKeyframeS} s.`
    )
  }
  const maxKbps = typeof l.maxVideoKbps === 'function' ? l.maxVideoKbps(f) : l.maxVideoKbps
  if (maxKbps !== undefined && f.videoMaxKbps > maxKbps) {
    out.push(
      `${p.label} accepts at most ${maxKbps} kbit/s of video at ${f.width}x${f.height}@${f.fps}; this channel peaks at ${f.videoMaxKbps} kbit/s — lower the channel's maximum video bitrate to ${maxKbps} or less.`
    )
  }
  if ((l.maxWidth !== undefined && f.width > l.maxWidth) || (l.maxHeight !== undefined && f.height > l.maxHeight)) {
    out.push(
      `${p.label} accepts up to ${l.maxWidth}x${l.maxHeight}; this channel is ${f.width}x${f.height} — choose a smaller channel size.`
    )
  }
  if (l.maxFps !== undefined && f.fps > l.maxFps) {
    out.push(
      `${p.label} accepts up to ${l.maxFps} fps; this channel runs at ${f.fps} — lower the channel's frame rate.`
    )
  }
  if (l.maxAudioKbps !== undefined && f.audioKbps > l.maxAudioKbps) {
    out.push(
      `${p.label} accepts at most ${l.maxAudioKbps} kbit/s of audio; this channel uses ${f.audioKbps} — lower the channel's audio bitrate.`
    )
  }
  return out
}

let srtSupport: boolean | null = null

/** Whether the ffmpeg in use can write SRT (`ffmpeg -protocols` lists srt under Output). */
export function ffmpegHasSrt(): boolean {
  if (srtSupport !== null) return srtSupport
  try {
    const text = runToolSync('ffmpeg', ['-hide_banner', '-protocols'], 10_000)
    const output = text.split(/^Output:\s*$/m)[1] ?? ''
    srtSupport = /^\s*srt\s*$/m.test(output)
  } catch {
    srtSupport = false
  }
  return srtSupport
}

/** Tests: forget the cached answer (e.g. after pointing WEBTV_FFMPEG elsewhere). */
export function resetSrtProbe(): void {
  srtSupport = null
}

export const SRT_MISSING =
  'The ffmpeg in use was built without SRT (`ffmpeg -protocols` does not list srt). Install an ffmpeg with libsrt (Debian/Ubuntu: the distribution ffmpeg; or a static build) and point WEBTV_FFMPEG at it, or use an RTMP destination.'

export interface SrtTarget {
  /** srt://host:port with the non-secret options (latency, …). */
  base: string
  /** The streamid, which platforms use as the stream key. */
  key: string | null
}

/** Validates srt://host:port?streamid=…; the streamid is split off to be kept as a secret. */
export function parseSrtUrl(raw: string, field = 'url'): SrtTarget {
  const text = raw.trim()
  const bad = (why: string): never => {
    throw new StudioError(
      'invalid_input',
      `That SRT URL is not usable: ${why}. Expected srt://host:port?streamid=…`,
      field
    )
  }
  if (/\s/.test(text)) bad('it contains spaces')
  if (!/^srt:\/\//i.test(text)) bad('it does not start with srt://')
  // The query is taken as is up to the end: SRT access-control streamids contain '#', '/' and ':'.
  const q = text.indexOf('?')
  const authority = (q < 0 ? text : text.slice(0, q)).slice('srt://'.length).replace(/\/$/, '')
  if (authority.includes('/')) bad('it has a path; SRT takes host:port and options only')
  const hp = /^([a-z0-9.-]+|\[[0-9a-f:]+\]):(\d{1,5})$/i.exec(authority)
  if (!hp) bad(`"${authority}" is not host:port (SRT has no default port)`)
  const port = Number(hp![2])
  if (port < 1 || port > 65535) bad(`port ${port} is out of range`)
  const params = new URLSearchParams(q < 0 ? '' : text.slice(q + 1))
  if (params.has('passphrase'))
    bad('encrypted SRT (passphrase) is not supported yet; use a streamid, or an RTMPS destination')
  const mode = params.get('mode')
  if (mode && mode !== 'caller') bad(`mode=${mode}: the studio connects out to the receiver, so only caller mode works`)
  const key = params.get('streamid')
  params.delete('streamid')
  const rest = params.toString()
  return { base: `srt://${hp![1]}:${port}${rest ? `?${rest}` : ''}`, key: key || null }
}

export interface PresetTarget {
  target: string
  /** A key found in the URL (moved to the secret store). */
  key: string | null
  name: string
}

/**
 * Where a preset sends the stream (everything but the key). `server` / `url` let
 * the user pick another ingest (YouTube's backup, a Twitch region, Kick's URL).
 */
export function presetTarget(
  id: PresetId,
  input: { server?: string | undefined; url?: string | undefined; backup?: boolean | undefined }
): PresetTarget {
  const noUrl = (why: string) => {
    if (input.url) throw new StudioError('invalid_input', why, 'url')
  }
  switch (id) {
    case 'twitch':
      noUrl('A Twitch destination takes an ingest server, not a URL; use kind "rtmp" for a URL.')
      return { target: validateIngestHost(input.server ?? TWITCH_DEFAULT_INGEST), key: null, name: 'Twitch' }
    case 'youtube': {
      if (input.url) {
        const p = parseRtmpUrl(input.url)
        return { target: p.base, key: p.key, name: 'YouTube' }
      }
      return {
        target: input.backup ? YOUTUBE_BACKUP : YOUTUBE_PRIMARY,
        key: null,
        name: input.backup ? 'YouTube (backup)' : 'YouTube'
      }
    }
    case 'facebook': {
      if (input.url) {
        const p = parseRtmpUrl(input.url)
        return { target: p.base, key: p.key, name: 'Facebook Live' }
      }
      return { target: FACEBOOK_INGEST, key: null, name: 'Facebook Live' }
    }
    case 'kick': {
      if (!input.url)
        throw new StudioError(
          'invalid_input',
          'Kick has no fixed ingest: copy the Stream URL from your Kick dashboard (Settings → Stream URL & Key) and give it as the url.',
          'url'
        )
      const p = parseRtmpUrl(input.url)
      return { target: p.base, key: p.key, name: 'Kick' }
    }
    case 'rtmp': {
      if (!input.url)
        throw new StudioError(
          'invalid_input',
          'An RTMP destination needs its URL (rtmp://host/app or rtmps://…).',
          'url'
        )
      const p = parseRtmpUrl(input.url)
      return { target: p.base, key: p.key, name: new URL(p.base.replace(/^rtmps?:/, 'http:')).host }
    }
    case 'srt': {
      if (!input.url)
        throw new StudioError('invalid_input', 'An SRT destination needs its URL (srt://host:port?streamid=…).', 'url')
      const p = parseSrtUrl(input.url)
      if (!ffmpegHasSrt()) throw new StudioError('unavailable', SRT_MISSING, 'url')
      return { target: p.base, key: p.key, name: `SRT ${p.base.replace(/^srt:\/\//, '').replace(/\?.*$/, '')}` }
    }
  }
}

/** SRT carries MPEG-TS; every other preset FLV over RTMP(S). */
export function muxerFor(url: string): 'flv' | 'mpegts' {
  return /^srt:/i.test(url) ? 'mpegts' : 'flv'
}
