/**
 * The on-air state machine, shared by channels (playout) and destinations (relays):
 * offline → starting → live → reconnecting → … → stopping → offline, or error.
 * Transitions not listed here are programming errors and throw.
 */
export type AirState = 'offline' | 'starting' | 'live' | 'reconnecting' | 'stopping' | 'error'

const allowed: Record<AirState, readonly AirState[]> = {
  offline: ['starting'],
  starting: ['live', 'reconnecting', 'stopping', 'error'],
  live: ['reconnecting', 'stopping', 'error'],
  reconnecting: ['starting', 'live', 'reconnecting', 'stopping', 'error'],
  stopping: ['offline'],
  error: ['starting', 'stopping', 'offline']
}

export interface StateDetail {
  attempt?: number
  nextRetryAt?: number
  message?: string
}

export interface StateChange extends StateDetail {
  from: AirState
  to: AirState
  at: number
}

export class StateMachine {
  private current: AirState = 'offline'
  private detail: StateDetail = {}
  private changedAt = Date.now()

  constructor(private readonly onChange: (change: StateChange) => void = () => {}) {}

  get state(): AirState {
    return this.current
  }
  get since(): number {
    return this.changedAt
  }
  get details(): StateDetail {
    return this.detail
  }

  canGo(to: AirState): boolean {
    return allowed[this.current].includes(to)
  }

  go(to: AirState, detail: StateDetail = {}): void {
    if (!this.canGo(to)) throw new Error(`Invalid on-air transition ${this.current} → ${to}`)
    const from = this.current
    this.current = to
    this.detail = detail
    this.changedAt = Date.now()
    this.onChange({ from, to, at: this.changedAt, ...detail })
  }
}
