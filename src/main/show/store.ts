import type Database from 'better-sqlite3'
import { StudioError } from '../../shared/contract/define'
import type { EditHistory } from '../library/history'
import {
  bibleSchema,
  describeIssues,
  plannedShotSchema,
  planProblems,
  type Bible,
  type PlannedShot,
  type ShowPlan
} from './plan'
import { z } from 'zod'

export interface StoredSequence {
  id: number
  position: number
  title: string
  synopsis: string
  shots: PlannedShot[]
  /** The generated sequence once produced. */
  sequenceId: number | null
}

export interface StoredShow {
  channelId: number
  bible: Bible | null
  sequences: StoredSequence[]
}

interface SeqRow {
  id: number
  channel_id: number
  position: number
  title: string
  synopsis: string
  shots_json: string
  sequence_id: number | null
}

/** The whole plan of a channel as the undo history keeps it (ids included, so an undo puts the same rows back). */
interface ShowState {
  bible: Bible | null
  sequences: Array<Omit<SeqRow, 'channel_id'>>
}

const HISTORY_STATE = 'show'
const shotsSchema = z.array(plannedShotSchema).min(1).max(60)

/**
 * The show plan in the studio database: one bible per channel, planned sequences in
 * order. Every edit goes through the undo history (one step per edit, the whole plan
 * before and after: a plan is a few kilobytes), and is validated first — a bad edit
 * changes nothing.
 */
export class ShowStore {
  constructor(
    private readonly db: Database.Database,
    private readonly history: EditHistory
  ) {
    history.registerState(HISTORY_STATE, {
      what: 'the show plan',
      read: (channelId) => this.state(channelId),
      write: (channelId, state) => this.restore(channelId, state as ShowState)
    })
  }

  get(channelId: number): StoredShow {
    const bible = this.db.prepare('SELECT bible_json FROM show_bibles WHERE channel_id = ?').get(channelId) as
      { bible_json: string } | undefined
    return {
      channelId,
      bible: bible ? (JSON.parse(bible.bible_json) as Bible) : null,
      sequences: this.rows(channelId).map((r) => ({
        id: r.id,
        position: r.position,
        title: r.title,
        synopsis: r.synopsis,
        shots: JSON.parse(r.shots_json) as PlannedShot[],
        sequenceId: r.sequence_id
      }))
    }
  }

  /** Replace the channel's plan (bible and sequences) with a written one. */
  replacePlan(channelId: number, plan: ShowPlan): StoredShow {
    const problems = planProblems(plan)
    if (problems.length)
      throw new StudioError('invalid_input', `The plan is inconsistent: ${problems.slice(0, 3).join('; ')}.`)
    this.history.trackState(channelId, HISTORY_STATE, 'new show plan', () =>
      this.db.transaction(() => {
        this.writeBible(channelId, plan.bible)
        this.db.prepare('DELETE FROM show_sequences WHERE channel_id = ?').run(channelId)
        plan.sequences.forEach((s, i) => this.insertSequence(channelId, i, s.title, s.synopsis, s.shots))
      })()
    )
    return this.get(channelId)
  }

  setBible(channelId: number, input: unknown): StoredShow {
    const parsed = bibleSchema.safeParse(input)
    if (!parsed.success)
      throw new StudioError('invalid_input', `The bible is not valid: ${describeIssues(parsed.error)}.`)
    const show = this.get(channelId)
    const problems = planProblems({ bible: parsed.data, sequences: show.sequences.map((s) => ({ ...s })) })
    if (problems.length)
      throw new StudioError(
        'invalid_input',
        `The planned shots still name what this bible drops: ${problems.slice(0, 3).join('; ')}.`
      )
    this.history.trackState(channelId, HISTORY_STATE, 'edit of the show bible', () =>
      this.writeBible(channelId, parsed.data)
    )
    return this.get(channelId)
  }

  updateSequence(
    channelId: number,
    id: number,
    patch: { title?: string | undefined; synopsis?: string | undefined; shots?: unknown }
  ): StoredShow {
    const row = this.rows(channelId).find((r) => r.id === id)
    if (!row) throw new StudioError('not_found', `Sequence ${id} is not in the show plan of this channel.`, 'id')
    let shots: PlannedShot[] | undefined
    if (patch.shots !== undefined) {
      const parsed = shotsSchema.safeParse(patch.shots)
      if (!parsed.success)
        throw new StudioError('invalid_input', `The shots are not valid: ${describeIssues(parsed.error)}.`, 'shots')
      shots = parsed.data
      const bible = this.get(channelId).bible
      if (bible) {
        const problems = planProblems({ bible, sequences: [{ title: 'x', synopsis: '', shots }] })
        if (problems.length)
          throw new StudioError(
            'invalid_input',
            `The shots name what the bible lacks: ${problems.slice(0, 3).join('; ')}.`,
            'shots'
          )
      }
    }
    const title = patch.title?.trim()
    if (title !== undefined && !title) throw new StudioError('invalid_input', 'A sequence needs a title.', 'title')
    this.history.trackState(channelId, HISTORY_STATE, `edit of "${title ?? row.title}"`, () =>
      this.db
        .prepare('UPDATE show_sequences SET title = ?, synopsis = ?, shots_json = ?, updated_at = ? WHERE id = ?')
        .run(
          title ?? row.title,
          patch.synopsis?.trim() ?? row.synopsis,
          shots ? JSON.stringify(shots) : row.shots_json,
          Date.now(),
          id
        )
    )
    return this.get(channelId)
  }

  /** Link a planned sequence to the generated one, which takes its title and synopsis (for the guide). */
  markProduced(id: number, sequenceId: number): void {
    this.db.transaction(() => {
      const row = this.db.prepare('SELECT * FROM show_sequences WHERE id = ?').get(id) as SeqRow
      this.db.prepare('UPDATE show_sequences SET sequence_id = ? WHERE id = ?').run(sequenceId, id)
      this.db
        .prepare('UPDATE sequences SET title = ?, synopsis = ? WHERE id = ?')
        .run(row.title, row.synopsis, sequenceId)
    })()
  }

  private rows(channelId: number): SeqRow[] {
    return this.db
      .prepare('SELECT * FROM show_sequences WHERE channel_id = ? ORDER BY position, id')
      .all(channelId) as SeqRow[]
  }

  private writeBible(channelId: number, bible: Bible): void {
    this.db
      .prepare(
        'INSERT INTO show_bibles (channel_id, bible_json, updated_at) VALUES (?, ?, ?) ON CONFLICT(channel_id) DO UPDATE SET bible_json = excluded.bible_json, updated_at = excluded.updated_at'
      )
      .run(channelId, JSON.stringify(bible), Date.now())
  }

  private insertSequence(
    channelId: number,
    position: number,
    title: string,
    synopsis: string,
    shots: PlannedShot[]
  ): void {
    this.db
      .prepare(
        'INSERT INTO show_sequences (channel_id, position, title, synopsis, shots_json, updated_at) VALUES (?, ?, ?, ?, ?, ?)'
      )
      .run(channelId, position, title, synopsis, JSON.stringify(shots), Date.now())
  }

  private state(channelId: number): ShowState {
    const bible = this.get(channelId).bible
    // updated_at is left out: it is not what people edit, and would make every read differ.
    const sequences = this.rows(channelId).map(({ channel_id: _c, ...r }) => {
      const { updated_at: _u, ...rest } = r as SeqRow & { updated_at?: number }
      return rest
    })
    return { bible, sequences }
  }

  private restore(channelId: number, state: ShowState): void {
    if (state.bible) this.writeBible(channelId, state.bible)
    else this.db.prepare('DELETE FROM show_bibles WHERE channel_id = ?').run(channelId)
    this.db.prepare('DELETE FROM show_sequences WHERE channel_id = ?').run(channelId)
    const insert = this.db.prepare(
      'INSERT INTO show_sequences (id, channel_id, position, title, synopsis, shots_json, sequence_id, updated_at) VALUES (@id, @channel_id, @position, @title, @synopsis, @shots_json, @sequence_id, @updated_at)'
    )
    for (const s of state.sequences) insert.run({ ...s, channel_id: channelId, updated_at: Date.now() })
  }
}
