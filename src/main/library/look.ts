import { DEFAULT_MIX_LEVELS } from '../sound/mix'
import { captionsOf, type ShotSound } from '../show/sound'
/**
 * A channel's look (loudness, logo, AI label, lower third, dips): validating a
 * change, importing the logo into the data folder, and resolving the look for
 * one clip. The burn-in itself is media/graphics.ts and media/loudness.ts.
 */
import { createHash, randomBytes } from 'node:crypto'
import { IMAGE_MAX_SIDE, readImageHeader } from '../media/image-header'
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { StudioError } from '../../shared/contract/define'
import { channelLookSchema, DEFAULT_CHANNEL_LOOK, type ChannelLook, type Corner } from '../../shared/channel-look'
import type { ClipLook } from '../media/conform'
import { findFont, lookStillArgs } from '../media/graphics'
import { checkTarget } from '../media/loudness'
import { probe } from '../media/probe'
import { runFfmpeg } from '../media/ffmpeg-runner'

/** A change to a channel's look, as the contract carries it (every field optional). */
export interface LookPatch {
  loudnessTargetLufs?: number | undefined
  /** null removes the logo; `path` imports a new image. */
  logo?:
    | {
        path?: string | undefined
        position?: Corner | undefined
        size?: number | undefined
        margin?: number | undefined
        opacity?: number | undefined
      }
    | null
    | undefined
  aiLabel?: { enabled?: boolean | undefined; text?: string | undefined; position?: Corner | undefined } | undefined
  lowerThird?:
    { enabled?: boolean | undefined; source?: 'title' | 'prompt' | undefined; seconds?: number | undefined } | undefined
  dipSeconds?: number | undefined
  captions?: 'off' | 'burned' | 'subtitles' | undefined
  mix?:
    | {
        speechDb?: number | undefined
        modelDb?: number | undefined
        effectDb?: number | undefined
        musicDb?: number | undefined
      }
    | undefined
}

export const LOGO_MAX_BYTES = 4 * 1024 * 1024
export const LOGO_MAX_SIDE = IMAGE_MAX_SIDE
const LOGO_DEFAULTS = { position: 'top-right' as Corner, size: 0.12, margin: 0.04, opacity: 0.85 }
/** Pixel formats ffprobe reports for PNGs that carry transparency. */
const ALPHA_FORMATS = /^(rgba|rgba64|ya8|ya16|pal8|bgra|argb|abgr)/

/** The stored look (null = the defaults), completed with defaults for fields added later. */
export function lookFromJson(json: string | null): ChannelLook {
  if (!json) return DEFAULT_CHANNEL_LOOK
  const stored = JSON.parse(json) as Partial<ChannelLook>
  const merged = { ...DEFAULT_CHANNEL_LOOK, ...stored }
  const parsed = channelLookSchema.safeParse(merged)
  return parsed.success ? parsed.data : DEFAULT_CHANNEL_LOOK
}

function invalid(field: string, message: string): StudioError {
  return new StudioError('invalid_input', message, field)
}

/**
 * Check a logo the user picked and copy it into the data folder under its
 * content hash (temp name, then rename). Returns its data-folder-relative path.
 * Refuses (naming the problem and the fix) anything that is not a PNG with
 * transparency of a sensible size.
 */
export async function importLogo(dataDir: string, file: string): Promise<string> {
  const field = 'look.logo.path'
  if (!existsSync(file) || !statSync(file).isFile()) throw invalid(field, `The logo file ${file} does not exist.`)
  const size = statSync(file).size
  if (size === 0) throw invalid(field, `The logo file ${basename(file)} is empty.`)
  if (size > LOGO_MAX_BYTES) {
    throw invalid(
      field,
      `The logo ${basename(file)} is ${(size / 1048576).toFixed(1)} MB; keep it under ${LOGO_MAX_BYTES / 1048576} MB (a few hundred pixels wide is plenty).`
    )
  }
  const head = readFileSync(file).subarray(0, 8)
  if (!head.equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    throw invalid(
      field,
      `The logo ${basename(file)} is not a PNG image. Export it as a PNG with a transparent background.`
    )
  }
  // From the header, before anything decodes it: a small PNG may declare a gigabyte of pixels.
  const header = readImageHeader(file)
  if (!header)
    throw invalid(
      field,
      `The logo ${basename(file)} could not be read as an image; it may be damaged. Export it again as PNG.`
    )
  if (header.width > LOGO_MAX_SIDE || header.height > LOGO_MAX_SIDE || header.width === 0 || header.height === 0)
    throw invalid(
      field,
      `The logo ${basename(file)} is ${header.width}x${header.height}; keep it within ${LOGO_MAX_SIDE}x${LOGO_MAX_SIDE} pixels (a few hundred pixels wide is plenty).`
    )
  let info
  try {
    info = await probe(file)
  } catch {
    throw invalid(
      field,
      `The logo ${basename(file)} could not be read as an image; it may be damaged. Export it again as PNG.`
    )
  }
  const v = info.video
  try {
    // The header can be fine while the pixels are not: decode it once.
    await runFfmpeg([
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'error',
      '-xerror',
      '-i',
      file,
      '-frames:v',
      '1',
      '-f',
      'null',
      '-'
    ])
  } catch {
    throw invalid(
      field,
      `The logo ${basename(file)} could not be read as an image; it may be damaged. Export it again as PNG.`
    )
  }
  if (!v || v.codec !== 'png')
    throw invalid(
      field,
      `The logo ${basename(file)} is not a PNG image. Export it as a PNG with a transparent background.`
    )
  if (v.width > LOGO_MAX_SIDE || v.height > LOGO_MAX_SIDE) {
    throw invalid(field, `The logo is ${v.width}x${v.height}; keep it within ${LOGO_MAX_SIDE}x${LOGO_MAX_SIDE} pixels.`)
  }
  if (!v.pixFmt || !ALPHA_FORMATS.test(v.pixFmt)) {
    throw invalid(
      field,
      `The logo ${basename(file)} has no transparency (${v.pixFmt ?? 'unknown'} pixels): it would air as an opaque rectangle. Export it as a PNG with an alpha channel (transparent background).`
    )
  }
  const hash = createHash('sha256').update(readFileSync(file)).digest('hex')
  const rel = `looks/${hash}.png`
  const target = join(dataDir, 'looks', `${hash}.png`)
  if (!existsSync(target)) {
    mkdirSync(join(dataDir, 'looks'), { recursive: true })
    const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.part`
    copyFileSync(file, tmp)
    renameSync(tmp, target)
  }
  return rel
}

/**
 * Apply a patch to the current look: validate everything first (nothing is
 * stored on a refusal), import a new logo. Returns the complete new look.
 */
export async function applyLookPatch(dataDir: string, current: ChannelLook, patch: LookPatch): Promise<ChannelLook> {
  const next: ChannelLook = structuredClone(current)
  if (patch.loudnessTargetLufs !== undefined) {
    const problem = checkTarget(patch.loudnessTargetLufs)
    if (problem) throw invalid('look.loudnessTargetLufs', problem.charAt(0).toUpperCase() + problem.slice(1) + '.')
    next.loudness.targetLufs = patch.loudnessTargetLufs
  }
  if (patch.logo === null) next.logo = null
  else if (patch.logo !== undefined) {
    const { path, ...placement } = patch.logo
    const defined = Object.fromEntries(Object.entries(placement).filter(([, v]) => v !== undefined))
    if (!path && !next.logo)
      throw invalid(
        'look.logo.path',
        'The channel has no logo yet: give the image file (a PNG with a transparent background).'
      )
    // The file is imported only once everything else is known to be valid (a refusal copies nothing).
    next.logo = {
      ...LOGO_DEFAULTS,
      ...(next.logo ?? {}),
      ...defined,
      file: path ? 'looks/pending.png' : next.logo!.file
    }
  }
  if (patch.aiLabel)
    next.aiLabel = {
      ...next.aiLabel,
      ...Object.fromEntries(Object.entries(patch.aiLabel).filter(([, v]) => v !== undefined))
    }
  if (patch.lowerThird)
    next.lowerThird = {
      ...next.lowerThird,
      ...Object.fromEntries(Object.entries(patch.lowerThird).filter(([, v]) => v !== undefined))
    }
  if (patch.dipSeconds !== undefined) next.dipSeconds = patch.dipSeconds
  if (patch.captions !== undefined) next.captions = patch.captions
  if (patch.mix)
    next.mix = {
      ...DEFAULT_MIX_LEVELS,
      ...(next.mix ?? {}),
      ...Object.fromEntries(Object.entries(patch.mix).filter(([, v]) => v !== undefined))
    }
  const parsed = channelLookSchema.safeParse(next)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const field = `look.${issue.path.map(String).join('.')}`
    throw invalid(field, `${field}: ${issue.message}`)
  }
  const path = patch.logo?.path
  if (path && parsed.data.logo) parsed.data.logo.file = await importLogo(dataDir, path)
  return parsed.data
}

/** What a clip says about itself that the look may show. */
export interface ClipFacts {
  /** null for a clip the user imported (their own footage: no "AI-generated" label). */
  backend: string | null
  prompt: string
  title?: string | undefined
  /** The shot's line, narration and music (show/sound.ts): mixed, captioned and keyed into the media. */
  sound?: ShotSound | null | undefined
}

/** A shot's title: its own, else the first sentence of its prompt, kept short. */
export function shotTitle(facts: ClipFacts): string {
  const base = facts.title?.trim() || facts.prompt.split(/(?<=[.!?])\s/)[0]?.trim() || ''
  return base.length > 70 ? `${base.slice(0, 67).trimEnd()}…` : base
}

/** The look for one clip, with files resolved against the data folder. */
export function clipLook(look: ChannelLook, dataDir: string, facts: ClipFacts): ClipLook {
  const generated = facts.backend !== null
  const lowerText = look.lowerThird.source === 'title' ? shotTitle(facts) : facts.prompt.trim().slice(0, 140)
  return {
    loudness: { integratedLufs: look.loudness.targetLufs, truePeakDb: look.loudness.truePeakDb },
    logo: look.logo ? { ...look.logo, file: join(dataDir, ...look.logo.file.split('/')) } : undefined,
    label: look.aiLabel.enabled && generated ? { text: look.aiLabel.text, position: look.aiLabel.position } : undefined,
    lowerThird:
      look.lowerThird.enabled && lowerText ? { text: lowerText, seconds: look.lowerThird.seconds } : undefined,
    dipSeconds: look.dipSeconds,
    captions: captionsOf(facts.sound ?? null, look)
  }
}

/** What the media key depends on: the clip's look with files named by content, not location. */
export function clipLookKey(look: ChannelLook, facts: ClipFacts): string {
  const c = clipLook({ ...look, logo: look.logo }, '', facts)
  // The narration and music files are named by content (voice/<sha>.wav), so their names key the media.
  return JSON.stringify({ ...c, logo: look.logo ?? null, sound: facts.sound ?? null, mix: look.mix ?? null })
}

/** What `renderLookPreview` made: a PNG in the data folder (served as media), from which shot. */
export interface LookPreview {
  /** Data-folder-relative PNG path, or null when the channel has no shot to show yet. */
  path: string | null
  shotId: number | null
  message: string
}

interface PreviewSourceRow {
  id: number
  original_path: string | null
  backend: string | null
  prompt: string
  extra_json: string | null
}

/**
 * One frame of a real shot of the channel with `look`'s graphics, as it will air
 * (the untouched original, so nothing is burned in twice). Prefers a generated
 * shot, so the AI label shows. Written under media/previews/ by content, temp + rename.
 */
export async function renderLookPreview(
  db: { prepare(sql: string): { get(...args: unknown[]): unknown } },
  dataDir: string,
  channel: { id: number; format: { width: number; height: number } },
  look: ChannelLook,
  signal?: AbortSignal
): Promise<LookPreview> {
  const row = db
    .prepare(
      `SELECT id, original_path, backend, prompt, extra_json FROM shots WHERE channel_id = ? AND status IN ('ready', 'queued') AND original_path IS NOT NULL
       ORDER BY (backend IS NULL), id DESC LIMIT 1`
    )
    .get(channel.id) as PreviewSourceRow | undefined
  const source = row?.original_path ? join(dataDir, ...row.original_path.split('/')) : null
  if (!row || !source || !existsSync(source)) {
    return {
      path: null,
      shotId: null,
      message: 'No shot to preview yet: import or generate one, then the preview shows it with the look.'
    }
  }
  const info = await probe(source, signal)
  const v = info.video
  if (!v) return { path: null, shotId: row.id, message: `Shot ${row.id} has no picture to preview.` }
  const extra = row.extra_json ? (JSON.parse(row.extra_json) as Record<string, unknown>) : null
  const facts: ClipFacts = {
    backend: row.backend,
    prompt: row.prompt,
    title: typeof extra?.title === 'string' ? extra.title : undefined
  }
  const clip = clipLook(look, dataDir, facts)
  const duration = v.durationSec ?? info.formatDurationSec ?? 1
  const at = Math.min(1, duration / 2)
  const key = createHash('sha256')
    .update(
      JSON.stringify([row.original_path, channel.format.width, channel.format.height, clipLookKey(look, facts), at])
    )
    .digest('hex')
    .slice(0, 32)
  const rel = `media/previews/${channel.id}-${key}.png`
  const out = join(dataDir, ...rel.split('/'))
  if (existsSync(out)) return { path: rel, shotId: row.id, message: `Shot ${row.id} as it will air.` }
  mkdirSync(join(out, '..'), { recursive: true })
  const tmpDir = join(dataDir, 'tmp', `${process.pid}-preview-${randomBytes(4).toString('hex')}`)
  mkdirSync(tmpDir, { recursive: true })
  try {
    const text = (name: string, value: string): string => {
      const f = join(tmpDir, name)
      writeFileSync(f, value.replace(/[\r\n\t]+/g, ' ').trim(), 'utf8')
      return f
    }
    const font = clip.label || clip.lowerThird ? findFont() : null
    const tmpOut = join(tmpDir, 'still.png')
    await runFfmpeg(
      lookStillArgs(
        source,
        tmpOut,
        channel.format,
        { width: v.displayWidth, height: v.displayHeight },
        at,
        {
          logo: clip.logo ? { ...clip.logo, inputIndex: 1 } : undefined,
          label: clip.label
            ? { textFile: text('label.txt', clip.label.text), position: clip.label.position }
            : undefined,
          lowerThird: clip.lowerThird
            ? { textFile: text('lower.txt', clip.lowerThird.text), seconds: clip.lowerThird.seconds }
            : undefined,
          fontFile: font
        },
        clip.logo?.file
      ),
      { signal, lowPriority: true }
    )
    renameSync(tmpOut, out)
  } finally {
    rmSync(tmpDir, { recursive: true, force: true })
  }
  return { path: rel, shotId: row.id, message: `Shot ${row.id} as it will air.` }
}
