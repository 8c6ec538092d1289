import { z } from 'zod'
import { call } from './define'
import { bibleSchema, plannedShotSchema } from '../show-plan'

/**
 * The show plan of a channel: its bible (setting, characters with fixed looks and
 * voices, style, narrator) and planned sequences of shots, written from a theme by
 * the offline template or the channel's LLM, edited by people, undoable; a planned
 * sequence is produced into generation jobs whose prompts are built from the bible.
 */
const id = z.number().int().positive()

export const storedSequenceSchema = z.object({
  id,
  position: z.number().int(),
  title: z.string(),
  synopsis: z.string(),
  shots: z.array(plannedShotSchema),
  sequenceId: id.nullable()
})

export const showSchema = z.object({
  channelId: id,
  bible: bibleSchema.nullable(),
  sequences: z.array(storedSequenceSchema)
})
export type ShowDto = z.infer<typeof showSchema>

/** The studio's voice: which provider speaks the lines, and its server (the key masked). */
export const voiceSettingsSchema = z.object({
  provider: z.enum(['os', 'openai', 'hf', 'fal']),
  /** The OS voice's name here (espeak-ng, say, Windows speech) and what it lacks, if anything. */
  osLabel: z.string(),
  osMissing: z.string().nullable(),
  baseUrl: z.string(),
  model: z.string(),
  /** Used where a character or the narrator has no voice of its own; '' = the provider's default. */
  voice: z.string(),
  rate: z.number(),
  apiKey: z.string().nullable(),
  /** The hosted voice's gateway (in place of huggingface.co / fal), '' for none, and whether the token/key goes there. */
  gateway: z.string(),
  keyToGateway: z.boolean()
})
export type VoiceSettingsDto = z.infer<typeof voiceSettingsSchema>

/** The studio's sound effects: which provider makes them from a shot's cue (offline synth, HF, fal, off). */
export const effectSettingsSchema = z.object({
  provider: z.enum(['offline', 'hf', 'fal', 'comfyui', 'off']),
  /** The HF model id or the fal endpoint; '' for the offline synth. */
  model: z.string(),
  label: z.string(),
  /** What the chosen provider lacks here (a model, the HF token, the fal key), or null. */
  missing: z.string().nullable(),
  /** The hosted effects' gateway (in place of huggingface.co / fal), '' for none, and whether the token/key goes there. */
  gateway: z.string(),
  keyToGateway: z.boolean()
})
export type EffectSettingsDto = z.infer<typeof effectSettingsSchema>

/** Longest effect cue (the plan's limit too). */
export const EFFECT_CUE_MAX_CHARS = 120

/** Longest sample line the "Test voice" button may speak. */
export const VOICE_TEST_MAX_CHARS = 200

export const showCalls = {
  'show.voice.get': call(z.object({}).strict(), voiceSettingsSchema, 'The voice settings (key masked).'),
  'show.voice.set': call(
    z
      .object({
        provider: z.enum(['os', 'openai', 'hf', 'fal']).optional(),
        baseUrl: z.string().trim().max(500).optional(),
        model: z.string().trim().max(200).optional(),
        voice: z.string().trim().max(60).optional(),
        rate: z.number().min(0.5).max(2).optional(),
        /** Write-only; "" removes it. */
        apiKey: z.string().max(500).optional(),
        /** A gateway for the hf and fal voices; "" removes it. */
        gateway: z.string().trim().max(500).optional(),
        keyToGateway: z.boolean().optional()
      })
      .strict(),
    voiceSettingsSchema,
    'Choose the voice: the OS voice (offline) or an OpenAI-compatible speech server (base URL, model, key, voice).'
  ),
  'show.voice.test': call(
    z
      .object({
        text: z.string().trim().min(1).max(VOICE_TEST_MAX_CHARS).optional(),
        /** Default: the settings' voice. */
        voice: z.string().trim().max(60).optional()
      })
      .strict(),
    z.object({ audio: z.string(), seconds: z.number(), bytes: z.number().int(), provider: z.string() }),
    'Speak a sample line with the current voice settings; returns a short WAV as a data URL.'
  ),

  'show.effects.get': call(z.object({}).strict(), effectSettingsSchema, 'The sound-effect settings.'),
  'show.effects.set': call(
    z
      .object({
        provider: z.enum(['offline', 'hf', 'fal', 'comfyui', 'off']).optional(),
        /** The HF text-to-audio model id or the fal endpoint, for the provider chosen. */
        model: z.string().trim().max(200).optional(),
        /** A gateway for the hf and fal effects; "" removes it. */
        gateway: z.string().trim().max(500).optional(),
        keyToGateway: z.boolean().optional()
      })
      .strict(),
    effectSettingsSchema,
    "Choose what makes a shot's sound effect from its cue: the offline synth (default), Hugging Face or fal text-to-audio (the backends' token/key), or off."
  ),
  'show.effects.test': call(
    z
      .object({
        /** Default: "rain on a tin roof". */
        cue: z.string().trim().min(1).max(EFFECT_CUE_MAX_CHARS).optional(),
        seconds: z.number().min(1).max(10).optional()
      })
      .strict(),
    z.object({
      audio: z.string(),
      seconds: z.number(),
      bytes: z.number().int(),
      provider: z.string(),
      cue: z.string()
    }),
    'Make a short sound effect with the current effect settings (nothing kept); returns a WAV as a data URL.'
  ),

  'show.get': call(z.object({ channelId: id }).strict(), showSchema, "A channel's show plan: bible and sequences."),
  'show.write': call(
    z
      .object({
        channelId: id,
        /** Default: the channel's theme. */
        theme: z.string().trim().max(2000).optional(),
        sequences: z.number().int().min(1).max(20).default(1),
        shotsPerSequence: z.number().int().min(1).max(30).default(4),
        writer: z.enum(['template', 'llm']).default('template'),
        /** Keep the channel's bible and write new sequences with it. */
        keepBible: z.boolean().default(false)
      })
      .strict(),
    showSchema.extend({ writer: z.string(), tokens: z.number().int().nonnegative() }),
    "Write a show plan from a theme (replacing the channel's plan; undoable)."
  ),
  'show.bible.set': call(
    z.object({ channelId: id, bible: bibleSchema }).strict(),
    showSchema,
    "Replace the channel's bible."
  ),
  'show.sequence.update': call(
    z
      .object({
        channelId: id,
        id,
        title: z.string().max(120).optional(),
        synopsis: z.string().max(600).optional(),
        shots: z.array(plannedShotSchema).min(1).max(60).optional()
      })
      .strict(),
    showSchema,
    'Edit a planned sequence: title, synopsis, shots (action, characters, line, effect, seconds).'
  ),
  'show.produce': call(
    z.object({ channelId: id, id }).strict(),
    z.object({
      sequenceId: id,
      shotIds: z.array(id),
      jobIds: z.array(id),
      narrated: z.number().int(),
      voiceWarning: z.string().nullable(),
      /** Shots given a sound effect from their cue, and why any cue stays silent. */
      effects: z.number().int(),
      effectWarning: z.string().nullable()
    }),
    'Generate a planned sequence: prompts built from the bible, lines spoken by the channel voice, effects made from the cues, captions and mix at conform.'
  )
}
