import type { CliCommand, CliContext } from './command'
import { requireStringOpt } from './command'
import { callCore, openCore } from './open-core'
import { printable } from './printable'

/**
 * The studio's undo history from the command line: the same steps the studio's
 * Undo/Redo buttons take — edits made in its windows and by earlier `webtv` commands
 * (`webtv playlist move …` then `webtv undo` moves it back) — refused alike when
 * their target was changed elsewhere since.
 */

const historyUsage = 'webtv history --channel NAME [--json]'
const undoUsage = 'webtv undo --channel NAME [--json]'
const redoUsage = 'webtv redo --channel NAME [--json]'

async function withChannel<T>(
  ctx: CliContext,
  usage: string,
  fn: (core: Awaited<ReturnType<typeof openCore>>, channelId: number) => Promise<T>
): Promise<T> {
  const name = requireStringOpt(ctx, 'channel', usage)
  const core = await openCore(ctx.global.dataDir)
  try {
    const channel = await callCore(core, 'library.channels.get', { name })
    return await fn(core, channel.id)
  } finally {
    await core.close()
  }
}

export const historyCommand: CliCommand = {
  name: 'history',
  summary: "Show a channel's undo and redo steps (edits in the studio and by webtv commands)",
  usage: historyUsage,
  options: { channel: { type: 'string' } },
  run: (ctx) =>
    withChannel(ctx, historyUsage, async (core, channelId) => {
      const h = await callCore(core, 'history.get', { channelId })
      if (ctx.global.json) ctx.io.out(JSON.stringify(h))
      else {
        ctx.io.out(`Undo: ${h.undo ? printable(h.undo.label) : '(nothing)'}  (${h.undoCount} step(s))`)
        ctx.io.out(`Redo: ${h.redo ? printable(h.redo.label) : '(nothing)'}  (${h.redoCount} step(s))`)
      }
      return 0
    })
}

function stepCommand(direction: 'undo' | 'redo', usage: string): CliCommand {
  return {
    name: direction,
    summary:
      direction === 'undo'
        ? "Undo a channel's last edit, made in the studio or by a webtv command (refused if changed since)"
        : 'Redo the last undone edit',
    usage,
    options: { channel: { type: 'string' } },
    run: (ctx) =>
      withChannel(ctx, usage, async (core, channelId) => {
        const { label, history } = await callCore(core, `history.${direction}`, { channelId })
        if (ctx.global.json) ctx.io.out(JSON.stringify({ done: label, history }))
        else ctx.io.out(`${direction === 'undo' ? 'Undid' : 'Redid'} ${printable(label)}.`)
        return 0
      })
  }
}

export const historyCommands: CliCommand[] = [
  historyCommand,
  stepCommand('undo', undoUsage),
  stepCommand('redo', redoUsage)
]
