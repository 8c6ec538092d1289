import { z } from 'zod'
import { channelLookSchema, cornerSchema, loudnessInfoSchema } from '../channel-look'
import { call } from './define'
import { houseFormatSchema } from '../house-format'
import { invisibleCharacter, normalizeName } from '../visible-text'

/**
 * The shot library: channels, their conformed shots and each channel's playlist
 * (the timeline's data). Every media path in these outputs is RELATIVE to the data
 * folder (e.g. "media/ab/ab12….mp4"); a UI turns it into a URL with bridge.mediaUrl().
 */

export const shotStatusSchema = z.enum(['pending', 'queued', 'conforming', 'ready', 'failed'])
export type ShotStatus = z.infer<typeof shotStatusSchema>

export const reviewPolicySchema = z.enum(['auto', 'manual'])

const id = z.number().int().positive()
const channelName = z
  .string()
  .trim()
  .min(1, 'a channel needs a name')
  .max(80, 'keep channel names under 80 characters')
  .refine((s) => ![...s].some((ch) => ch.charCodeAt(0) < 0x20), 'control characters are not allowed in a channel name')
  .superRefine((s, ctx) => {
    const ch = invisibleCharacter(s)
    if (ch)
      ctx.addIssue({
        code: 'custom',
        message: `invisible or text-direction characters (${ch}) are not allowed in a channel name: it could look like another`
      })
  })
  .transform(normalizeName)

export const channelSchema = z.object({
  id,
  name: z.string(),
  theme: z.string(),
  style: z.string(),
  format: houseFormatSchema,
  /** Loudness, logo, AI label, lower third and dips burned into every clip at conform. */
  look: channelLookSchema,
  /** Shots still being redone for the current format or look (they air their previous media meanwhile, if the format is unchanged). */
  reconformPending: z.number().int(),
  reviewPolicy: reviewPolicySchema,
  /** Clips longer than this are refused at import. */
  maxClipSeconds: z.number(),
  shotCount: z.number().int(),
  createdAt: z.number(),
  updatedAt: z.number()
})
export type ChannelDto = z.infer<typeof channelSchema>

/** The conformed clip of a shot or a take; paths are relative to the data folder. */
const clipMediaFields = {
  durationMs: z.number().int().nullable(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  mp4Path: z.string().nullable(),
  tsPath: z.string().nullable(),
  posterPath: z.string().nullable(),
  stripPath: z.string().nullable(),
  /** The source's measured loudness and the gain applied at conform; null before levelling existed or without audio. */
  loudness: loudnessInfoSchema.nullable()
}

export const shotSchema = z.object({
  id,
  channelId: id,
  sequenceId: z.number().int().nullable(),
  status: shotStatusSchema,
  approved: z.boolean(),
  prompt: z.string(),
  seed: z.number().nullable(),
  backend: z.string().nullable(),
  /** File name the clip was imported from, when it came from a file. */
  sourceName: z.string().nullable(),
  ...clipMediaFields,
  error: z.string().nullable(),
  /** Ready, but the background media check found its clip missing or empty: it can't air until the file is back. */
  mediaMissing: z.boolean(),
  createdAt: z.number(),
  updatedAt: z.number()
})
export type ShotDto = z.infer<typeof shotSchema>

/** One version of a shot; the chosen one is what the shot (and the air) uses. */
export const takeSchema = z.object({
  id,
  shotId: id,
  /** The generation job that made it (null for an imported clip or a take recorded before takes existed). */
  jobId: z.number().int().nullable(),
  status: z.enum(['conforming', 'ready', 'failed']),
  chosen: z.boolean(),
  prompt: z.string(),
  seed: z.number().nullable(),
  backend: z.string().nullable(),
  ...clipMediaFields,
  error: z.string().nullable(),
  createdAt: z.number()
})
export type TakeDto = z.infer<typeof takeSchema>

export const playlistItemSchema = z.object({
  itemId: id,
  position: z.number().int().nonnegative(),
  shotId: id,
  status: shotStatusSchema,
  approved: z.boolean(),
  durationMs: z.number().int().nullable(),
  mp4Path: z.string().nullable(),
  tsPath: z.string().nullable(),
  posterPath: z.string().nullable(),
  prompt: z.string()
})

export const playlistSchema = z.object({
  channelId: id,
  /** Grows by one on every edit of this channel's playlist or of a shot in it. */
  revision: z.number().int(),
  items: z.array(playlistItemSchema)
})
export type PlaylistDto = z.infer<typeof playlistSchema>

/** The most items one playlist page carries. */
export const PLAYLIST_PAGE_MAX = 2000
/** Items a reorder answers with: the caller sent the whole order, so it needs the revision and a head to check, not 30,000 items back. */
export const PLAYLIST_EDIT_WINDOW = 200

export const playlistPageSchema = z.object({
  channelId: id,
  revision: z.number().int(),
  /** Items in the whole playlist, and their summed length (ms). */
  total: z.number().int().nonnegative(),
  totalDurationMs: z.number().int().nonnegative(),
  /** Air position of the first item of `items`. */
  offset: z.number().int().nonnegative(),
  items: z.array(playlistItemSchema)
})
export type PlaylistPageDto = z.infer<typeof playlistPageSchema>

const formatPatch = houseFormatSchema.partial().strict()

/** A change to a channel's look; ranges are checked (with plain messages) in main, which also reads the logo file. */
export const lookPatchSchema = z
  .object({
    loudnessTargetLufs: z.number().optional(),
    /** null removes the logo; `path` (a file on the studio's machine) imports a new PNG. */
    logo: z
      .object({
        path: z.string().min(1).max(4096).optional(),
        position: cornerSchema.optional(),
        size: z.number().optional(),
        margin: z.number().optional(),
        opacity: z.number().optional()
      })
      .strict()
      .nullable()
      .optional(),
    aiLabel: z
      .object({
        enabled: z.boolean().optional(),
        text: z.string().max(200).optional(),
        position: cornerSchema.optional()
      })
      .strict()
      .optional(),
    lowerThird: z
      .object({
        enabled: z.boolean().optional(),
        source: z.enum(['title', 'prompt']).optional(),
        seconds: z.number().optional()
      })
      .strict()
      .optional(),
    dipSeconds: z.number().optional(),
    /** Captions of narrated shots: off, or burned in at conform. */
    captions: z.enum(['off', 'burned', 'subtitles']).optional(),
    /** Mix levels at conform, dB (each optional). */
    mix: z
      .object({
        speechDb: z.number().optional(),
        modelDb: z.number().optional(),
        effectDb: z.number().optional(),
        musicDb: z.number().optional()
      })
      .strict()
      .optional()
  })
  .strict()
export type LookPatchDto = z.infer<typeof lookPatchSchema>
const maxClipSeconds = z.number().min(1).max(3600)

const importResultSchema = z.discriminatedUnion('ok', [
  z.object({ path: z.string(), ok: z.literal(true), shot: shotSchema, duplicate: z.boolean() }),
  z.object({ path: z.string(), ok: z.literal(false), error: z.string() })
])

export const libraryCalls = {
  'library.channels.list': call(
    z.object({}).strict(),
    z.object({ channels: z.array(channelSchema) }),
    'Every channel, by name.'
  ),
  'library.channels.get': call(
    z
      .object({ id: id.optional(), name: z.string().transform(normalizeName).optional() })
      .strict()
      .refine((v) => v.id !== undefined || v.name !== undefined, 'give a channel id or name'),
    channelSchema,
    'One channel, by id or name.'
  ),
  'library.channels.create': call(
    z
      .object({
        name: channelName,
        theme: z.string().max(4000).optional(),
        style: z.string().max(4000).optional(),
        format: formatPatch.optional(),
        reviewPolicy: reviewPolicySchema.optional(),
        maxClipSeconds: maxClipSeconds.optional()
      })
      .strict(),
    channelSchema,
    'Create a channel with its house format (defaults: 1024x576, 24 fps).'
  ),
  'library.channels.update': call(
    z
      .object({
        id,
        name: channelName.optional(),
        theme: z.string().max(4000).optional(),
        style: z.string().max(4000).optional(),
        format: formatPatch.optional(),
        reviewPolicy: reviewPolicySchema.optional(),
        maxClipSeconds: maxClipSeconds.optional(),
        look: lookPatchSchema.optional(),
        /** Redo every shot with the current look even if nothing changed. */
        reconform: z.boolean().optional()
      })
      .strict(),
    z.object({ channel: channelSchema, reconforming: z.number().int() }),
    "Edit a channel; a new format re-conforms the channel's shots in the background."
  ),
  'library.channels.previewLook': call(
    z.object({ id, look: lookPatchSchema.optional() }).strict(),
    z.object({ path: z.string().nullable(), shotId: z.number().int().nullable(), message: z.string() }),
    "One frame of a real shot of the channel as it will air with its look (or with `look` applied, not saved): a PNG path in the data folder's media."
  ),
  'library.channels.delete': call(
    z.object({ id }).strict(),
    z.object({ id, trashedFiles: z.number().int() }),
    'Delete a channel, its shots and playlist (refused while it is on air).'
  ),
  'library.shots.list': call(
    z
      .object({
        channelId: id,
        status: shotStatusSchema.optional(),
        approved: z.boolean().optional(),
        /** Only shots whose media is missing (true) or present (false). */
        missing: z.boolean().optional(),
        /**
         * Full text over prompts: every word must match as a whole, stemmed word ("whales" finds "whale"); the
         * last word also as a prefix while typed (3+ characters, no trailing space). A trailing space ends it.
         */
        search: z.string().max(500).optional(),
        limit: z.number().int().min(1).max(500).default(50),
        offset: z.number().int().min(0).default(0),
        /** Keyset paging: the page of shots older than this shot id (offset is then ignored); constant cost at any depth. */
        beforeId: id.optional()
      })
      .strict(),
    z.object({
      shots: z.array(shotSchema),
      total: z.number().int(),
      /** A search counts its matches up to a cap: true when there are more than `total`. */
      totalCapped: z.boolean()
    }),
    "A page of a channel's shots, newest first; search is full text over prompts (its total capped at 1,000)."
  ),
  'library.shots.get': call(z.object({ id }).strict(), shotSchema, 'One shot.'),
  'library.shots.update': call(
    z.object({ id, prompt: z.string().max(4000).optional(), approved: z.boolean().optional() }).strict(),
    shotSchema,
    "Edit a shot's prompt or approve / unapprove it."
  ),
  'library.shots.delete': call(
    z.object({ ids: z.array(id).min(1).max(1000) }).strict(),
    z.object({ deleted: z.number().int(), trashedFiles: z.number().int() }),
    'Delete shots: their media moves to the trash folder and they leave every playlist.'
  ),
  'library.takes.list': call(
    z.object({ shotId: id }).strict(),
    z.object({ shotId: id, takes: z.array(takeSchema) }),
    "A shot's takes, oldest first; the chosen one is what airs."
  ),
  'library.takes.choose': call(
    z.object({ takeId: id }).strict(),
    shotSchema,
    "Use a take: the shot's media, seed, backend and prompt become the take's (on air from the next clip boundary)."
  ),
  'library.import': call(
    z
      .object({
        channelId: id.optional(),
        channel: z.string().optional(),
        paths: z.array(z.string().min(1)).min(1, 'give at least one file').max(500),
        approved: z.boolean().optional(),
        /** The clip's title (its prompt field); the file's name when absent. Only with one file. */
        title: z.string().trim().min(1).max(4000).optional(),
        /** Chosen by the caller so it can match the progress events of THIS import (made up when absent). */
        requestId: z.string().min(1).max(100).optional()
      })
      .strict()
      .refine((v) => v.channelId !== undefined || v.channel !== undefined, 'give a channelId or a channel name')
      .refine(
        (v) => v.title === undefined || v.paths.length === 1,
        'a title names one file: import the files one by one'
      ),
    z.object({ results: z.array(importResultSchema), requestId: z.string() }),
    'Import video files into a channel, conformed to its house format; one result per file.'
  ),
  'library.playlist.get': call(z.object({ channelId: id }).strict(), playlistSchema, "A channel's playlist, in order."),
  'library.playlist.page': call(
    z
      .object({
        channelId: id,
        offset: z.number().int().min(0),
        limit: z.number().int().min(1).max(PLAYLIST_PAGE_MAX)
      })
      .strict(),
    playlistPageSchema,
    "A window of a channel's playlist in order, with the whole playlist's count, length and revision: a long timeline draws its first screen without waiting for all of it."
  ),
  'library.playlist.sequences': call(
    z
      .object({
        channelId: id,
        /** The items asked about (what is on air now and next). */
        itemIds: z.array(id).min(1).max(50)
      })
      .strict(),
    z.object({
      items: z.array(z.object({ itemId: id, sequenceId: id, title: z.string(), synopsis: z.string() }))
    }),
    'The titled show sequence each of these playlist items belongs to (items of none are left out): what now/next shows.'
  ),
  'library.playlist.add': call(
    z
      .object({
        channelId: id,
        shotIds: z.array(id).min(1).max(1000),
        atPosition: z.number().int().min(0).optional()
      })
      .strict(),
    playlistSchema,
    'Add shots to a playlist (at the end, or before the item at atPosition).'
  ),
  'library.playlist.move': call(
    z.object({ itemId: id, toPosition: z.number().int().min(0) }).strict(),
    playlistSchema,
    'Move one playlist item to a new position.'
  ),
  'library.playlist.reorder': call(
    z
      .object({
        channelId: id,
        /** Every item of the channel's playlist, each once, in the new order. */
        itemIds: z.array(id).min(1).max(100_000)
      })
      .strict(),
    playlistPageSchema,
    "Put the playlist in a new order in one edit: all of it moves, or (if the list does not match the playlist) nothing does; the revision grows by one. Answers with the first items of the new order (at most PLAYLIST_EDIT_WINDOW) and the whole playlist's count, length and revision."
  ),
  'library.playlist.remove': call(
    z.object({ itemIds: z.array(id).min(1).max(1000) }).strict(),
    playlistSchema,
    'Remove items from a playlist (the shots stay in the library).'
  )
}

export const libraryEvents = {
  'library.changed': z.object({
    channelId: z.number().int().nullable(),
    what: z.enum(['shots', 'playlist', 'channels']),
    /**
     * The channel's playlist revision once the change was committed (shots and playlist changes of
     * one channel): a timeline already at this revision shows the change and need not reload.
     */
    revision: z.number().int().optional()
  }),
  'library.importProgress': z.object({
    /** The library.import call this belongs to (its requestId). */
    requestId: z.string(),
    file: z.string(),
    index: z.number().int(),
    count: z.number().int(),
    percent: z.number(),
    step: z.string(),
    shotId: z.number().int().optional()
  }),
  /** The background check of every ready shot's media (started with a long-running studio), batch by batch. */
  'library.mediaCheck': z.object({
    checked: z.number().int(),
    total: z.number().int(),
    /** Shots found missing so far in this pass. */
    missing: z.number().int(),
    done: z.boolean()
  })
}
