import { parseShotSound } from '../show/sound'
import { existsSync, readdirSync, rmSync } from 'node:fs'
import { basename, join } from 'node:path'
import { StudioError } from '../../shared/contract/define'
import type { ConformProgress } from '../media/conform'
import { checkClip, MediaRejectedError, probe, type ProbeInfo } from '../media/probe'
import { AbortedError } from '../media/ffmpeg-runner'
import { isPidAlive } from '../process/pid-alive'
import {
  sha256File,
  type Channel,
  type IngestOptions,
  type IngestResult,
  type GateInput,
  type GateTap,
  type GateTapInput,
  type Shot,
  type ShotMeta,
  type ShotRow,
  shotTitleOf
} from './rows'
import type { ClipFacts } from './look'
import type { LibraryStore } from './store'
import type { MediaFiles } from './media-files'
import type { MediaTrash } from './trash'
import type { Shots } from './shots'
import type { Takes } from './takes'

/**
 * Files into shots: probe, refuse with a plain reason, keep the original, conform to
 * the channel's format, then flip the row to ready. Also what a crash left half-done.
 */
export class Ingest {
  constructor(
    private readonly store: LibraryStore,
    private readonly media: MediaFiles,
    private readonly shots: Shots,
    private readonly takes: Takes,
    private readonly trash: MediaTrash
  ) {}

  /** Probe → refuse with a plain reason → conform to the channel's format → media by content hash → row ready. */
  async ingestFile(
    channelId: number,
    sourcePath: string,
    meta: ShotMeta = {},
    opts: IngestOptions = {}
  ): Promise<Shot> {
    return (await this.importFile(channelId, sourcePath, meta, opts)).shot
  }

  async importFile(
    channelId: number,
    sourcePath: string,
    meta: ShotMeta = {},
    opts: IngestOptions = {}
  ): Promise<IngestResult> {
    const channel = this.store.getChannel(channelId)
    const progress = opts.onProgress ?? (() => {})
    progress({ percent: 0, step: 'probe' })
    let info
    try {
      info = await probe(sourcePath, opts.signal)
      checkClip(info, { minSeconds: 0.5, maxSeconds: channel.maxClipSeconds })
    } catch (err) {
      if (meta.shotId !== undefined && err instanceof MediaRejectedError) this.shots.failShot(meta.shotId, err.message)
      throw err
    }
    progress({ percent: 1, step: 'hash' })
    const sourceHash = await sha256File(sourcePath, opts.signal)
    const claim = this.claimForIngest(channel, sourceHash, basename(sourcePath), meta)
    if (claim.duplicate) return { shot: this.store.getShot(claim.id), duplicate: true }
    const shotId = claim.id
    this.store.working.add(shotId)
    try {
      const original = this.media.keepOriginal(sourcePath, sourceHash)
      this.store.db.prepare('UPDATE shots SET original_path = ? WHERE id = ?').run(original, shotId)
      await this.conformInto(
        shotId,
        sourcePath,
        channel.id,
        opts.signal,
        (p) => progress({ percent: 2 + p.percent * 0.98, step: p.step }),
        sourceHash,
        meta.jobId,
        info
      )
      return { shot: this.store.getShot(shotId), duplicate: false }
    } catch (err) {
      this.afterIngestFailure(shotId, claim.created, err)
      throw err
    } finally {
      this.store.working.delete(shotId)
    }
  }

  /** Find or make the row this file goes into and mark it ours, in one IMMEDIATE transaction. */
  private claimForIngest(
    channel: Channel,
    sourceHash: string,
    sourceName: string,
    meta: ShotMeta
  ): { id: number; created: boolean; duplicate: boolean } {
    const now = Date.now()
    const result = this.store.db
      .transaction(() => {
        // A shot the caller names (generation) is filled as is: two generations may well produce identical bytes.
        const existing =
          meta.shotId === undefined
            ? (this.store.db
                .prepare('SELECT * FROM shots WHERE channel_id = ? AND source_hash = ?')
                .get(channel.id, sourceHash) as ShotRow | undefined)
            : undefined
        if (existing) {
          if (existing.status === 'ready' && existing.format_rev === channel.formatRev)
            return { id: existing.id, created: false, duplicate: true }
          if (existing.status === 'conforming' && existing.owner_pid !== null && this.store.ownerAlive(existing)) {
            throw new StudioError(
              'conflict',
              `${sourceName} is being imported into "${channel.name}" by another process (pid ${existing.owner_pid}).`
            )
          }
          // Left over from an interrupted or failed run: take it over rather than duplicate it.
          this.store.db
            .prepare("UPDATE shots SET status = 'conforming', owner_pid = ?, error = NULL, updated_at = ? WHERE id = ?")
            .run(process.pid, now, existing.id)
          return { id: existing.id, created: false, duplicate: false }
        }
        if (meta.shotId !== undefined) {
          const row = this.store.shotRow(meta.shotId)
          if (row.channel_id !== channel.id)
            throw new StudioError('invalid_input', `Shot ${meta.shotId} belongs to another channel.`, 'shotId')
          if (row.status === 'conforming' && this.store.ownerAlive(row)) {
            throw new StudioError(
              'conflict',
              `Shot ${row.id} is being converted by another process (pid ${row.owner_pid}).`
            )
          }
          this.store.db
            .prepare(
              `UPDATE shots SET status = 'conforming', owner_pid = ?, source_hash = NULL, source_name = ?, error = NULL,
               prompt = COALESCE(?, prompt), seed = COALESCE(?, seed), backend = COALESCE(?, backend), sequence_id = COALESCE(?, sequence_id),
               approved = COALESCE(?, approved), extra_json = COALESCE(?, extra_json), updated_at = ? WHERE id = ?`
            )
            .run(
              process.pid,
              sourceName,
              meta.prompt ?? null,
              meta.seed ?? null,
              meta.backend ?? null,
              meta.sequenceId ?? null,
              meta.approved === undefined ? null : meta.approved ? 1 : 0,
              meta.extra ? JSON.stringify(meta.extra) : null,
              now,
              meta.shotId
            )
          return { id: meta.shotId, created: false, duplicate: false }
        }
        const approved = meta.approved ?? channel.reviewPolicy === 'auto'
        const r = this.store.db
          .prepare(
            `INSERT INTO shots (channel_id, sequence_id, status, approved, prompt, seed, backend, extra_json, source_name, source_hash,
             owner_pid, created_at, updated_at) VALUES (?, ?, 'conforming', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
          )
          .run(
            channel.id,
            meta.sequenceId ?? null,
            approved ? 1 : 0,
            meta.prompt ?? '',
            meta.seed ?? null,
            meta.backend ?? null,
            meta.extra ? JSON.stringify(meta.extra) : null,
            sourceName,
            sourceHash,
            process.pid,
            now,
            now
          )
        return { id: Number(r.lastInsertRowid), created: true, duplicate: false }
      })
      .immediate()
    if (!result.duplicate) this.store.changed(channel.id, 'shots')
    return result
  }

  afterIngestFailure(shotId: number, created: boolean, err: unknown): void {
    const row = this.store.db.prepare('SELECT * FROM shots WHERE id = ?').get(shotId) as ShotRow | undefined
    if (!row) return
    if (created) {
      // A fresh import that failed leaves nothing behind but its result line.
      this.store.db.prepare('DELETE FROM shots WHERE id = ?').run(shotId)
      this.trash.moveToTrash(this.trash.unreferencedFiles([row]).filter((p) => p.startsWith('originals/')))
    } else {
      const message =
        err instanceof AbortedError ? 'Import cancelled.' : err instanceof Error ? err.message : String(err)
      this.store.db
        .prepare("UPDATE shots SET status = 'failed', error = ?, owner_pid = NULL, updated_at = ? WHERE id = ?")
        .run(message, Date.now(), shotId)
    }
    this.store.changed(row.channel_id, 'shots')
  }

  /**
   * Conform `input` for shot `shotId` into temp files, move them into media/ under
   * their key, then flip the row to ready — in that order, so no ready row ever
   * points at a missing file. When the same source was already conformed to the
   * same format, its files are reused and ffmpeg is not run.
   */
  async conformInto(
    shotId: number,
    input: string,
    channelId: number,
    signal: AbortSignal | undefined,
    onProgress: (p: ConformProgress) => void,
    inputHash?: string,
    jobId?: number,
    probeInfo?: ProbeInfo,
    /** Re-doing the look of a shot that keeps airing: only replace its media if it is still this one (no take was chosen meanwhile). */
    expectMediaHash?: string | null
  ): Promise<boolean> {
    const channel = this.store.getChannel(channelId)
    const row = this.store.db.prepare('SELECT * FROM shots WHERE id = ?').get(shotId) as ShotRow
    const facts: ClipFacts = {
      backend: row.backend,
      prompt: row.prompt,
      title: shotTitleOf(row.extra_json ? (JSON.parse(row.extra_json) as Record<string, unknown>) : null),
      sound: parseShotSound((row as ShotRow & { sound_json?: string | null }).sound_json)
    }
    // The quality gate looks at new material only (not a re-conform of what already aired).
    const gateFacts: GateTapInput | null =
      this.store.gate && expectMediaHash === undefined
        ? {
            channel,
            shotId,
            sourceSize: probeInfo?.video
              ? { width: probeInfo.video.displayWidth, height: probeInfo.video.displayHeight }
              : null,
            prompt: row.prompt,
            title: facts.title,
            backend: row.backend,
            extra: row.extra_json ? (JSON.parse(row.extra_json) as Record<string, unknown>) : null
          }
        : null
    // The gate measures inside the conform's own ffmpeg (no second start, no second decode).
    const tap = gateFacts ? (this.store.gate!.tap?.(gateFacts) ?? null) : null
    try {
      return await this.finishInto(shotId, input, channelId, channel, facts, gateFacts, tap, {
        signal,
        onProgress,
        inputHash,
        jobId,
        probeInfo,
        expectMediaHash
      })
    } finally {
      tap?.dispose()
    }
  }

  private async finishInto(
    shotId: number,
    input: string,
    channelId: number,
    channel: Channel,
    facts: ClipFacts,
    gateFacts: GateTapInput | null,
    tap: GateTap | null,
    o: {
      signal: AbortSignal | undefined
      onProgress: (p: ConformProgress) => void
      inputHash: string | undefined
      jobId: number | undefined
      probeInfo: ProbeInfo | undefined
      expectMediaHash: string | null | undefined
    }
  ): Promise<boolean> {
    const { signal, jobId, expectMediaHash } = o
    const { mediaHash, finals, durationMs, loudness } = await this.media.produceMedia(
      input,
      channel,
      signal,
      o.onProgress,
      o.inputHash,
      facts,
      o.probeInfo,
      tap ?? undefined
    )
    const gateInput: GateInput | null = gateFacts
      ? { ...gateFacts, mp4: this.store.abs(finals.mp4), durationMs, tap: tap ?? undefined }
      : null
    const verdict = gateInput ? await this.store.gate!.inspect(gateInput, signal) : null
    const replaced = this.store.db
      .transaction(() => {
        const current = this.store.db.prepare('SELECT media_hash FROM shots WHERE id = ?').get(shotId) as
          { media_hash: string | null } | undefined
        if (expectMediaHash !== undefined && current?.media_hash !== expectMediaHash) return false
        const now = this.store.getChannel(channelId)
        // The format changed while we worked: this media is already stale. (A newer look just leaves it for the worker.)
        const status = now.formatRev === channel.formatRev ? 'ready' : 'queued'
        this.store.db
          .prepare(
            `UPDATE shots SET status = ?, media_hash = ?, mp4_path = ?, ts_path = ?, poster_path = ?, strip_path = ?, duration_ms = ?,
             width = ?, height = ?, format_rev = ?, look_rev = ?, loudness_json = ?, owner_pid = NULL, error = NULL, media_missing = 0, updated_at = ? WHERE id = ?`
          )
          .run(
            status,
            mediaHash,
            finals.mp4,
            finals.ts,
            finals.poster,
            finals.strip,
            durationMs,
            channel.format.width,
            channel.format.height,
            channel.formatRev,
            channel.lookRev,
            loudness,
            Date.now(),
            shotId
          )
        // A clip the gate failed is held for review: it never airs on its own.
        if (verdict && !verdict.pass) this.store.db.prepare('UPDATE shots SET approved = 0 WHERE id = ?').run(shotId)
        this.takes.syncChosenTake(shotId, jobId)
        if (gateInput && verdict) {
          const chosen = this.store.db
            .prepare('SELECT id FROM takes WHERE shot_id = ? AND chosen = 1 ORDER BY id DESC LIMIT 1')
            .get(shotId) as { id: number }
          this.store.gate!.record(chosen.id, gateInput, verdict)
        }
        return true
      })
      .immediate()
    this.store.changed(channelId, 'shots')
    return replaced
  }

  /**
   * Rows a dead process was converting. An interrupted re-conform (the row had
   * media and its original is kept) goes back to the queue; an interrupted first
   * ingest is marked failed — whoever started it (an import rerun, a generation
   * retry) takes the row over when it tries again. Stale temp folders are removed.
   */
  recoverInterrupted(): void {
    const rows = this.store.db.prepare("SELECT * FROM shots WHERE status = 'conforming'").all() as ShotRow[]
    for (const r of rows) {
      if (this.store.ownerAlive(r)) continue
      const requeue = r.mp4_path !== null && r.original_path !== null && existsSync(this.store.abs(r.original_path))
      this.store.db
        .prepare(
          "UPDATE shots SET status = ?, error = ?, owner_pid = NULL, updated_at = ? WHERE id = ? AND status = 'conforming' AND owner_pid IS ?"
        )
        .run(
          requeue ? 'queued' : 'failed',
          requeue ? null : 'The import was interrupted. Import the file again.',
          Date.now(),
          r.id,
          r.owner_pid
        )
    }
    // A take a dead process was converting: dropped; the job that made it resumes and makes it again.
    const takes = this.store.db.prepare("SELECT id, owner_pid FROM takes WHERE status = 'conforming'").all() as Array<{
      id: number
      owner_pid: number | null
    }>
    for (const t of takes) {
      if (this.store.ownerAlive(t, this.store.workingTakes)) continue
      this.store.db
        .prepare("DELETE FROM takes WHERE id = ? AND status = 'conforming' AND owner_pid IS ?")
        .run(t.id, t.owner_pid)
    }
    const tmpRoot = join(this.store.dataDir, 'tmp')
    if (!existsSync(tmpRoot)) return
    for (const name of readdirSync(tmpRoot)) {
      const pid = Number(name.split('-')[0])
      if (Number.isInteger(pid) && pid !== process.pid && !isPidAlive(pid))
        rmSync(join(tmpRoot, name), { recursive: true, force: true })
    }
  }
}
