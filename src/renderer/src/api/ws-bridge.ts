import type {
  CallInput,
  CallName,
  CallOutput,
  EventName,
  EventPayload,
  StudioBridge,
  StudioErrorShape
} from '../../../shared/contract'

export type ConnectionState = 'connecting' | 'connected' | 'disconnected'

/** The part of the browser's WebSocket the bridge uses, so tests can hand it the `ws` package's client. */
export interface SocketLike {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  onopen: ((ev: unknown) => void) | null
  onclose: ((ev: unknown) => void) | null
  onerror: ((ev: unknown) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
}

export interface BackoffOptions {
  initialMs: number
  factor: number
  maxMs: number
}

export interface WsBridgeOptions {
  url: string
  createSocket?: (url: string) => SocketLike
  backoff?: Partial<BackoffOptions>
  /** Prefix for media URLs; the headless server serves the data dir's media under /media. */
  mediaBase?: string
}

/** Error a call rejects with: the core's {code, message, field}, or `disconnected` from the bridge itself. */
export class BridgeError extends Error {
  readonly code: StudioErrorShape['code'] | 'disconnected'
  readonly field?: string
  constructor(code: StudioErrorShape['code'] | 'disconnected', message: string, field?: string) {
    super(message)
    this.name = 'BridgeError'
    this.code = code
    if (field !== undefined) this.field = field
  }
}

type ServerFrame =
  | { t: 'result'; id: number; result: { ok: true; value: unknown } | { ok: false; error: StudioErrorShape } }
  | { t: 'event'; name: string; payload: unknown }

interface Pending {
  name: string
  frame: string
  sent: boolean
  resolve: (value: unknown) => void
  reject: (err: Error) => void
}

const OPEN = 1
const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, factor: 1.6, maxMs: 10_000 }

/** Next reconnect delay: grows by `factor` per failed attempt, capped, with up to 10 % jitter so tabs don't stampede. */
export function reconnectDelay(attempt: number, backoff: BackoffOptions, random: () => number = Math.random): number {
  const base = Math.min(backoff.maxMs, backoff.initialMs * Math.pow(backoff.factor, Math.max(0, attempt - 1)))
  return Math.round(base * (1 + 0.1 * random()))
}

export function encodeMediaPath(base: string, relativePath: string): string {
  const clean = relativePath.replace(/^\/+/, '')
  return `${base}/${clean.split('/').map(encodeURIComponent).join('/')}`
}

/**
 * StudioBridge over the headless studio's WebSocket (`/api/ws`). Calls made while the
 * socket is not open wait in a queue; calls already sent when the socket drops reject
 * with code `disconnected`, because the bridge cannot know whether the core ran them.
 */
export class WsBridge implements StudioBridge {
  readonly shell = 'headless' as const
  private socket: SocketLike | null = null
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private readonly listeners = new Map<string, Set<(payload: unknown) => void>>()
  private readonly stateListeners = new Set<(state: ConnectionState) => void>()
  private currentState: ConnectionState = 'connecting'
  private attempt = 0
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null
  private closedByUser = false
  private readonly backoff: BackoffOptions
  private readonly createSocket: (url: string) => SocketLike
  private readonly mediaBase: string
  /** When the next reconnect attempt is due (ms since epoch), for the UI's countdown. */
  nextRetryAt: number | null = null

  constructor(private readonly options: WsBridgeOptions) {
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff }
    this.createSocket = options.createSocket ?? ((url) => new WebSocket(url) as unknown as SocketLike)
    this.mediaBase = options.mediaBase ?? '/media'
    this.connect()
  }

  get state(): ConnectionState {
    return this.currentState
  }

  onState(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener)
    return () => this.stateListeners.delete(listener)
  }

  invoke<K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>> {
    if (this.closedByUser)
      return Promise.reject(new BridgeError('disconnected', `Cannot call ${name}: the studio connection was closed.`))
    const id = this.nextId++
    const frame = JSON.stringify({ t: 'call', id, name, input })
    return new Promise<CallOutput<K>>((resolve, reject) => {
      const entry: Pending = { name, frame, sent: false, resolve: resolve as (v: unknown) => void, reject }
      this.pending.set(id, entry)
      if (this.socket && this.socket.readyState === OPEN) this.send(entry)
    })
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    let set = this.listeners.get(event)
    if (!set) {
      set = new Set()
      this.listeners.set(event, set)
    }
    const l = listener as (payload: unknown) => void
    set.add(l)
    return () => {
      set.delete(l)
    }
  }

  mediaUrl(relativePath: string): string {
    return encodeMediaPath(this.mediaBase, relativePath)
  }

  /** Reconnect now instead of waiting for the backoff timer. */
  retryNow(): void {
    if (this.closedByUser || this.currentState !== 'disconnected') return
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer)
    this.reconnectTimer = null
    this.connect()
  }

  close(): void {
    this.closedByUser = true
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer)
    this.socket?.close()
    for (const [id, p] of this.pending) {
      this.pending.delete(id)
      p.reject(new BridgeError('disconnected', `Call ${p.name} was dropped: the studio connection was closed.`))
    }
    this.setState('disconnected')
  }

  private setState(state: ConnectionState): void {
    if (state === this.currentState) return
    this.currentState = state
    for (const l of this.stateListeners) l(state)
  }

  private send(entry: Pending): void {
    entry.sent = true
    this.socket?.send(entry.frame)
  }

  private connect(): void {
    this.nextRetryAt = null
    this.setState('connecting')
    let socket: SocketLike
    try {
      socket = this.createSocket(this.options.url)
    } catch {
      this.scheduleReconnect()
      return
    }
    this.socket = socket
    socket.onopen = () => {
      this.attempt = 0
      this.setState('connected')
      for (const entry of this.pending.values()) if (!entry.sent) this.send(entry)
    }
    socket.onmessage = (ev) => this.handleFrame(ev.data)
    socket.onerror = () => {
      /* onclose follows and handles it */
    }
    socket.onclose = () => {
      if (this.socket !== socket) return
      this.socket = null
      this.failPending('the connection to the studio was lost before it answered')
      if (this.closedByUser) return
      this.scheduleReconnect()
    }
  }

  private failPending(why: string): void {
    for (const [id, p] of this.pending) {
      if (!p.sent) continue
      this.pending.delete(id)
      p.reject(
        new BridgeError(
          'disconnected',
          `${p.name} did not finish: ${why}. Check that the studio is running; the page reconnects by itself.`
        )
      )
    }
  }

  private scheduleReconnect(): void {
    this.setState('disconnected')
    this.attempt++
    const delay = reconnectDelay(this.attempt, this.backoff)
    this.nextRetryAt = Date.now() + delay
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null
      this.connect()
    }, delay)
  }

  private handleFrame(data: unknown): void {
    let frame: ServerFrame
    try {
      frame = JSON.parse(typeof data === 'string' ? data : String(data)) as ServerFrame
    } catch {
      return
    }
    if (frame.t === 'result') {
      const p = this.pending.get(frame.id)
      if (!p) return
      this.pending.delete(frame.id)
      if (frame.result.ok) p.resolve(frame.result.value)
      else {
        const e = frame.result.error
        p.reject(new BridgeError(e.code, e.message, e.field))
      }
    } else if (frame.t === 'event') {
      const set = this.listeners.get(frame.name)
      if (!set) return
      for (const l of [...set]) {
        try {
          l(frame.payload)
        } catch (err) {
          console.error(`listener for ${frame.name} failed`, err)
        }
      }
    }
  }
}
