import type { TeeOutputs } from './ffmpeg-args'
import type { ClipPhase, ClipRef, PlayoutStats } from './playout'
import type { AirState, StateChange } from './state'
import type { AirChannel, AirCursor, AirItem } from './timeline'
import type { TunnelSpec } from './tunnels'

/**
 * The messages between the control plane (the engine, on the studio's main loop)
 * and the media plane (the local server, the playouts and their feeders, in a
 * worker thread: media-worker.ts). Everything here is plain data (structured
 * clone). No secret ever crosses: the media plane makes its own publish secret.
 */

export interface ServeOptions {
  bind: string
  rtmpPort: number
  httpPort: number
}

/** Requests: each gets one reply with the same id. */
export type MediaRequest =
  | { t: 'serve'; id: number; options: ServeOptions }
  | {
      t: 'start'
      id: number
      channel: AirChannel
      stream: string
      dataDir: string
      items: AirItem[]
      /** Where the last media plane left off (a restart resumes after it, not from the top). */
      cursor: AirCursor | null
      /** What the playout writes besides what airs (its HLS), paths relative to dataDir. */
      tee?: TeeOutputs
    }
  | { t: 'stop'; id: number; channelId: number }
  | { t: 'inspect'; id: number }
  /** A relay's key tunnel (relay-tunnel.ts): the key crosses in memory only, never a command line. */
  | { t: 'tunnel'; id: number; spec: TunnelSpec }
  | { t: 'close'; id: number }

/** One-way news from the control plane: the channel's airable items after an edit. */
export interface TimelineNotice {
  t: 'timeline'
  channelId: number
  items: AirItem[]
}

/** The relay's ffmpeg (the one process the tunnel lets in), or the end of the tunnel. */
export type TunnelNotice =
  { t: 'tunnel.expect'; tunnelId: number; pid: number } | { t: 'tunnel.close'; tunnelId: number }

/** One-way: what the channel's playout writes besides what airs from its next encoder run on. */
export interface TeeNotice {
  t: 'tee'
  channelId: number
  tee: TeeOutputs
}

export type ToMedia = MediaRequest | TimelineNotice | TunnelNotice | TeeNotice

/** The tunnel's public side: where the relay's ffmpeg publishes (no secret in it). */
export interface TunnelOpened {
  tunnelId: number
  localUrl: string
  ffmpegOptions: string[]
}

export interface WireError {
  code: string
  message: string
  field?: string
}

/** What the control plane mirrors of a channel on air, for its synchronous readers (metrics, health, status). */
export interface ChannelSnapshot {
  channelId: number
  stream: string
  state: AirState
  since: number
  details: { attempt?: number; nextRetryAt?: number; message?: string }
  stats: PlayoutStats
  now: ClipRef | null
  next: ClipRef | null
  cursor: AirCursor | null
  viewers: number
  encoderPid: number | undefined
}

/** Diagnostics of the local server (tests, the flood check). */
export interface ServerInspection {
  refused: number
  sessions: number
  broadcasts: number
  openConnections: number
}

export type FromMedia =
  | { t: 'reply'; id: number; ok: true; value?: unknown }
  | { t: 'reply'; id: number; ok: false; error: WireError }
  | { t: 'state'; channelId: number; change: StateChange }
  | { t: 'clip'; channelId: number; phase: ClipPhase; clip: ClipRef; reason?: string; airStartUs?: number }
  | { t: 'unplayable'; channelId: number; itemId: number; reason: string }
  /** A playout encoder started: the control plane ends it itself if the media plane dies (see media-plane.ts). */
  | { t: 'encoder'; channelId: number; pid: number; tee: TeeOutputs }
  /** A tee output of the playout's encoder run `pid` failed and was dropped; what airs goes on. */
  | { t: 'tee.failed'; channelId: number; pid: number | undefined; output: keyof TeeOutputs; message: string }
  | { t: 'tunnel.problem'; tunnelId: number; message: string }
  | { t: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; line: string }
  | { t: 'snapshot'; at: number; channels: ChannelSnapshot[] }
