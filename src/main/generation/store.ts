import { backendFor } from './backends'
import type { BackendSettings, JobDto, JobState } from '../../shared/contract/generation'
import type { Db } from '../db/database'
import { isPidAlive } from '../process/pid-alive'
import type { RemoteRef } from './comfyui/run'
import type { LengthState } from './extend'

/** States a job can still leave; the rest are final. */
export const ACTIVE_STATES: JobState[] = ['queued', 'running', 'upscaling', 'interpolating', 'conforming']
export const FINAL_STATES: JobState[] = ['ready', 'failed', 'canceled']

/** Files a shot job produced so far (data-folder-relative); each step's output is kept so a restart resumes after it. */
export interface ShotArtefacts {
  raw?: string | undefined
  upscaled?: string | undefined
  interpolated?: string | undefined
  muxed?: string | undefined
}

export interface ShotPayload {
  prompt: string
  seed: number
  style: string
  theme: string
  /** The channel's backends when the job was made: later edits don't change work already queued. */
  steps: BackendSettings
  music: boolean
  art: ShotArtefacts
  /** Length of the clip that goes to the library, measured once its video steps are done. */
  durationSeconds?: number | undefined
  /** What generated it, for the shot's metadata ("Offline generator (ffmpeg)", "hysts/zeroscope-v2 /run"). */
  generator?: string | undefined
  /**
   * A regeneration: the clip becomes a NEW TAKE of the job's shot (library.takes), not a new
   * shot and not a playlist change; the shot's media stays until the take is chosen.
   */
  asTake?: boolean | undefined
  /** The shot starts from the last frame of the previous shot of its sequence (image-to-video where the backend has it). */
  continuity?: boolean | undefined
  /** What continuity did: the frame's origin, or why it fell back to text-to-video. */
  continuedFrom?: { shotId: number; takeId: number | null } | undefined
  continuityNote?: string | undefined
  /** The prompt this job has on a ComfyUI server (video step), kept so a restart resumes it instead of submitting again. */
  remote?: RemoteRef | undefined
  /** The same for the continuation in progress (a narrated shot longer than its clip, extend.ts). */
  extendRemote?: RemoteRef | undefined
  /** What the video step did about the shot's length: continuations made, slowed or held, and its note. */
  length?: LengthState | undefined
}

export interface MusicPayload {
  prompt: string
  seed: number
  steps: BackendSettings
  track?: string | undefined
  totalSeconds?: number | undefined
  remote?: RemoteRef | undefined
}

export interface JobRow {
  id: number
  channel_id: number
  shot_id: number | null
  sequence_id: number | null
  kind: 'shot' | 'music'
  state: JobState
  step: string | null
  attempts: number
  payload_json: string
  error: string | null
  progress: number
  idempotency_key: string | null
  created_at: number
  updated_at: number
  owner_pid: number | null
  not_before: number
  seq_index: number
  queue_position: number | null
  eta_s: number | null
  /** Provider request id of the step in progress (migration 4); null on rows from before it. */
  remote_id?: string | null
  runs_on?: string | null
}

export function backendLabel(kind: 'shot' | 'music', steps: BackendSettings): string {
  const name = kind === 'shot' ? 'video' : 'music'
  return backendFor(steps[name]).engine(steps[name], name)
}

/** The steps a shot job runs (workers.ts nextAfter skips the ones turned off). */
function shotSteps(steps: BackendSettings): NonNullable<JobDto['steps']> {
  return [
    'video',
    ...(steps.upscale.enabled ? (['upscale'] as const) : []),
    ...(steps.interpolate.enabled ? (['interpolate'] as const) : []),
    'conform'
  ]
}

export function jobDto(r: JobRow): JobDto {
  const payload = JSON.parse(r.payload_json) as Partial<ShotPayload & MusicPayload>
  return {
    id: r.id,
    channelId: r.channel_id,
    shotId: r.shot_id,
    sequenceId: r.sequence_id,
    kind: r.kind,
    index: r.seq_index,
    state: r.state,
    step: r.step,
    prompt: payload.prompt ?? '',
    backend: payload.steps ? backendLabel(r.kind, payload.steps) : '?',
    endpoint: payload.remote?.endpoint ?? null,
    attempts: r.attempts,
    percent: Math.round(r.progress),
    queuePosition: r.queue_position,
    etaSeconds: r.eta_s,
    error: r.error,
    retryAt: r.not_before > Date.now() && ACTIVE_STATES.includes(r.state) ? r.not_before : null,
    runsOn: r.runs_on ?? null,
    steps: r.kind === 'shot' && payload.steps ? shotSteps(payload.steps) : undefined,
    createdAt: r.created_at,
    updatedAt: r.updated_at
  }
}

export interface JobPatch {
  state?: JobState
  step?: string | null
  attempts?: number
  progress?: number
  error?: string | null
  notBefore?: number
  queuePosition?: number | null
  etaSeconds?: number | null
  payload?: ShotPayload | MusicPayload
  ownerPid?: number | null
  remoteId?: string | null
  runsOn?: string | null
}

/** The jobs table (shared library database). Every method is one statement or one IMMEDIATE transaction. */
export class JobStore {
  constructor(readonly db: Db) {}

  get(id: number): JobRow | undefined {
    return this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined
  }

  list(q: {
    channelId?: number | undefined
    states?: JobState[] | undefined
    limit?: number | undefined
    sequenceId?: number | undefined
    ids?: number[] | undefined
  }): JobRow[] {
    const where: string[] = []
    const params: unknown[] = []
    if (q.channelId !== undefined) {
      where.push('channel_id = ?')
      params.push(q.channelId)
    }
    if (q.sequenceId !== undefined) {
      where.push('sequence_id = ?')
      params.push(q.sequenceId)
    }
    if (q.states && q.states.length > 0) {
      where.push(`state IN (${q.states.map(() => '?').join(',')})`)
      params.push(...q.states)
    }
    if (q.ids) {
      if (q.ids.length === 0) return []
      where.push(`id IN (${q.ids.map(() => '?').join(',')})`)
      params.push(...q.ids)
    }
    const sql = `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`
    return this.db.prepare(sql).all(...params, q.limit ?? 1000) as JobRow[]
  }

  byKey(key: string): JobRow | undefined {
    return this.db.prepare('SELECT * FROM jobs WHERE idempotency_key = ?').get(key) as JobRow | undefined
  }

  insertSequence(channelId: number, theme: string, style: string): number {
    const now = Date.now()
    return Number(
      this.db
        .prepare('INSERT INTO sequences (channel_id, theme, style, created_at, updated_at) VALUES (?, ?, ?, ?, ?)')
        .run(channelId, theme, style, now, now).lastInsertRowid
    )
  }

  setSequenceMusic(sequenceId: number, relPath: string): void {
    this.db
      .prepare('UPDATE sequences SET music_path = ?, updated_at = ? WHERE id = ?')
      .run(relPath, Date.now(), sequenceId)
  }

  insert(job: {
    channelId: number
    shotId: number | null
    sequenceId: number | null
    kind: 'shot' | 'music'
    index: number
    payload: ShotPayload | MusicPayload
    key: string | null
  }): number {
    const now = Date.now()
    return Number(
      this.db
        .prepare(
          `INSERT INTO jobs (channel_id, shot_id, sequence_id, kind, state, step, attempts, payload_json, progress, idempotency_key, seq_index, created_at, updated_at)
           VALUES (?, ?, ?, ?, 'queued', NULL, 0, ?, 0, ?, ?, ?, ?)`
        )
        .run(
          job.channelId,
          job.shotId,
          job.sequenceId,
          job.kind,
          JSON.stringify(job.payload),
          job.key,
          job.index,
          now,
          now
        ).lastInsertRowid
    )
  }

  /** Jobs free to start now, oldest first: a job back from a retry wait goes before newer ones, so none is starved to the end. */
  runnable(now = Date.now()): JobRow[] {
    return this.db
      .prepare(
        `SELECT * FROM jobs WHERE state IN ('queued','running','upscaling','interpolating','conforming') AND owner_pid IS NULL AND not_before <= ? ORDER BY id LIMIT 500`
      )
      .all(now) as JobRow[]
  }

  /** Whether any job, of any process, is still to finish (waiting, running or owned elsewhere). */
  hasUnfinished(): boolean {
    return (
      this.db
        .prepare(
          `SELECT 1 FROM jobs WHERE state IN ('queued','running','upscaling','interpolating','conforming') LIMIT 1`
        )
        .get() !== undefined
    )
  }

  /** Take a job for this process; false when another process got it first. */
  claim(id: number, pid = process.pid): boolean {
    const r = this.db
      .prepare(
        `UPDATE jobs SET owner_pid = ?, updated_at = ? WHERE id = ? AND owner_pid IS NULL AND state IN ('queued','running','upscaling','interpolating','conforming')`
      )
      .run(pid, Date.now(), id)
    return r.changes === 1
  }

  release(id: number, pid = process.pid): void {
    this.db.prepare('UPDATE jobs SET owner_pid = NULL WHERE id = ? AND owner_pid = ?').run(id, pid)
  }

  /**
   * Jobs whose owner process died (a crash, a kill): hand them back so they resume.
   * Rows that carry our own pid but that we are not running were left by an earlier
   * process that had the same pid (containers restart as pid 1): those go back too.
   */
  releaseDeadOwners(runningHere: ReadonlySet<number> = new Set()): number {
    const owners = this.db.prepare(`SELECT DISTINCT owner_pid FROM jobs WHERE owner_pid IS NOT NULL`).all() as Array<{
      owner_pid: number
    }>
    let n = 0
    for (const { owner_pid } of owners) {
      if (owner_pid === process.pid) {
        const mine = this.db.prepare('SELECT id FROM jobs WHERE owner_pid = ?').all(owner_pid) as Array<{ id: number }>
        for (const { id } of mine)
          if (!runningHere.has(id))
            n += this.db
              .prepare('UPDATE jobs SET owner_pid = NULL WHERE id = ? AND owner_pid = ?')
              .run(id, owner_pid).changes
      } else if (!isPidAlive(owner_pid)) {
        n += this.db.prepare('UPDATE jobs SET owner_pid = NULL WHERE owner_pid = ?').run(owner_pid).changes
      }
    }
    return n
  }

  update(id: number, patch: JobPatch): JobRow {
    const sets: string[] = ['updated_at = @now']
    const params: Record<string, unknown> = { id, now: Date.now() }
    const col = (name: string, key: string, value: unknown): void => {
      sets.push(`${name} = @${key}`)
      params[key] = value
    }
    if (patch.state !== undefined) col('state', 'state', patch.state)
    if (patch.step !== undefined) col('step', 'step', patch.step)
    if (patch.attempts !== undefined) col('attempts', 'attempts', patch.attempts)
    if (patch.progress !== undefined) col('progress', 'progress', patch.progress)
    if (patch.error !== undefined) col('error', 'error', patch.error)
    if (patch.notBefore !== undefined) col('not_before', 'notBefore', patch.notBefore)
    if (patch.queuePosition !== undefined) col('queue_position', 'queuePosition', patch.queuePosition)
    if (patch.etaSeconds !== undefined) col('eta_s', 'etaSeconds', patch.etaSeconds)
    if (patch.payload !== undefined) col('payload_json', 'payload', JSON.stringify(patch.payload))
    if (patch.ownerPid !== undefined) col('owner_pid', 'ownerPid', patch.ownerPid)
    if (patch.remoteId !== undefined) col('remote_id', 'remoteId', patch.remoteId)
    if (patch.runsOn !== undefined) col('runs_on', 'runsOn', patch.runsOn)
    this.db.prepare(`UPDATE jobs SET ${sets.join(', ')} WHERE id = @id`).run(params)
    return this.get(id)!
  }

  /** A job's shot, when a retry made it a new one. */
  setShot(id: number, shotId: number): void {
    this.db.prepare('UPDATE jobs SET shot_id = ? WHERE id = ?').run(shotId, id)
  }

  /** How many jobs are in each state (status pages). */
  countByState(): Record<string, number> {
    const rows = this.db.prepare('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state').all() as Array<{
      state: string
      n: number
    }>
    return Object.fromEntries(rows.map((r) => [r.state, r.n]))
  }

  siblings(sequenceId: number): JobRow[] {
    return this.db
      .prepare(`SELECT * FROM jobs WHERE sequence_id = ? ORDER BY seq_index, id`)
      .all(sequenceId) as JobRow[]
  }

  activeCount(channelId?: number): number {
    const row = (
      channelId === undefined
        ? this.db
            .prepare(
              `SELECT COUNT(*) AS n FROM jobs WHERE kind = 'shot' AND state IN ('queued','running','upscaling','interpolating','conforming')`
            )
            .get()
        : this.db
            .prepare(
              `SELECT COUNT(*) AS n FROM jobs WHERE kind = 'shot' AND channel_id = ? AND state IN ('queued','running','upscaling','interpolating','conforming')`
            )
            .get(channelId)
    ) as { n: number }
    return row.n
  }
}
