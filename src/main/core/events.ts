import { EventEmitter } from 'node:events'
import type { EventName, EventPayload } from '../../shared/contract'

/** Typed push channel from the core to every connected UI (IPC and WebSocket alike). */
export class EventBus {
  private readonly emitter = new EventEmitter()
  constructor() {
    // Many windows/sockets may listen; this is not a leak.
    this.emitter.setMaxListeners(0)
  }
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    this.emitter.emit('event', event, payload)
  }
  /** Listen to every event (what the shells forward). Returns an unsubscribe. */
  onAny(listener: (event: EventName, payload: unknown) => void): () => void {
    this.emitter.on('event', listener)
    return () => this.emitter.off('event', listener)
  }
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    const wrapped = (name: EventName, payload: unknown): void => {
      if (name === event) listener(payload as EventPayload<E>)
    }
    return this.onAny(wrapped)
  }
}
