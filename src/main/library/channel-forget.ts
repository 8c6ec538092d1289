/**
 * Data other features keep by channel id outside the library's tables (destinations
 * and their keys, backend and ComfyUI settings, output settings, HLS and recording
 * folders). Each feature registers how to forget a deleted channel's; a deletion runs
 * them all, and each feature also sweeps once at start — so a crash between the
 * DELETE and the sweep, or a process that deleted without that feature installed,
 * leaves nothing for a later channel to inherit.
 */
export interface DeletedChannel {
  id: number
  name: string
}

export interface ForgetContext {
  /** Ids of the channels that exist now. Read it AFTER reading your own data (a channel created meanwhile is then in it). */
  liveIds(): Set<number>
  /** The channel just deleted (its name gives its stream folders); null on a sweep at start. */
  deleted: DeletedChannel | null
}

export type ChannelForgetter = (ctx: ForgetContext) => void | Promise<void>

export class ChannelForgetters {
  private readonly list = new Set<ChannelForgetter>()

  add(fn: ChannelForgetter): () => void {
    this.list.add(fn)
    return () => this.list.delete(fn)
  }

  /** Runs every forgetter; one failing does not stop the others (the first error is thrown after). */
  async run(ctx: ForgetContext): Promise<void> {
    let first: unknown
    for (const fn of this.list) {
      try {
        await fn(ctx)
      } catch (err) {
        first ??= err
      }
    }
    if (first !== undefined) throw first
  }
}
