import type { Guide } from '../../shared/contract/outputs'
import { nextInOrder, type AirItem } from '../onair/timeline'

export const DEFAULT_GUIDE_HOURS = 6
/** A guide never lists more than this many entries (a timeline of 1 s clips over 48 h would be huge). */
export const MAX_GUIDE_ENTRIES = 2000
/** Clips looked at while projecting (a sequence of many short clips is one entry, so entries alone don't bound the work). */
const MAX_GUIDE_STEPS = 100_000

/** The show sequence a clip belongs to: the guide lists it once, with its title and synopsis. */
export interface GuideSequence {
  id: number
  title: string
  synopsis: string
}

export interface GuideInput {
  channelId: number
  name: string
  stream: string
  /** The channel's airable items in timeline order (what the playout picks from). */
  items: AirItem[]
  shotOf: (itemId: number) => number | null
  onAir: boolean
  /** The clip on air and when it began (wall clock), when on air. */
  now: { itemId: number | null; label: string; durationMs: number; slate: boolean; startedAt: number } | null
  /** The item the playout has already queued after "now", if any. */
  nextItemId: number | null
  at: number
  hours: number
  /** Slate length when nothing is airable (the channel's GOP). */
  slateMs: number
  /** The titled sequence an item's shot belongs to, if any: consecutive clips of one sequence are one programme. */
  sequenceOf?: (itemId: number) => GuideSequence | null
}

type Entry = Guide['entries'][number]

/**
 * Appends a clip to the guide, or lengthens the programme before it when both are
 * clips of the same sequence — one run of it: a clip already in the programme starts
 * the next run (a loop of one sequence is a programme per pass, not one endless one).
 */
function programmes(sequenceOf: GuideInput['sequenceOf']): {
  entries: Entry[]
  push: (e: Entry) => void
} {
  const entries: Entry[] = []
  let run: Set<number | null> = new Set()
  const push = (e: Entry): void => {
    const seq = e.itemId === null || e.slate ? null : (sequenceOf?.(e.itemId) ?? null)
    const last = entries[entries.length - 1]
    if (seq && last && last.sequenceId === seq.id && last.stop === e.start && !run.has(e.itemId)) {
      last.stop = e.stop
      run.add(e.itemId)
      return
    }
    run = new Set([e.itemId])
    entries.push(seq ? { ...e, title: seq.title, synopsis: seq.synopsis, sequenceId: seq.id } : e)
  }
  return { entries, push }
}

/**
 * The projected schedule: the clip on air, then the timeline in "next in order"
 * (looping) from there, each starting when the previous ends, up to `hours` ahead.
 * It is computed from the timeline as it is now, so every edit shows at the next read.
 */
export function projectGuide(g: GuideInput): Guide {
  const { entries, push } = programmes(g.sequenceOf)
  const horizon = g.at + g.hours * 3600_000
  let t = g.at
  const items = g.items.filter((i) => i.durationMs > 0)
  let cursor: { itemId: number; position: number } | null = null
  if (g.onAir && g.now) {
    const stop = g.now.startedAt + Math.max(g.now.durationMs, 0)
    push({
      start: g.now.startedAt,
      stop,
      itemId: g.now.itemId,
      shotId: g.now.itemId === null ? null : g.shotOf(g.now.itemId),
      title: g.now.slate ? 'Standby' : g.now.label,
      slate: g.now.slate,
      now: true
    })
    t = Math.max(stop, g.at)
    const cur = g.now.itemId === null ? undefined : g.items.find((i) => i.itemId === g.now!.itemId)
    if (cur) cursor = { itemId: cur.itemId, position: cur.position }
  }
  // What the playout queued already airs next even if the timeline moved it since.
  let first: AirItem | null =
    g.onAir && g.nextItemId !== null ? (items.find((i) => i.itemId === g.nextItemId) ?? null) : null
  if (items.length === 0) {
    if (g.onAir && t < horizon)
      push({ start: t, stop: horizon, itemId: null, shotId: null, title: 'Standby', slate: true, now: false })
  } else {
    for (let step = 0; t < horizon && entries.length < MAX_GUIDE_ENTRIES && step < MAX_GUIDE_STEPS; step++) {
      const item: AirItem | null = first ?? nextInOrder(items, cursor)
      first = null
      if (!item) break
      push({
        start: t,
        stop: t + item.durationMs,
        itemId: item.itemId,
        shotId: g.shotOf(item.itemId),
        title: item.label,
        slate: false,
        now: false
      })
      t += item.durationMs
      cursor = { itemId: item.itemId, position: item.position }
    }
  }
  return {
    channelId: g.channelId,
    name: g.name,
    stream: g.stream,
    onAir: g.onAir,
    generatedAt: g.at,
    entries,
    jsonPath: `/guide/${g.stream}.json`,
    xmltvPath: `/guide/${g.stream}.xml`
  }
}

function xml(s: string): string {
  return (
    s
      // eslint-disable-next-line no-control-regex -- characters XML 1.0 cannot carry at all
      .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  )
}

/** XMLTV's time format: YYYYMMDDhhmmss +0000 (UTC). */
export function xmltvTime(ms: number): string {
  const d = new Date(ms)
  const p = (n: number, w = 2) => String(n).padStart(w, '0')
  return `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())} +0000`
}

/** Guides as one XMLTV document (one <channel> per guide, then its programmes). */
export function toXmltv(guides: Guide[], studioName = 'WebTV Studio'): string {
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE tv SYSTEM "xmltv.dtd">',
    `<tv generator-info-name="${xml(studioName)}">`
  ]
  for (const g of guides)
    out.push(
      `  <channel id="${xml(g.stream)}.webtv">`,
      `    <display-name>${xml(g.name)}</display-name>`,
      '  </channel>'
    )
  for (const g of guides) {
    for (const e of g.entries) {
      out.push(
        `  <programme start="${xmltvTime(e.start)}" stop="${xmltvTime(e.stop)}" channel="${xml(g.stream)}.webtv">`,
        `    <title>${xml(e.title)}</title>`,
        ...(e.synopsis ? [`    <desc>${xml(e.synopsis)}</desc>`] : []),
        // A sequence is one programme: its own number, not its first shot's.
        ...(e.sequenceId != null
          ? [`    <episode-num system="webtv-sequence">${e.sequenceId}</episode-num>`]
          : e.shotId !== null
            ? [`    <episode-num system="webtv-shot">${e.shotId}</episode-num>`]
            : []),
        '  </programme>'
      )
    }
  }
  out.push('</tv>')
  return out.join('\n') + '\n'
}
