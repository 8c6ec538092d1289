import { join } from 'node:path'
import { parseStrictInt } from '../../shared/strict-number'
import type { CliCommand, CliContext } from './command'
import { describeLook, lookOptions, lookPatchFromCli, lookUsage } from './look-options'
import { intOpt, requireStringOpt, stringOpt, UsageError } from './command'
import { callCore, withCore } from './open-core'
import type { Core } from '../core/core'
import { LIBRARY } from '../services'
import type { CallOutput } from '../../shared/contract'
import { shotStatusSchema } from '../../shared/contract/library'
import { printable } from './printable'

type ChannelOut = CallOutput<'library.channels.get'>
type ShotOut = CallOutput<'library.shots.get'>

function channelByName(core: Core, name: string): Promise<ChannelOut> {
  return callCore(core, 'library.channels.get', { name })
}

function parseSize(value: string | undefined): { width?: number; height?: number } {
  if (value === undefined) return {}
  const m = /^(\d+)x(\d+)$/i.exec(value.trim())
  if (!m) throw new UsageError(`--size must look like 1024x576, got "${value}".`)
  return { width: Number(m[1]), height: Number(m[2]) }
}

function formatOpts(ctx: CliContext): Record<string, number> | undefined {
  const format: Record<string, number> = { ...parseSize(stringOpt(ctx, 'size')) }
  if (stringOpt(ctx, 'fps') !== undefined) format.fps = intOpt(ctx, 'fps', 24)
  if (stringOpt(ctx, 'video-kbps') !== undefined) format.videoKbps = intOpt(ctx, 'video-kbps', 2000)
  if (stringOpt(ctx, 'video-max-kbps') !== undefined) format.videoMaxKbps = intOpt(ctx, 'video-max-kbps', 2500)
  return Object.keys(format).length ? format : undefined
}

function reviewOpt(ctx: CliContext): 'auto' | 'manual' | undefined {
  const v = stringOpt(ctx, 'review')
  if (v === undefined) return undefined
  if (v !== 'auto' && v !== 'manual') throw new UsageError(`--review must be auto or manual, got "${v}".`)
  return v
}

function seconds(ms: number | null): string {
  return ms === null ? '-' : `${(ms / 1000).toFixed(1)} s`
}

function describeChannel(c: ChannelOut): string {
  const f = c.format
  return `${c.name}  (id ${c.id}, ${f.width}x${f.height} @ ${f.fps} fps, ${f.videoKbps}k, review ${c.reviewPolicy}, ${c.shotCount} shots)`
}

// ------------------------------------------------------------------ import

const importUsage = 'webtv import --channel NAME [--title TEXT] [--add [--at POSITION]] [--manual] [--json] FILE...'

export const importCommand: CliCommand = {
  name: 'import',
  summary: "Import video files into a channel's library (conformed to its format); --add puts them on the timeline",
  usage: importUsage,
  allowPositionals: true,
  options: {
    channel: { type: 'string' },
    manual: { type: 'boolean', default: false },
    title: { type: 'string' },
    add: { type: 'boolean', default: false },
    at: { type: 'string' }
  },
  async run(ctx) {
    const channelName = requireStringOpt(ctx, 'channel', importUsage)
    if (ctx.positionals.length === 0) throw new UsageError(`give at least one FILE.\nUsage: ${importUsage}`)
    const title = stringOpt(ctx, 'title')
    if (title !== undefined && (ctx.positionals.length !== 1 || title.trim() === ''))
      throw new UsageError(`--title names one clip: give one FILE and a non-empty title.\nUsage: ${importUsage}`)
    const add = ctx.values.add === true
    if (!add && stringOpt(ctx, 'at') !== undefined)
      throw new UsageError(`--at goes with --add (where on the timeline to put the clips).\nUsage: ${importUsage}`)
    const at = add ? positionOpt(ctx) : undefined
    return withCore(ctx, async (core) => {
      const channel = await channelByName(core, channelName)
      const files = ctx.positionals
      const imported: number[] = []
      const tty = !ctx.global.json && process.stderr.isTTY
      const stopProgress = core.bus.on('library.importProgress', (p) => {
        if (tty)
          process.stderr.write(
            `\r[${p.index + 1}/${p.count}] ${printable(p.file)}: ${p.step} ${Math.round(p.percent)}%   `
          )
      })
      let failed = 0
      try {
        for (const [i, file] of files.entries()) {
          if (ctx.stopSignal.aborted) {
            ctx.io.err(`Stopped before ${files.length - i} file(s).`)
            return 130
          }
          // One call per file so each result line appears as soon as that file is done.
          const { results } = await callCore(core, 'library.import', {
            channelId: channel.id,
            paths: [file],
            ...(title !== undefined ? { title } : {}),
            ...(ctx.values.manual === true ? { approved: false } : {})
          })
          if (tty) process.stderr.write('\r\x1b[K')
          const r = results[0]!
          if (r.ok) {
            imported.push(r.shot.id)
            if (ctx.global.json) ctx.io.out(JSON.stringify({ file, shotId: r.shot.id, duplicate: r.duplicate }))
            else
              ctx.io.out(
                `[${i + 1}/${files.length}] ok    ${printable(file)} → shot ${r.shot.id} "${printable(r.shot.prompt)}" (${seconds(r.shot.durationMs)}${r.duplicate ? ', already in the library' : ''})`
              )
          } else {
            failed++
            if (ctx.global.json) ctx.io.out(JSON.stringify({ file, error: r.error }))
            else ctx.io.out(`[${i + 1}/${files.length}] FAIL  ${printable(file)}: ${printable(r.error)}`)
          }
        }
      } finally {
        stopProgress()
      }
      if (!ctx.global.json && files.length > 1) ctx.io.err(`${files.length - failed} imported, ${failed} failed.`)
      if (imported.length > 0 && add) {
        const before = await callCore(core, 'library.playlist.get', { channelId: channel.id })
        const pl = await callCore(core, 'library.playlist.add', {
          channelId: channel.id,
          shotIds: imported,
          ...(at !== undefined ? { atPosition: at } : {})
        })
        const first = (at ?? before.items.length) + 1
        if (ctx.global.json) ctx.io.out(JSON.stringify({ added: imported, atPosition: first, playlist: pl }))
        else
          ctx.io.out(
            `Added ${shotList(imported)} to the timeline of "${printable(channel.name)}" at position ${first}${imported.length > 1 ? `–${first + imported.length - 1}` : ''}.`
          )
      } else if (imported.length > 0 && !ctx.global.json) {
        // An import fills the library; what airs is the timeline. Say so, and how.
        ctx.io.out(
          `In the library, not on the timeline. To air: webtv playlist add --channel "${printable(channel.name)}" ${imported.join(' ')} (or import with --add).`
        )
      }
      return failed > 0 ? 1 : 0
    })
  }
}

// ------------------------------------------------------------------ shots

const shotsUsage =
  'webtv shots --channel NAME [--status pending|queued|conforming|ready|failed] [--missing] [--search TEXT] [--check NAME | --failed] [--limit N] [--offset N] [--json]'

type ShotPage = { shots: ShotOut[]; total: number; totalCapped: boolean }

/**
 * `--check NAME` / `--failed`: the shots whose chosen take failed that check (any
 * check), from the gate, then the other filters applied to those shots.
 */
async function failingPage(
  core: Core,
  channelId: number,
  check: string | undefined,
  q: { status?: string | undefined; missing: boolean; limit: number; offset: number }
): Promise<ShotPage> {
  const { shotIds } = await callCore(core, 'gate.shots.failing', { channelId, ...(check ? { check } : {}) })
  const all: ShotOut[] = []
  for (const id of shotIds) {
    const shot = await callCore(core, 'library.shots.get', { id })
    if ((q.status === undefined || shot.status === q.status) && (!q.missing || shot.mediaMissing)) all.push(shot)
  }
  return { shots: all.slice(q.offset, q.offset + q.limit), total: all.length, totalCapped: false }
}

export const shotsCommand: CliCommand = {
  name: 'shots',
  summary: "List or search a channel's shots (--check / --failed: those the quality gate failed)",
  usage: shotsUsage,
  options: {
    channel: { type: 'string' },
    status: { type: 'string' },
    missing: { type: 'boolean', default: false },
    search: { type: 'string' },
    check: { type: 'string' },
    failed: { type: 'boolean', default: false },
    limit: { type: 'string' },
    offset: { type: 'string' }
  },
  async run(ctx) {
    const channelName = requireStringOpt(ctx, 'channel', shotsUsage)
    const status = stringOpt(ctx, 'status')
    if (status !== undefined && !shotStatusSchema.safeParse(status).success) {
      throw new UsageError(`--status must be one of ${shotStatusSchema.options.join(', ')}, got "${status}".`)
    }
    const check = stringOpt(ctx, 'check')
    const byGate = check !== undefined || ctx.values.failed === true
    const search = stringOpt(ctx, 'search')
    if (byGate && search !== undefined)
      throw new UsageError(
        `--search cannot be combined with --check or --failed; use one of them.\nUsage: ${shotsUsage}`
      )
    if (check !== undefined && check.trim() === '')
      throw new UsageError('--check needs a check name, e.g. --check text.')
    const limit = intOpt(ctx, 'limit', 50)
    const offset = intOpt(ctx, 'offset', 0)
    if (limit < 1 || limit > 500) throw new UsageError(`--limit must be from 1 to 500, got ${limit}.`)
    if (offset < 0) throw new UsageError(`--offset must be 0 or more, got ${offset}.`)
    return withCore(ctx, async (core) => {
      const channel = await channelByName(core, channelName)
      const { dataDir } = await callCore(core, 'app.info', {})
      const page: ShotPage = byGate
        ? await failingPage(core, channel.id, check, { status, missing: ctx.values.missing === true, limit, offset })
        : await callCore(core, 'library.shots.list', {
            channelId: channel.id,
            limit,
            offset,
            ...(status !== undefined ? { status: status as ShotOut['status'] } : {}),
            ...(ctx.values.missing === true ? { missing: true } : {}),
            ...(search !== undefined ? { search } : {})
          })
      // The quality gate's results on each shot's chosen take (check, verdict, score, frames, reason).
      const checked = new Map(
        (await callCore(core, 'gate.shots.checks', { shotIds: page.shots.map((s) => s.id) })).shots.map((c) => [
          c.shotId,
          c.checks
        ])
      )
      const abs = (rel: string | null): string | null => (rel === null ? null : join(dataDir, ...rel.split('/')))
      if (ctx.global.json) {
        ctx.io.out(
          JSON.stringify({
            channel: channel.name,
            total: page.total,
            shots: page.shots.map((s) => ({
              ...s,
              mp4File: abs(s.mp4Path),
              posterFile: abs(s.posterPath),
              checks: checked.get(s.id) ?? []
            }))
          })
        )
        return 0
      }
      if (page.shots.length === 0) {
        const what = byGate
          ? `shots whose chosen take failed ${check ? `the ${check} check` : 'a check'}`
          : ctx.values.missing === true
            ? 'shots with missing media'
            : 'shots'
        ctx.io.out(`No ${what}${search ? ` matching "${search}"` : ''} in ${channel.name}.`)
        return 0
      }
      for (const s of page.shots) {
        ctx.io.out(
          `${String(s.id).padStart(6)}  ${s.status.padEnd(10)} ${s.approved ? 'approved' : 'unreviewed'}  ${seconds(s.durationMs).padStart(7)}  ${printable(s.prompt || s.sourceName || '')}`
        )
        if (s.mediaMissing) ctx.io.out(`        media missing: ${abs(s.mp4Path) ?? '(no file)'} is gone or empty`)
        if (s.error) ctx.io.out(`        error: ${printable(s.error)}`)
        for (const c of checked.get(s.id) ?? [])
          if (c.verdict === 'fail') ctx.io.out(`        failed ${c.check}: ${printable(c.reason)}`)
      }
      ctx.io.out(`${page.shots.length} of ${page.total}${page.totalCapped ? '+' : ''} shown.`)
      return 0
    })
  }
}

// ------------------------------------------------------------------ channel

const channelUsage = [
  'webtv channel list [--json]',
  '       webtv channel create NAME [--theme TEXT] [--style TEXT] [--size 1024x576] [--fps 24] [--review auto|manual] [--max-seconds N]',
  '       webtv channel update NAME [--name NEW] [--theme TEXT] [--style TEXT] [--size WxH] [--fps N] [--review auto|manual] [--max-seconds N] [--wait]',
  lookUsage,
  '       webtv channel delete NAME'
].join('\n')

export const channelCommand: CliCommand = {
  name: 'channel',
  summary: 'Create, list, update or delete channels',
  usage: channelUsage,
  allowPositionals: true,
  options: {
    name: { type: 'string' },
    theme: { type: 'string' },
    style: { type: 'string' },
    size: { type: 'string' },
    fps: { type: 'string' },
    'video-kbps': { type: 'string' },
    'video-max-kbps': { type: 'string' },
    review: { type: 'string' },
    'max-seconds': { type: 'string' },
    wait: { type: 'boolean', default: false },
    ...lookOptions
  },
  async run(ctx) {
    const [verb, name, ...rest] = ctx.positionals
    if (rest.length > 0)
      throw new UsageError(`unexpected arguments: ${rest.join(' ')} (quote names with spaces).\nUsage: ${channelUsage}`)
    const maxSeconds = stringOpt(ctx, 'max-seconds') !== undefined ? intOpt(ctx, 'max-seconds', 600) : undefined
    const common = {
      ...(stringOpt(ctx, 'theme') !== undefined ? { theme: stringOpt(ctx, 'theme')! } : {}),
      ...(stringOpt(ctx, 'style') !== undefined ? { style: stringOpt(ctx, 'style')! } : {}),
      ...(formatOpts(ctx) ? { format: formatOpts(ctx)! } : {}),
      ...(reviewOpt(ctx) ? { reviewPolicy: reviewOpt(ctx)! } : {}),
      ...(maxSeconds !== undefined ? { maxClipSeconds: maxSeconds } : {})
    }
    const needName = (): string => {
      if (!name) throw new UsageError(`give the channel NAME.\nUsage: ${channelUsage}`)
      return name
    }
    switch (verb) {
      case undefined:
      case 'list':
        return withCore(ctx, async (core) => {
          const { channels } = await callCore(core, 'library.channels.list', {})
          if (ctx.global.json) ctx.io.out(JSON.stringify({ channels }))
          else if (channels.length === 0) ctx.io.out('No channels yet. Create one: webtv channel create NAME')
          else for (const c of channels) ctx.io.out(describeChannel(c))
          return 0
        })
      case 'create':
        return withCore(ctx, async (core) => {
          const c = await callCore(core, 'library.channels.create', { name: needName(), ...common })
          ctx.io.out(ctx.global.json ? JSON.stringify(c) : `Created ${describeChannel(c)}`)
          return 0
        })
      case 'update':
        return withCore(ctx, async (core) => {
          const current = await channelByName(core, needName())
          const newName = stringOpt(ctx, 'name')
          const { channel, reconforming } = await callCore(core, 'library.channels.update', {
            id: current.id,
            ...common,
            ...(newName !== undefined ? { name: newName } : {}),
            ...(lookPatchFromCli(ctx) ? { look: lookPatchFromCli(ctx)! } : {}),
            ...(ctx.values.reconform === true ? { reconform: true } : {})
          })
          if (ctx.global.json) ctx.io.out(JSON.stringify({ channel, reconforming }))
          else ctx.io.out(`Updated ${describeChannel(channel)}\n  ${describeLook(channel.look)}`)
          if (reconforming > 0) {
            const lib = core.services.find(LIBRARY)
            if (ctx.values.wait === true && lib) {
              if (!ctx.global.json) ctx.io.err(`Re-conforming ${reconforming} shot(s) to the new format…`)
              lib.kickWorker()
              await lib.idle()
              if (!ctx.global.json) ctx.io.err('Done.')
            } else if (!ctx.global.json) {
              ctx.io.err(
                `${reconforming} shot(s) will be re-conformed in the background by the running studio (or pass --wait to do it now).`
              )
            }
          }
          return 0
        })
      case 'delete':
        return withCore(ctx, async (core) => {
          const c = await channelByName(core, needName())
          const r = await callCore(core, 'library.channels.delete', { id: c.id })
          ctx.io.out(
            ctx.global.json
              ? JSON.stringify(r)
              : `Deleted channel "${c.name}" (${r.trashedFiles} media files moved to the trash folder).`
          )
          return 0
        })
      default:
        throw new UsageError(`unknown action "${verb}".\nUsage: ${channelUsage}`)
    }
  }
}

// ------------------------------------------------------------------ playlist

const playlistUsage = [
  'webtv playlist --channel NAME [--json]',
  '       webtv playlist add --channel NAME [--at POSITION] SHOT_ID...',
  '       webtv playlist move --channel NAME ITEM_ID POSITION',
  '       webtv playlist remove --channel NAME ITEM_ID...',
  '  POSITION counts from 1 (the first clip), as in the studio; ITEM_ID is a place on the timeline',
  '  (a shot can be on it more than once), SHOT_ID a clip of the library (webtv shots).',
  '  --json prints the playlist as the contract gives it (positions from 0), for scripts.'
].join('\n')

/** A 1-based POSITION from the command line, as the contract's 0-based one. */
function parsePosition(v: string, what: string): number {
  const n = parseStrictInt(v)
  if (n === undefined || n < 1)
    throw new UsageError(`${what} counts from 1 (the first clip), got "${v}".\nUsage: ${playlistUsage}`)
  return n - 1
}

function positionOpt(ctx: CliContext): number | undefined {
  const v = stringOpt(ctx, 'at')
  return v === undefined ? undefined : parsePosition(v, '--at')
}

function shotList(ids: number[]): string {
  return ids.length === 1 ? `shot ${ids[0]}` : `shots ${ids.join(', ')}`
}

type PlaylistItemOut = CallOutput<'library.playlist.get'>['items'][number]

/** The name a clip goes by everywhere: its title (an imported file's name), else "Shot N" as in the studio. */
function titleOf(i: PlaylistItemOut): string {
  return i.prompt || `Shot ${i.shotId}`
}

function printPlaylist(ctx: CliContext, channelName: string, items: PlaylistItemOut[]): void {
  if (items.length === 0) {
    ctx.io.out(
      `The playlist of ${printable(channelName)} is empty. Add shots: webtv playlist add --channel "${printable(channelName)}" SHOT_ID...`
    )
    return
  }
  const total = items.reduce((t, i) => t + (i.durationMs ?? 0), 0)
  ctx.io.out(`Playlist of "${printable(channelName)}": ${items.length} clip(s), ${seconds(total)}`)
  ctx.io.out(
    `${'POS'.padStart(4)}  ${'ITEM ID'.padEnd(8)} ${'SHOT ID'.padEnd(8)} ${'STATUS'.padEnd(10)} ${'REVIEW'.padEnd(10)} ${'LENGTH'.padStart(7)}  TITLE`
  )
  for (const i of items) {
    ctx.io.out(
      `${String(i.position + 1).padStart(4)}  ${String(i.itemId).padEnd(8)} ${String(i.shotId).padEnd(8)} ${i.status.padEnd(10)} ${(i.approved ? 'approved' : 'unreviewed').padEnd(10)} ${seconds(i.durationMs).padStart(7)}  ${printable(titleOf(i))}`
    )
  }
}

function ids(values: string[], what: string): number[] {
  return values.map((v) => {
    const n = parseStrictInt(v)
    if (n === undefined || n <= 0)
      throw new UsageError(`${what} must be whole numbers, got "${v}".\nUsage: ${playlistUsage}`)
    return n
  })
}

export const playlistCommand: CliCommand = {
  name: 'playlist',
  summary: "Show or edit a channel's playlist (the timeline)",
  usage: playlistUsage,
  allowPositionals: true,
  options: { channel: { type: 'string' }, at: { type: 'string' } },
  async run(ctx) {
    const channelName = requireStringOpt(ctx, 'channel', playlistUsage)
    const [verb, ...args] = ctx.positionals
    return withCore(ctx, async (core) => {
      const channel = await channelByName(core, channelName)
      let playlist: CallOutput<'library.playlist.get'>
      /** What the edit did, in words (printed above the playlist). */
      let did = ''
      switch (verb) {
        case undefined:
        case 'show':
          playlist = await callCore(core, 'library.playlist.get', { channelId: channel.id })
          break
        case 'add': {
          if (args.length === 0) throw new UsageError(`give at least one SHOT_ID.\nUsage: ${playlistUsage}`)
          const at = positionOpt(ctx)
          const shotIds = ids(args, 'SHOT_IDs')
          const before = await callCore(core, 'library.playlist.get', { channelId: channel.id })
          playlist = await callCore(core, 'library.playlist.add', {
            channelId: channel.id,
            shotIds,
            ...(at !== undefined ? { atPosition: at } : {})
          })
          const first = Math.min(at ?? before.items.length, before.items.length) + 1
          did = `Added ${shotList(shotIds)} at position ${first}${shotIds.length > 1 ? `–${first + shotIds.length - 1}` : ''}.`
          break
        }
        case 'move': {
          if (args.length !== 2) throw new UsageError(`give ITEM_ID and POSITION.\nUsage: ${playlistUsage}`)
          const [itemId] = ids([args[0]!], 'ITEM_ID')
          const position = parsePosition(args[1]!, 'POSITION')
          const before = await assertItemsInChannel(core, channel, [itemId!])
          const item = before.find((i) => i.itemId === itemId)!
          playlist = await callCore(core, 'library.playlist.move', { itemId: itemId!, toPosition: position })
          const now = playlist.items.find((i) => i.itemId === itemId)
          did = `Moved item ${itemId} (${printable(titleOf(item))}) from position ${item.position + 1} to ${(now?.position ?? position) + 1}.`
          break
        }
        case 'remove': {
          if (args.length === 0) throw new UsageError(`give at least one ITEM_ID.\nUsage: ${playlistUsage}`)
          const itemIds = ids(args, 'ITEM_IDs')
          const before = await assertItemsInChannel(core, channel, itemIds)
          playlist = await callCore(core, 'library.playlist.remove', { itemIds })
          const gone = before.filter((i) => itemIds.includes(i.itemId))
          did = `Removed ${gone.map((i) => `item ${i.itemId} (${printable(titleOf(i))}, position ${i.position + 1})`).join(', ')}.`
          break
        }
        default:
          throw new UsageError(`unknown action "${verb}".\nUsage: ${playlistUsage}`)
      }
      if (ctx.global.json) {
        ctx.io.out(JSON.stringify(playlist))
        return 0
      }
      if (did) ctx.io.out(did)
      printPlaylist(ctx, channel.name, playlist.items)
      return 0
    })
  }
}

/** The CLI names a channel; refuse item ids from another channel's playlist rather than edit it silently. */
async function assertItemsInChannel(core: Core, channel: ChannelOut, itemIds: number[]): Promise<PlaylistItemOut[]> {
  const { items } = await callCore(core, 'library.playlist.get', { channelId: channel.id })
  const known = new Set(items.map((i) => i.itemId))
  const stray = itemIds.filter((id) => !known.has(id))
  if (stray.length) {
    throw new UsageError(
      `item(s) ${stray.join(', ')} are not in the playlist of "${channel.name}". See: webtv playlist --channel "${channel.name}"`
    )
  }
  return items
}

export const libraryCommands: CliCommand[] = [channelCommand, importCommand, shotsCommand, playlistCommand]
