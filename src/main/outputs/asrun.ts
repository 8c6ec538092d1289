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

  list(f: AsrunFilter & { limit?: number | undefined } = {}): AsrunEntry[] {
    const { where, args } = windowSql(f)
    const sql = `SELECT * FROM asrun ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC, id DESC LIMIT ?`
    return (this.db.prepare(sql).all(...args, f.limit ?? 1000) as Row[]).map(toEntry)
  }

  /**
   * Every entry in the window, oldest first (with `limit`: the newest `limit` of them),
   * for an export of any size. Read in keyset pages of `pageSize`: memory stays one page
   * however long the log, and no read stays open while the consumer waits on a slow
   * pipe or disk (a better-sqlite3 iterator would keep the connection busy for every
   * other caller and pin a WAL snapshot for the whole export).
   */
  *export(f: AsrunFilter & { limit?: number | undefined } = {}, pageSize = EXPORT_PAGE): Generator<AsrunEntry> {
    const { where, args } = windowSql(f)
    const whereSql = (extra: string[]): string => {
      const all = [...where, ...extra]
      return all.length ? `WHERE ${all.join(' AND ')}` : ''
    }
    // Keyset cursor: the last (started_at, id) read; rows strictly after it come next.
    let cursor: [number, number] | null = null
    if (f.limit !== undefined) {
      // The newest `limit` start at the limit-th row counted from the newest; start just before it.
      const first = this.db
        .prepare(`SELECT started_at, id FROM asrun ${whereSql([])} ORDER BY started_at DESC, id DESC LIMIT 1 OFFSET ?`)
        .get(...args, f.limit - 1) as { started_at: number; id: number } | undefined
      if (first) cursor = [first.started_at, first.id - 1]
    }
    const firstPage = this.db.prepare(`SELECT * FROM asrun ${whereSql([])} ORDER BY started_at, id LIMIT ?`)
    const nextPage = this.db.prepare(
      `SELECT * FROM asrun ${whereSql(['(started_at, id) > (?, ?)'])} ORDER BY started_at, id LIMIT ?`
    )
    for (;;) {
      const rows = (cursor ? nextPage.all(...args, ...cursor, pageSize) : firstPage.all(...args, pageSize)) as Row[]
      for (const r of rows) yield toEntry(r)
      if (rows.length < pageSize) return
      const last = rows[rows.length - 1]!
      cursor = [last.started_at, last.id]
    }
  }
}

/** Which entries: one channel or all, started in [from, to). */
export interface AsrunFilter {
  channelId?: number | undefined
  from?: number | undefined
  to?: number | undefined
}

const EXPORT_PAGE = 1000

function windowSql(f: AsrunFilter): { where: string[]; args: unknown[] } {
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
  return { where, args }
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

/** One entry as a CSV record, without its line ending. */
export function asrunCsvRecord(e: AsrunEntry): string {
  return [
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
}

/** The CSV export, header first, one CRLF-ended line per entry, oldest first (entries must come oldest first). */
export function* asrunCsvLines(entries: Iterable<AsrunEntry>): Generator<string> {
  yield ASRUN_CSV_HEADER.join(',') + '\r\n'
  for (const e of entries) yield asrunCsvRecord(e) + '\r\n'
}

export function asrunCsv(entries: AsrunEntry[]): string {
  return [...asrunCsvLines([...entries].sort((a, b) => a.startedAt - b.startedAt || a.id - b.id))].join('')
}
