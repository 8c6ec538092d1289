import type { AsrunEntry } from '../../shared/contract/outputs'

interface Stmt {
  run(...args: unknown[]): { lastInsertRowid: number | bigint; changes: number }
  get(...args: unknown[]): unknown
  all(...args: unknown[]): unknown[]
}
export interface AsrunDb {
  prepare(sql: string): Stmt
}

interface Row {
  id: number
  channel_id: number
  channel_name: string
  item_id: number | null
  shot_id: number | null
  take_id: number | null
  label: string
  slate: number
  started_at: number
  ended_at: number | null
  destinations: string
}

function toEntry(r: Row): AsrunEntry {
  let destinations: string[] = []
  try {
    const v = JSON.parse(r.destinations) as unknown
    if (Array.isArray(v)) destinations = v.filter((x): x is string => typeof x === 'string')
  } catch {
    /* an unreadable list reads as none */
  }
  return {
    id: r.id,
    channelId: r.channel_id,
    channelName: r.channel_name,
    itemId: r.item_id,
    shotId: r.shot_id,
    takeId: r.take_id,
    label: r.label,
    slate: r.slate === 1,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    destinations
  }
}

export interface AiredClip {
  channelId: number
  channelName: string
  itemId: number | null
  label: string
  slate: boolean
  durationMs: number
  destinations: string[]
  at: number
}

/**
 * The as-run log (table `asrun`, migration 5): one row per clip that went on air,
 * opened when the playout reports it airing and closed when the next one starts or
 * the channel stops. Shot and take are resolved when the clip starts, so a later
 * edit or a new take does not rewrite history.
 */
/** The library's answer for a playlist item: its shot and that shot's chosen take. */
export type ItemSource = (itemId: number) => { shotId: number; takeId: number | null } | null

/**
 * The as-run log's own store: it writes only its table and asks the library (through
 * `itemSource`) which shot and take an item played.
 */
export class AsRunLog {
  constructor(
    private readonly db: AsrunDb,
    private readonly itemSource: ItemSource
  ) {}

  /** Rows a crashed process left open end at their clip's expected end (or now, if sooner). */
  closeDangling(channelId: number, now = Date.now()): void {
    this.db
      .prepare('UPDATE asrun SET ended_at = MIN(started_at + duration_ms, ?) WHERE channel_id = ? AND ended_at IS NULL')
      .run(now, channelId)
  }

  /** Close the channel's open entry (if any) and open one for the clip now airing. */
  aired(c: AiredClip): AsrunEntry[] {
    const closed = this.close(c.channelId, c.at)
    let shotId: number | null = null
    let takeId: number | null = null
    if (c.itemId !== null) {
      const source = this.itemSource(c.itemId)
      shotId = source?.shotId ?? null
      takeId = source?.takeId ?? null
    }
    const info = this.db
      .prepare(
        `INSERT INTO asrun (channel_id, channel_name, item_id, shot_id, take_id, label, slate, duration_ms, started_at, ended_at, destinations)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)`
      )
      .run(
        c.channelId,
        c.channelName,
        c.itemId,
        shotId,
        takeId,
        c.label,
        c.slate ? 1 : 0,
        Math.max(0, Math.round(c.durationMs)),
        c.at,
        JSON.stringify(c.destinations)
      )
    const opened = this.db.prepare('SELECT * FROM asrun WHERE id = ?').get(Number(info.lastInsertRowid)) as Row
    return [...closed, toEntry(opened)]
  }

  /** Close the channel's open entry; returns it (closed), if there was one. */
  close(channelId: number, at = Date.now()): AsrunEntry[] {
    const open = this.db
      .prepare('SELECT * FROM asrun WHERE channel_id = ? AND ended_at IS NULL ORDER BY id')
      .all(channelId) as Row[]
    if (open.length === 0) return []
    this.db
      .prepare('UPDATE asrun SET ended_at = MAX(started_at, ?) WHERE channel_id = ? AND ended_at IS NULL')
      .run(at, channelId)
    return open.map((r) => toEntry({ ...r, ended_at: Math.max(r.started_at, at) }))
  }

  list(
    f: {
      channelId?: number | undefined
      from?: number | undefined
      to?: number | undefined
      limit?: number | undefined
    } = {}
  ): AsrunEntry[] {
    const where: string[] = []
    const args: unknown[] = []
    if (f.channelId !== undefined) {
      where.push('channel_id = ?')
      args.push(f.channelId)
    }
    if (f.from !== undefined) {
      where.push('started_at >= ?')
      args.push(f.from)
    }
    if (f.to !== undefined) {
      where.push('started_at < ?')
      args.push(f.to)
    }
    const sql = `SELECT * FROM asrun ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC, id DESC LIMIT ?`
    return (this.db.prepare(sql).all(...args, f.limit ?? 1000) as Row[]).map(toEntry)
  }
}

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break.
 * Cells a spreadsheet would run as a formula (starting with = + - @, tab or CR)
 * get a leading apostrophe: an as-run log full of AI-written prompts must not be
 * able to run anything in the spreadsheet of whoever opens it.
 */
export function csvCell(v: string | number | null): string {
  if (v === null) return ''
  let s = String(v)
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export const ASRUN_CSV_HEADER = [
  'channel',
  'started_utc',
  'ended_utc',
  'duration_s',
  'title',
  'slate',
  'shot_id',
  'take_id',
  'item_id',
  'destinations'
]

export function asrunCsv(entries: AsrunEntry[]): string {
  const rows = [ASRUN_CSV_HEADER.join(',')]
  for (const e of [...entries].sort((a, b) => a.startedAt - b.startedAt || a.id - b.id)) {
    rows.push(
      [
        csvCell(e.channelName),
        csvCell(new Date(e.startedAt).toISOString()),
        csvCell(e.endedAt === null ? '' : new Date(e.endedAt).toISOString()),
        csvCell(e.endedAt === null ? '' : ((e.endedAt - e.startedAt) / 1000).toFixed(3)),
        csvCell(e.label),
        csvCell(e.slate ? 'yes' : 'no'),
        csvCell(e.shotId),
        csvCell(e.takeId),
        csvCell(e.itemId),
        csvCell(e.destinations.join('; '))
      ].join(',')
    )
  }
  return rows.join('\r\n') + '\r\n'
}
