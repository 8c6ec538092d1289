import { z } from 'zod'
import { call } from './define'
import { airStateSchema } from './onair'

/**
 * Outputs and operations: HLS and recording per channel, the as-run log, the
 * program guide, the studio's status (what metrics and /health render) and the
 * destination presets' format checks. Nothing here ever carries a URL with a key.
 */

const channelId = z.number().int().positive()

const outputSnapshotSchema = z.object({ state: airStateSchema, files: z.number().int(), bytes: z.number() })

export const statusSnapshotSchema = z.object({
  at: z.number(),
  version: z.string(),
  pid: z.number().int(),
  startedAt: z.number(),
  process: z.object({ cpuSeconds: z.number(), rssBytes: z.number(), heapUsedBytes: z.number() }),
  server: z.object({ running: z.boolean(), rtmpPort: z.number().int(), httpPort: z.number().int() }),
  channels: z.array(
    z.object({
      id: z.number().int(),
      name: z.string(),
      stream: z.string().nullable(),
      state: airStateSchema,
      since: z.number().nullable(),
      uptimeS: z.number(),
      kbps: z.number(),
      speed: z.number(),
      droppedFrames: z.number(),
      restarts: z.number(),
      viewers: z.number(),
      runwayS: z.number().nullable(),
      now: z.string().nullable(),
      ffmpegCpuSeconds: z.number().nullable(),
      destinations: z.array(
        z.object({
          id: z.string(),
          name: z.string(),
          kind: z.string(),
          state: airStateSchema,
          kbps: z.number(),
          bytes: z.number(),
          reconnects: z.number(),
          uptimeS: z.number()
        })
      ),
      hls: outputSnapshotSchema.nullable(),
      recording: outputSnapshotSchema.nullable()
    })
  ),
  jobs: z.record(z.string(), z.number()),
  conformBacklog: z.number()
})

export const healthSchema = z.object({
  status: z.enum(['ok', 'degraded', 'failing']),
  httpStatus: z.union([z.literal(200), z.literal(503)]),
  checkedAt: z.number(),
  uptimeS: z.number(),
  version: z.string(),
  channels: z.array(
    z.object({
      name: z.string(),
      state: z.string(),
      destinations: z.array(z.object({ name: z.string(), state: z.string() }))
    })
  ),
  problems: z.array(z.string())
})

export const outputSettingsSchema = z.object({
  /** HLS for phones (2 s segments, a rolling window), served at /hls/<stream>/index.m3u8. */
  hls: z.boolean(),
  /** Record what actually aired, in segment files under <dataDir>/recordings/<stream>/. */
  record: z.boolean(),
  /** Minutes per recording file. */
  recordSegmentMinutes: z.number().int().min(1).max(240),
  /** Oldest files are removed first once the channel's recordings pass this size (GiB) … */
  recordMaxGiB: z.number().positive().max(100_000),
  /** … or this age (hours; 0 = no age limit). */
  recordMaxAgeHours: z
    .number()
    .min(0)
    .max(24 * 3650)
})
export type OutputSettings = z.infer<typeof outputSettingsSchema>

export const asrunEntrySchema = z.object({
  id: z.number().int(),
  channelId,
  channelName: z.string(),
  itemId: z.number().int().nullable(),
  shotId: z.number().int().nullable(),
  takeId: z.number().int().nullable(),
  label: z.string(),
  slate: z.boolean(),
  startedAt: z.number(),
  /** Null while the clip is on air. */
  endedAt: z.number().nullable(),
  /** Names of the destinations that were live when the clip started. */
  destinations: z.array(z.string())
})
export type AsrunEntry = z.infer<typeof asrunEntrySchema>

export const guideEntrySchema = z.object({
  start: z.number(),
  stop: z.number(),
  itemId: z.number().int().nullable(),
  shotId: z.number().int().nullable(),
  title: z.string(),
  slate: z.boolean(),
  /** The clip on air now (its start is when it began). */
  now: z.boolean(),
  /** A show sequence's clips are one entry: its id and synopsis (the title is the sequence's). */
  sequenceId: z.number().int().nullable().optional(),
  synopsis: z.string().optional()
})
export const guideSchema = z.object({
  channelId,
  name: z.string(),
  stream: z.string(),
  onAir: z.boolean(),
  generatedAt: z.number(),
  entries: z.array(guideEntrySchema),
  /** Stable public URLs of the guide. */
  jsonPath: z.string(),
  xmltvPath: z.string()
})
export type Guide = z.infer<typeof guideSchema>

export const presetCheckSchema = z.object({
  id: z.string(),
  label: z.string(),
  /** What the user fills in (e.g. "stream key", "server URL + key"). */
  needs: z.string(),
  /** Problems of the channel's house format for this platform, each saying what to change. */
  problems: z.array(z.string()),
  /** Why the preset cannot be used here at all (e.g. this ffmpeg has no SRT). */
  unavailable: z.string().nullable()
})

export const outputsCalls = {
  'outputs.status': call(
    z.object({}).strict(),
    z.object({ snapshot: statusSnapshotSchema, health: healthSchema }),
    'Every channel, destination, output, job count and the process itself — what /metrics and /health render.'
  ),
  'outputs.settings.get': call(
    z.object({ channelId }).strict(),
    outputSettingsSchema,
    "A channel's HLS and recording settings."
  ),
  'outputs.settings.update': call(
    outputSettingsSchema.partial().extend({ channelId }).strict(),
    outputSettingsSchema,
    'Turn HLS / recording on or off and set the recording limits; applies to a channel on air at once.'
  ),
  'outputs.asrun.list': call(
    z
      .object({
        channelId: channelId.optional(),
        /** Entries that started at or after this time (ms). */
        from: z.number().optional(),
        to: z.number().optional(),
        limit: z.number().int().min(1).max(10_000).optional()
      })
      .strict(),
    z.object({ entries: z.array(asrunEntrySchema) }),
    'What aired: every clip with its start and end time, newest first.'
  ),
  'outputs.guide': call(
    z.object({ channelId, hours: z.number().min(0.1).max(48).optional() }).strict(),
    guideSchema,
    'The projected schedule (now, next, start times for the next hours) from the timeline and the clip on air.'
  ),
  'outputs.presets': call(
    z.object({ channelId }).strict(),
    z.object({ presets: z.array(presetCheckSchema) }),
    "Destination presets (Twitch, YouTube, Facebook, Kick, custom, SRT) with what this channel's format must change for each."
  )
}

export const outputsEvents = {
  /** A clip aired (as-run entry opened) or ended (closed). */
  'outputs.asrun': asrunEntrySchema,
  /** HLS or recording of a channel changed state. */
  'outputs.state': z.object({
    channelId,
    output: z.enum(['hls', 'recording']),
    state: airStateSchema,
    message: z.string().optional(),
    at: z.number()
  })
}
