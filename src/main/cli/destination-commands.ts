import type { CliCommand } from './command'
import { readSecretFromStdin, requireStringOpt, stringOpt, UsageError } from './command'
import { callCore, openCore } from './open-core'
import { destinationKindSchema, type DestinationDto } from '../../shared/contract/onair'

const usage = [
  'webtv destinations --channel NAME [--json]',
  '       webtv destinations add --channel NAME --twitch [--server INGEST_HOST] [--name TEXT] --key-stdin',
  '       webtv destinations add --channel NAME --url rtmp(s)://host/app [--name TEXT] [--key-stdin]',
  '       webtv destinations add --channel NAME --preset youtube [--backup] | facebook | kick --url URL | srt --url srt://host:port[?streamid=…] [--key-stdin]',
  '       webtv destinations set-key ID --key-stdin',
  '       webtv destinations enable|disable|remove ID'
].join('\n')

function describe(d: DestinationDto): string {
  return `${d.id}  ${d.kind.padEnd(6)} ${d.name}  →  ${d.target}  key: ${d.keyMasked ?? '(none)'}  ${d.enabled ? 'enabled' : 'disabled'}`
}

/**
 * Stored destinations for headless channels: keys go into the secret store from
 * stdin (never the command line), and are only ever shown masked. `webtv air`
 * relays to every enabled destination of the channel.
 */
export const destinationsCommand: CliCommand = {
  name: 'destinations',
  summary:
    "List or edit a channel's stream destinations (Twitch, YouTube, Facebook, Kick, RTMP/RTMPS, SRT); keys via stdin",
  usage,
  allowPositionals: true,
  options: {
    channel: { type: 'string' },
    twitch: { type: 'boolean', default: false },
    preset: { type: 'string' },
    backup: { type: 'boolean', default: false },
    server: { type: 'string' },
    url: { type: 'string' },
    name: { type: 'string' },
    'key-stdin': { type: 'boolean', default: false }
  },
  async run(ctx) {
    const [action = 'list', id] = ctx.positionals
    const core = await openCore(ctx.global.dataDir)
    const print = (d: DestinationDto): void => ctx.io.out(ctx.global.json ? JSON.stringify(d) : describe(d))
    try {
      switch (action) {
        case 'list': {
          const channel = await callCore(core, 'library.channels.get', {
            name: requireStringOpt(ctx, 'channel', usage)
          })
          const { destinations } = await callCore(core, 'onair.destinations.list', { channelId: channel.id })
          if (ctx.global.json) ctx.io.out(JSON.stringify({ destinations }))
          else if (destinations.length === 0)
            ctx.io.out(`No destinations for "${channel.name}" (it airs to the local server only).`)
          else destinations.forEach(print)
          return 0
        }
        case 'add': {
          const channel = await callCore(core, 'library.channels.get', {
            name: requireStringOpt(ctx, 'channel', usage)
          })
          const url = stringOpt(ctx, 'url')
          const preset =
            ctx.values.twitch === true
              ? 'twitch'
              : (stringOpt(ctx, 'preset') ?? (url !== undefined ? 'rtmp' : undefined))
          if (preset === undefined)
            throw new UsageError(`Give either --twitch or --url (or --preset NAME).\nUsage: ${usage}`)
          const kinds = destinationKindSchema.options as readonly string[]
          if (!kinds.includes(preset)) throw new UsageError(`Unknown preset "${preset}"; one of: ${kinds.join(', ')}.`)
          const key =
            ctx.values['key-stdin'] === true ? readSecretFromStdin('webtv destinations add … --key-stdin') : undefined
          if (preset === 'twitch' && !key)
            throw new UsageError('A Twitch destination needs its stream key: pipe it in with --key-stdin.')
          const server = stringOpt(ctx, 'server')
          const name = stringOpt(ctx, 'name')
          print(
            await callCore(core, 'onair.destinations.add', {
              channelId: channel.id,
              kind: preset as DestinationDto['kind'],
              ...(ctx.values.backup === true ? { backup: true } : {}),
              ...(url !== undefined ? { url } : {}),
              ...(server !== undefined ? { server } : {}),
              ...(name !== undefined ? { name } : {}),
              ...(key !== undefined ? { key } : {})
            })
          )
          return 0
        }
        case 'set-key': {
          if (!id) throw new UsageError(`Name the destination ID.\nUsage: ${usage}`)
          if (ctx.values['key-stdin'] !== true)
            throw new UsageError('Pipe the key in with --key-stdin (keys never go on the command line).')
          print(
            await callCore(core, 'onair.destinations.setKey', {
              id,
              key: readSecretFromStdin('webtv destinations set-key ID --key-stdin')
            })
          )
          return 0
        }
        case 'enable':
        case 'disable': {
          if (!id) throw new UsageError(`Name the destination ID.\nUsage: ${usage}`)
          print(await callCore(core, 'onair.destinations.update', { id, enabled: action === 'enable' }))
          return 0
        }
        case 'remove': {
          if (!id) throw new UsageError(`Name the destination ID.\nUsage: ${usage}`)
          const r = await callCore(core, 'onair.destinations.remove', { id })
          ctx.io.out(
            ctx.global.json
              ? JSON.stringify(r)
              : r.removed
                ? `Removed ${id} and its stored key.`
                : `No destination ${id}.`
          )
          return r.removed ? 0 : 1
        }
        default:
          throw new UsageError(`Unknown action "${action}".\nUsage: ${usage}`)
      }
    } finally {
      await core.close()
    }
  }
}
