import { StudioError } from '../../shared/contract/define'
import { checkClip, probe } from '../media/probe'
import {
  notFound,
  sha256File,
  takeFromRow,
  type GateInput,
  type GateTap,
  type GateTapInput,
  type IngestOptions,
  type Shot,
  type Take,
  type TakeMeta,
  type TakeRow,
  shotTitleOf
} from './rows'
import type { ClipFacts } from './look'
import type { LibraryStore } from './store'
import type { MediaFiles } from './media-files'
import type { MediaTrash } from './trash'
import { parseShotSound } from '../show/sound'
import type { Cue } from '../voice/narrate'

/** The caption cues a shot's line gives its takes (JSON for takes.cues_json), or null when it speaks none. */
function cuesJsonOf(row: { sound_json?: string | null }): string | null {
  const cues = parseShotSound(row.sound_json)?.narration?.cues
  return cues?.length ? JSON.stringify(cues) : null
}

/** Versions of a shot: each generation (or the imported clip) is a take; the chosen one is the shot's media. */
export class Takes {
  constructor(
    private readonly store: LibraryStore,
    private readonly media: MediaFiles,
    private readonly trash: MediaTrash
  ) {}

  getTake(id: number): Take {
    const row = this.store.db.prepare('SELECT * FROM takes WHERE id = ?').get(id) as TakeRow | undefined
    if (!row) throw notFound('Take', id)
    return takeFromRow(row)
  }

  /** The take a generation job made (or is making), if any. */
  takeOfJob(jobId: number): Take | undefined {
    const row = this.store.db.prepare('SELECT * FROM takes WHERE job_id = ?').get(jobId) as TakeRow | undefined
    return row ? takeFromRow(row) : undefined
  }

  /**
   * The caption cues a take was made with (seconds from its start), or null when it
   * carries none: what the HLS captions show while the take airs.
   */
  takeCues(takeId: number): Cue[] | null {
    const row = this.store.db.prepare('SELECT cues_json FROM takes WHERE id = ?').get(takeId) as
      { cues_json: string | null } | undefined
    if (!row) throw notFound('Take', takeId)
    return row.cues_json ? (JSON.parse(row.cues_json) as Cue[]) : null
  }

  /** Each shot's chosen take id (null: none chosen, or no such shot), in the order asked. */
  chosenTakeIds(shotIds: number[]): Array<number | null> {
    const chosen = this.store.db.prepare(
      'SELECT id FROM takes WHERE shot_id = ? AND chosen = 1 ORDER BY id DESC LIMIT 1'
    )
    return shotIds.map((id) => (chosen.get(id) as { id: number } | undefined)?.id ?? null)
  }

  /** The shots of a channel whose chosen take is one of `takeIds`, newest first (a feature's filter by take). */
  shotsChoosing(channelId: number, takeIds: number[]): number[] {
    if (takeIds.length === 0) return []
    return (
      this.store.db
        .prepare(
          `SELECT DISTINCT s.id FROM shots s JOIN takes t ON t.shot_id = s.id AND t.chosen = 1
           WHERE s.channel_id = ? AND t.id IN (SELECT value FROM json_each(?)) ORDER BY s.id DESC`
        )
        .all(channelId, JSON.stringify(takeIds)) as Array<{ id: number }>
    ).map((r) => r.id)
  }

  /** Every take of a shot, oldest first. */
  listTakes(shotId: number): Take[] {
    this.store.shotRow(shotId)
    return (this.store.db.prepare('SELECT * FROM takes WHERE shot_id = ? ORDER BY id').all(shotId) as TakeRow[]).map(
      (r) => takeFromRow(r)
    )
  }

  /**
   * Make a take the shot's media: its files, seed, backend and prompt are copied
   * into the shot row and it becomes the chosen one, in one transaction. The
   * on-air engine reads the shot's ts_path at each clip boundary, so the choice
   * airs at the next one. No file is deleted: the previous take keeps its media.
   */
  chooseTake(takeId: number): Shot {
    const channelId = this.store.db
      .transaction(() => {
        const take = this.store.db.prepare('SELECT * FROM takes WHERE id = ?').get(takeId) as TakeRow | undefined
        if (!take) throw notFound('Take', takeId)
        const shot = this.store.shotRow(take.shot_id)
        const channel = this.store.getChannel(shot.channel_id)
        if (take.status !== 'ready' || !take.mp4_path || !take.ts_path || !take.poster_path) {
          throw new StudioError(
            'conflict',
            `Take ${takeId} is not ready yet (${take.status}); choose it once its video is made.`,
            'takeId'
          )
        }
        if (take.format_rev !== channel.formatRev) {
          throw new StudioError(
            'conflict',
            `Take ${takeId} was made for an earlier format of "${channel.name}"; regenerate it to use it.`,
            'takeId'
          )
        }
        if (shot.status === 'conforming' || shot.status === 'queued') {
          throw new StudioError(
            'conflict',
            `Shot ${shot.id} is being converted right now; choose a take once it is done.`,
            'takeId'
          )
        }
        this.store.db
          .prepare(
            `UPDATE shots SET status = 'ready', original_path = ?, media_hash = ?, mp4_path = ?, ts_path = ?, poster_path = ?, strip_path = ?,
             duration_ms = ?, width = ?, height = ?, format_rev = ?, look_rev = ?, loudness_json = ?, seed = ?, backend = ?, prompt = ?,
             error = NULL, owner_pid = NULL, media_missing = 0, approved = ?, updated_at = ? WHERE id = ?`
          )
          .run(
            take.original_path,
            take.media_hash,
            take.mp4_path,
            take.ts_path,
            take.poster_path,
            take.strip_path,
            take.duration_ms,
            take.width,
            take.height,
            take.format_rev,
            take.look_rev,
            take.loudness_json,
            take.seed,
            take.backend,
            take.prompt || shot.prompt,
            // On a channel that holds new material for review, a different take is new material: it waits for approval.
            channel.reviewPolicy === 'manual' && !take.chosen ? 0 : shot.approved,
            Date.now(),
            shot.id
          )
        this.store.db
          .prepare('UPDATE takes SET chosen = CASE WHEN id = ? THEN 1 ELSE 0 END WHERE shot_id = ?')
          .run(takeId, shot.id)
        return shot.channel_id
      })
      .immediate()
    this.store.changed(channelId, 'shots')
    this.store.changed(channelId, 'playlist')
    return this.store.getShot(this.getTake(takeId).shotId)
  }

  /**
   * Ingest a clip as a NEW take of an existing shot: probe, conform (temp files,
   * then rename under the content key), then mark the take ready. The shot's own
   * media is untouched until the take is chosen. With a jobId, a rerun (after a
   * crash or a retry) returns or takes over that job's take instead of adding one.
   */
  async ingestTake(shotId: number, sourcePath: string, meta: TakeMeta, opts: IngestOptions = {}): Promise<Take> {
    const shot = this.store.getShot(shotId)
    // The shot's line and music: a regenerated take of a narrated shot is mixed and captioned like its first.
    const soundRow = this.store.shotRow(shotId) as { sound_json?: string | null }
    const channel = this.store.getChannel(shot.channelId)
    if (meta.jobId !== null) {
      const done = this.takeOfJob(meta.jobId)
      if (done?.status === 'ready') return done
    }
    const progress = opts.onProgress ?? (() => {})
    progress({ percent: 0, step: 'probe' })
    const info = await probe(sourcePath, opts.signal)
    checkClip(info, { minSeconds: 0.5, maxSeconds: channel.maxClipSeconds })
    progress({ percent: 1, step: 'hash' })
    const sourceHash = await sha256File(sourcePath, opts.signal)
    const claim = this.claimTake(shotId, meta)
    if (claim.ready) return this.getTake(claim.id)
    this.store.workingTakes.add(claim.id)
    let tap: GateTap | null = null
    try {
      const original = this.media.keepOriginal(sourcePath, sourceHash)
      const facts: ClipFacts = {
        backend: meta.backend,
        prompt: meta.prompt || shot.prompt,
        title: shotTitleOf(shot.extra),
        sound: parseShotSound(soundRow.sound_json)
      }
      const gateFacts: GateTapInput = {
        channel,
        shotId,
        sourceSize: info.video ? { width: info.video.displayWidth, height: info.video.displayHeight } : null,
        prompt: facts.prompt,
        title: facts.title,
        backend: meta.backend,
        extra: shot.extra
      }
      // The gate measures inside the conform's own ffmpeg (no second start, no second decode).
      tap = this.store.gate?.tap?.(gateFacts) ?? null
      const media = await this.media.produceMedia(
        sourcePath,
        channel,
        opts.signal,
        (p) => progress({ percent: 2 + p.percent * 0.98, step: p.step }),
        sourceHash,
        facts,
        info,
        tap ?? undefined
      )
      const gateInput: GateInput | null = this.store.gate
        ? {
            ...gateFacts,
            mp4: this.store.abs(media.finals.mp4),
            durationMs: media.durationMs,
            tap: tap ?? undefined
          }
        : null
      const verdict = gateInput ? await this.store.gate!.inspect(gateInput, opts.signal) : null
      const { changes } = this.store.db
        .prepare(
          `UPDATE takes SET status = 'ready', original_path = ?, media_hash = ?, mp4_path = ?, ts_path = ?, poster_path = ?, strip_path = ?,
             duration_ms = ?, width = ?, height = ?, format_rev = ?, look_rev = ?, loudness_json = ?, cues_json = ?, owner_pid = NULL, error = NULL WHERE id = ?`
        )
        .run(
          original,
          media.mediaHash,
          media.finals.mp4,
          media.finals.ts,
          media.finals.poster,
          media.finals.strip,
          media.durationMs,
          channel.format.width,
          channel.format.height,
          channel.formatRev,
          channel.lookRev,
          media.loudness,
          cuesJsonOf(soundRow),
          claim.id
        )
      if (changes === 0) {
        // The shot (and so its takes) was deleted while this take was being made:
        // nothing refers to what we just produced, so it goes to the trash too.
        const made = {
          media_hash: media.mediaHash,
          mp4_path: media.finals.mp4,
          ts_path: media.finals.ts,
          poster_path: media.finals.poster,
          strip_path: media.finals.strip,
          original_path: original
        }
        this.trash.moveToTrash(this.trash.unreferencedFiles([made]))
        throw new StudioError('not_found', `Shot ${shotId} was deleted while its new take was being made.`, 'shotId')
      }
      if (gateInput && verdict) this.store.gate!.record(claim.id, gateInput, verdict)
      this.store.changed(channel.id, 'shots')
      return this.getTake(claim.id)
    } catch (err) {
      // An unfinished take leaves nothing behind; the job that made it says why, and its rerun starts a fresh row.
      this.store.db.prepare("DELETE FROM takes WHERE id = ? AND status = 'conforming'").run(claim.id)
      this.store.changed(channel.id, 'shots')
      throw err
    } finally {
      tap?.dispose()
      this.store.workingTakes.delete(claim.id)
    }
  }

  /** Find (by job) or make the take row a clip goes into, and mark it ours, in one IMMEDIATE transaction. */
  private claimTake(shotId: number, meta: TakeMeta): { id: number; ready: boolean } {
    return this.store.db
      .transaction(() => {
        this.store.shotRow(shotId)
        const row =
          meta.jobId === null
            ? undefined
            : (this.store.db.prepare('SELECT * FROM takes WHERE job_id = ?').get(meta.jobId) as TakeRow | undefined)
        if (row) {
          if (row.shot_id !== shotId)
            throw new StudioError('conflict', `Job ${meta.jobId} already made a take of shot ${row.shot_id}.`)
          if (row.status === 'ready') return { id: row.id, ready: true }
          if (row.status === 'conforming' && this.store.ownerAlive(row, this.store.workingTakes)) {
            throw new StudioError(
              'conflict',
              `Take ${row.id} is being converted by another process (pid ${row.owner_pid}).`
            )
          }
          this.store.db
            .prepare("UPDATE takes SET status = 'conforming', owner_pid = ?, error = NULL WHERE id = ?")
            .run(process.pid, row.id)
          return { id: row.id, ready: false }
        }
        const r = this.store.db
          .prepare(
            `INSERT INTO takes (shot_id, job_id, seed, backend, prompt, chosen, status, owner_pid, created_at)
           VALUES (?, ?, ?, ?, ?, 0, 'conforming', ?, ?)`
          )
          .run(shotId, meta.jobId, meta.seed, meta.backend, meta.prompt, process.pid, Date.now())
        return { id: Number(r.lastInsertRowid), ready: false }
      })
      .immediate()
  }

  /**
   * The shot's media is what its chosen take holds: after the shot is (re)filled,
   * the chosen take follows it, or — the first time — becomes its first take. Call inside the transaction.
   */
  syncChosenTake(shotId: number, jobId?: number): void {
    const r = this.store.shotRow(shotId)
    const chosen = this.store.db
      .prepare('SELECT id FROM takes WHERE shot_id = ? AND chosen = 1 ORDER BY id DESC LIMIT 1')
      .get(shotId) as { id: number } | undefined
    const media = [
      r.original_path,
      r.media_hash,
      r.mp4_path,
      r.ts_path,
      r.poster_path,
      r.strip_path,
      r.duration_ms,
      r.width,
      r.height,
      r.format_rev,
      r.look_rev,
      r.loudness_json,
      cuesJsonOf(r as { sound_json?: string | null })
    ]
    if (chosen) {
      this.store.db
        .prepare(
          `UPDATE takes SET status = 'ready', original_path = ?, media_hash = ?, mp4_path = ?, ts_path = ?, poster_path = ?, strip_path = ?,
             duration_ms = ?, width = ?, height = ?, format_rev = ?, look_rev = ?, loudness_json = ?, cues_json = ?, owner_pid = NULL, error = NULL WHERE id = ?`
        )
        .run(...media, chosen.id)
      return
    }
    const jobFree = jobId !== undefined && !this.store.db.prepare('SELECT 1 FROM takes WHERE job_id = ?').get(jobId)
    this.store.db
      .prepare(
        `INSERT INTO takes (shot_id, job_id, seed, backend, prompt, chosen, status, created_at, original_path, media_hash, mp4_path, ts_path,
           poster_path, strip_path, duration_ms, width, height, format_rev, look_rev, loudness_json, cues_json)
           VALUES (?, ?, ?, ?, ?, 1, 'ready', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
      )
      .run(shotId, jobFree ? jobId : null, r.seed, r.backend, r.prompt, Date.now(), ...media)
  }
}
