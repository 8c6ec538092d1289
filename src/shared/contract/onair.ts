import { z } from 'zod'
import { call } from './define'

/**
 * On air: the channel's continuous stream to the embedded RTMP server, its remote
 * destinations (Twitch, any RTMP/RTMPS ingest) and their health. Stream keys go in
 * (add / setKey) and never come out except masked.
 */

const channelId = z.number().int().positive()
const destinationId = z.string().min(1).max(64)

export const airStateSchema = z.enum(['offline', 'starting', 'live', 'reconnecting', 'stopping', 'error'])
export type AirStateDto = z.infer<typeof airStateSchema>

export const clipRefSchema = z.object({
  /** Playlist item on air; null for the standby slate. */
  itemId: z.number().int().nullable(),
  label: z.string(),
  durationMs: z.number(),
  slate: z.boolean()
})
export type ClipRefDto = z.infer<typeof clipRefSchema>

/** Presets (see onair/presets.ts); 'rtmp' is any custom RTMP/RTMPS URL. */
export const destinationKindSchema = z.enum(['twitch', 'rtmp', 'youtube', 'facebook', 'kick', 'srt'])

export const destinationSchema = z.object({
  id: destinationId,
  channelId,
  kind: destinationKindSchema,
  name: z.string(),
  /** Twitch: ingest server host; rtmp: the URL without its key. */
  target: z.string(),
  /** e.g. "••••••••3f9a"; null when no key is stored. */
  keyMasked: z.string().nullable(),
  enabled: z.boolean(),
  /** Present only while the channel is on air (or just failed). */
  state: airStateSchema,
  attempt: z.number().int().optional(),
  nextRetryAt: z.number().optional(),
  message: z.string().optional(),
  kbps: z.number().optional(),
  ephemeral: z.boolean()
})
export type DestinationDto = z.infer<typeof destinationSchema>

export const channelAirStatusSchema = z.object({
  channelId,
  name: z.string(),
  stream: z.string(),
  state: airStateSchema,
  message: z.string().optional(),
  attempt: z.number().int().optional(),
  nextRetryAt: z.number().optional(),
  since: z.number(),
  uptimeS: z.number(),
  /** Where a local player can watch: open on loopback. Null while the server is not running. */
  rtmpUrl: z.string().nullable(),
  flvUrl: z.string().nullable(),
  /**
   * The clip whose time ffmpeg's output has reached (tracked from its progress and
   * the bytes it has taken); a viewer sees it after its own buffering delay.
   */
  now: clipRefSchema.nullable(),
  next: clipRefSchema.nullable(),
  viewers: z.number().int(),
  destinations: z.array(destinationSchema)
})
export type ChannelAirStatus = z.infer<typeof channelAirStatusSchema>

export const onairSettingsSchema = z.object({
  rtmpPort: z.number().int().min(1).max(65535),
  httpPort: z.number().int().min(1).max(65535),
  /** Off: the server listens on 127.0.0.1 only. On: on every interface (0.0.0.0). */
  listenOnLan: z.boolean()
})
export type OnairSettings = z.infer<typeof onairSettingsSchema>

// Spaces and control characters are never part of an ingest URL or key; a NUL
// would even make the relay's process unstartable.
// eslint-disable-next-line no-control-regex -- control characters are exactly what we refuse
const noControl = /^[^\s\x00-\x1f\x7f]+$/
const rtmpUrl = z.string().trim().min(1).max(2000).regex(noControl, 'must not contain spaces or control characters')
const streamKey = z.string().trim().min(1).max(500).regex(noControl, 'must not contain spaces or control characters')

export const onairCalls = {
  'onair.start': call(
    z
      .object({
        channelId,
        /** Extra destinations for this run only (full rtmp:// or rtmps:// URLs, key included). */
        to: z.array(rtmpUrl).max(10).optional()
      })
      .strict(),
    channelAirStatusSchema,
    "Go live: air the channel's timeline to the local server and its enabled destinations."
  ),
  'onair.stop': call(z.object({ channelId }).strict(), channelAirStatusSchema, 'Stop the relays, then the playout.'),
  'onair.status': call(
    z.object({ channelId: channelId.optional() }).strict(),
    z.object({
      server: z
        .object({ running: z.boolean(), bind: z.string(), rtmpPort: z.number().int(), httpPort: z.number().int() })
        .strict(),
      channels: z.array(channelAirStatusSchema)
    }),
    'State, URLs, now/next and destinations of one channel (or of every channel on air).'
  ),
  'onair.settings.get': call(
    z.object({}).strict(),
    onairSettingsSchema,
    'Ports and LAN listening of the local server.'
  ),
  'onair.settings.update': call(
    onairSettingsSchema.partial().strict(),
    onairSettingsSchema,
    'Change ports / LAN listening; applies the next time the local server starts.'
  ),
  'onair.destinations.list': call(
    z.object({ channelId }).strict(),
    z.object({ destinations: z.array(destinationSchema) }),
    "A channel's destinations with their state; keys masked."
  ),
  'onair.destinations.add': call(
    z
      .object({
        channelId,
        kind: destinationKindSchema,
        name: z.string().trim().min(1).max(80).optional(),
        /** Twitch ingest host (default: Twitch's global ingest). */
        server: z.string().max(253).optional(),
        /** rtmp:// or rtmps:// URL (srt://host:port?streamid=… for SRT); a key in it is moved to the secret store. */
        url: rtmpUrl.optional(),
        key: streamKey.optional(),
        enabled: z.boolean().optional(),
        /** YouTube: send to the backup ingest (b.rtmps.youtube.com) instead of the primary. */
        backup: z.boolean().optional()
      })
      .strict(),
    destinationSchema,
    'Add a destination (Twitch or any RTMP/RTMPS URL).'
  ),
  'onair.destinations.update': call(
    z
      .object({
        id: destinationId,
        name: z.string().trim().min(1).max(80).optional(),
        server: z.string().max(253).optional(),
        url: rtmpUrl.optional(),
        enabled: z.boolean().optional()
      })
      .strict(),
    destinationSchema,
    'Rename, retarget, enable or disable a destination.'
  ),
  'onair.destinations.remove': call(
    z.object({ id: destinationId }).strict(),
    z.object({ id: destinationId, removed: z.boolean() }),
    'Remove a destination and its stored key (stops its relay if running).'
  ),
  'onair.destinations.setKey': call(
    z.object({ id: destinationId, key: streamKey }).strict(),
    destinationSchema,
    'Store a stream key (write-only; it is shown masked from then on).'
  ),
  'onair.destinations.retryNow': call(
    z.object({ id: destinationId }).strict(),
    destinationSchema,
    'Reconnect a destination now instead of waiting for its countdown (or after an error).'
  )
}

export const onairEvents = {
  /** Per channel (destinationId null) and per destination. */
  'onair.state': z.object({
    channelId,
    destinationId: z.string().nullable(),
    state: airStateSchema,
    attempt: z.number().int().optional(),
    nextRetryAt: z.number().optional(),
    message: z.string().optional(),
    at: z.number()
  }),
  /** Every 2 s per channel on air. */
  'onair.stats': z.object({
    channelId,
    at: z.number(),
    uptimeS: z.number(),
    kbps: z.number(),
    speed: z.number(),
    droppedFrames: z.number().int(),
    restarts: z.number().int(),
    now: clipRefSchema.nullable(),
    next: clipRefSchema.nullable(),
    viewers: z.number().int(),
    destinations: z.array(
      z.object({
        id: z.string(),
        state: airStateSchema,
        kbps: z.number(),
        uptimeS: z.number(),
        attempt: z.number().int().optional()
      })
    )
  }),
  /** A clip was queued into the encoder (the timeline was read), went on air, or was skipped as unreadable. */
  'onair.clip': z.object({
    channelId,
    phase: z.enum(['queued', 'airing', 'skipped']),
    clip: clipRefSchema,
    reason: z.string().optional(),
    /** With 'airing': the playout's output time (µs) where the clip began — what HLS captions anchor on. */
    airStartUs: z.number().optional(),
    at: z.number()
  })
}
