import type { Server as NetServer, Socket } from 'node:net'

/**
 * Caps on the connections one listener holds: in all, and per remote address.
 * Anyone who can reach a port can open connections, and each held one costs a
 * socket, buffers and a session in memory; past the cap a connection is closed at
 * once, before any protocol code sees it.
 */
export interface ConnectionLimitOptions {
  maxTotal: number
  maxPerAddress: number
  /** Addresses held only to the total (e.g. loopback, where the studio's own proxy and relays connect from). */
  perAddressExempt?: (address: string) => boolean
  /**
   * Slots kept above maxTotal, so a flood that fills maxTotal does not lock out the
   * studio's own traffic. With `reserveFor`, only those addresses take them; without,
   * anyone may, and the socket is marked (isReserve) for the server to insist on its
   * token at once (studio-server.ts).
   */
  reserve?: number
  reserveFor?: (address: string) => boolean
  onRefused: (address: string, why: 'too many connections' | 'too many connections from one address') => void
}

export class ConnectionLimit {
  private readonly perAddress = new Map<string, number>()
  private readonly reserved = new WeakSet<Socket>()
  private total = 0

  constructor(private readonly opts: ConnectionLimitOptions) {}

  get open(): number {
    return this.total
  }

  /** Puts the limit in front of every 'connection' listener the server already has. */
  attach(server: NetServer): void {
    const listeners = server.listeners('connection') as Array<(socket: Socket) => void>
    server.removeAllListeners('connection')
    server.on('connection', (socket: Socket) => {
      if (!this.admit(socket)) return
      for (const l of listeners) l.call(server, socket)
    })
  }

  /** Whether the socket holds one of the reserve slots (admitted while the others were full). */
  isReserve(socket: Socket): boolean {
    return this.reserved.has(socket)
  }

  /** Counts the socket in (until it closes), or destroys it and returns false. */
  admit(socket: Socket): boolean {
    const address = socket.remoteAddress ?? 'unknown'
    const mine = this.perAddress.get(address) ?? 0
    const reserve = this.opts.reserve ?? 0
    const mayReserve = reserve > 0 && (this.opts.reserveFor?.(address) ?? true)
    const full = this.total >= this.opts.maxTotal
    const why =
      full && (!mayReserve || this.total >= this.opts.maxTotal + reserve)
        ? 'too many connections'
        : !full && mine >= this.opts.maxPerAddress && !this.opts.perAddressExempt?.(address)
          ? 'too many connections from one address'
          : null
    if (why) {
      socket.destroy()
      this.opts.onRefused(address, why)
      return false
    }
    if (full) this.reserved.add(socket)
    this.total += 1
    this.perAddress.set(address, mine + 1)
    socket.once('close', () => {
      this.total -= 1
      const n = (this.perAddress.get(address) ?? 1) - 1
      if (n <= 0) this.perAddress.delete(address)
      else this.perAddress.set(address, n)
    })
    return true
  }
}
