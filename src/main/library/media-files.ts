import { clipSoundOf } from '../show/sound'
import { createHash, randomBytes } from 'node:crypto'
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { extname, join } from 'node:path'
import type { HouseFormat } from '../../shared/house-format'
import { conform, type ConformProgress } from '../media/conform'
import type { ConformTap } from '../media/conform-args'
import { DEFAULT_TUNING, tuningKey } from '../media/house-encoder'
import { clipLook, clipLookKey, type ClipFacts } from './look'
import { loudnessJson } from './rows'
import type { ProbeInfo } from '../media/probe'
import { sha256File, type Channel } from './rows'
import type { LibraryStore } from './store'

/** Bump when conformArgs changes what it produces, so media made by the old recipe is not reused. */
const CONFORM_RECIPE = 'conform-3'

/**
 * The data folder's media: originals kept by content hash, conformed clips named by
 * what determines them (source bytes, house format, recipe) so identical work is reused.
 */
export class MediaFiles {
  constructor(private readonly store: LibraryStore) {}

  /** Copy the untouched source into originals/ by hash (temp name, then rename) so a format change can redo the conform. */
  keepOriginal(sourcePath: string, hash: string): string {
    const ext = extname(sourcePath)
      .toLowerCase()
      .replace(/[^.a-z0-9]/g, '')
      .slice(0, 8)
    const rel = `originals/${hash.slice(0, 2)}/${hash}${ext}`
    const target = this.store.abs(rel)
    if (existsSync(target)) return rel
    mkdirSync(join(target, '..'), { recursive: true })
    const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.part`
    copyFileSync(sourcePath, tmp)
    renameSync(tmp, target)
    return rel
  }

  private tempDir(): string {
    const dir = join(this.store.dataDir, 'tmp', `${process.pid}-${randomBytes(6).toString('hex')}`)
    mkdirSync(dir, { recursive: true })
    return dir
  }

  /**
   * Media is named by what determines it: the source bytes, the house format and
   * the conform recipe (x264 output is not byte-reproducible across runs, so the
   * output's own hash would not find an earlier identical conversion).
   */
  private mediaKey(inputHash: string, format: HouseFormat, lookKey: string): string {
    const canonical = JSON.stringify(format, Object.keys(format).sort())
    const recipe = `${CONFORM_RECIPE}:${tuningKey(this.store.options.tuning ?? DEFAULT_TUNING)}`
    return createHash('sha256').update(`${inputHash}\n${canonical}\n${recipe}\n${lookKey}`).digest('hex')
  }

  /**
   * Conform `input` into temp files and move them into media/ under their key
   * (source bytes + format + recipe); reused without running ffmpeg when they
   * are already there. Nothing in the database changes here.
   */
  async produceMedia(
    input: string,
    channel: Channel,
    signal: AbortSignal | undefined,
    onProgress: (p: ConformProgress) => void,
    inputHash: string | undefined,
    /** What the channel's look may show of this clip (generated or not, prompt, title). */
    facts: ClipFacts,
    /** The caller's probe of `input`: conform then does not probe it again. */
    probeInfo?: ProbeInfo,
    /** More work for the conform's ffmpeg (the gate's measuring pass); not run when the media is reused. */
    tap?: ConformTap
  ): Promise<{
    mediaHash: string
    finals: { mp4: string; ts: string; poster: string; strip: string }
    durationMs: number
    /** loudness_json to store with the row. */
    loudness: string | null
  }> {
    const mediaHash = this.mediaKey(
      inputHash ?? (await sha256File(input, signal)),
      channel.format,
      clipLookKey(channel.look, facts)
    )
    const base = `media/${mediaHash.slice(0, 2)}/${mediaHash}`
    const finals = { mp4: `${base}.mp4`, ts: `${base}.ts`, poster: `${base}.jpg`, strip: `${base}.strip.jpg` }
    const known = this.store.db
      .prepare(
        `SELECT duration_ms, loudness_json FROM shots WHERE media_hash = @h AND status IN ('ready', 'queued') AND duration_ms IS NOT NULL
         UNION ALL SELECT duration_ms, loudness_json FROM takes WHERE media_hash = @h AND status = 'ready' AND duration_ms IS NOT NULL LIMIT 1`
      )
      .get({ h: mediaHash }) as { duration_ms: number; loudness_json: string | null } | undefined
    const allThere = Object.values(finals).every(
      (p) => existsSync(this.store.abs(p)) && statSync(this.store.abs(p)).size > 0
    )
    if (known && allThere) {
      onProgress({ percent: 100, step: 'done' })
      return { mediaHash, finals, durationMs: known.duration_ms, loudness: known.loudness_json }
    }
    const tmp = this.tempDir()
    try {
      const targets = {
        mp4: join(tmp, 'clip.mp4'),
        ts: join(tmp, 'clip.ts'),
        poster: join(tmp, 'poster.jpg'),
        strip: join(tmp, 'strip.jpg')
      }
      const result = await conform(input, targets, channel.format, {
        signal,
        onProgress,
        ...(probeInfo ? { probeInfo } : {}),
        limits: { minSeconds: 0.5, maxSeconds: channel.maxClipSeconds },
        look: clipLook(channel.look, this.store.dataDir, facts),
        sound: clipSoundOf(facts.sound ?? null, this.store.dataDir, channel.look) ?? undefined,
        ...(this.store.options.tuning ? { tuning: this.store.options.tuning } : {}),
        tap
      })
      mkdirSync(this.store.abs(`media/${mediaHash.slice(0, 2)}`), { recursive: true })
      // rename() replaces atomically: a reader holding an older copy keeps reading it.
      for (const key of ['ts', 'poster', 'strip', 'mp4'] as const) renameSync(targets[key], this.store.abs(finals[key]))
      return { mediaHash, finals, durationMs: result.durationMs, loudness: loudnessJson(result.loudness) }
    } finally {
      rmSync(tmp, { recursive: true, force: true })
    }
  }
}
