/**
 * The one contract between the studio core (main) and every UI (Electron renderer
 * or a browser on `webtv serve`). Each feature owns one file here; this file only
 * merges them. Main validates every input against these schemas.
 */
import type { z } from 'zod'
import { appCalls, appEvents } from './app'
import { libraryCalls, libraryEvents } from './library'
import { generationCalls, generationEvents } from './generation'
import { onairCalls, onairEvents } from './onair'
import { outputsCalls, outputsEvents } from './outputs'
import { notificationEvents } from './notifications'
import { historyCalls, historyEvents } from './history'
import { firstRunCalls, firstRunEvents } from './firstrun'
import { showCalls } from './show'
import { gateCalls } from './gate'
import type { CallSpec } from './define'

export * from './define'

export const calls = {
  ...appCalls,
  ...libraryCalls,
  ...generationCalls,
  ...onairCalls,
  ...outputsCalls,
  ...historyCalls,
  ...firstRunCalls,
  ...showCalls,
  ...gateCalls
} satisfies Record<string, CallSpec>

export const events = {
  ...appEvents,
  ...libraryEvents,
  ...generationEvents,
  ...onairEvents,
  ...outputsEvents,
  ...notificationEvents,
  ...historyEvents,
  ...firstRunEvents
} satisfies Record<string, z.ZodType>

export type Calls = typeof calls
export type CallName = keyof Calls
export type CallInput<K extends CallName> = z.input<Calls[K]['input']>
export type CallOutput<K extends CallName> = z.output<Calls[K]['output']>
/** Input after validation/defaults, as handlers receive it. */
export type ParsedInput<K extends CallName> = z.output<Calls[K]['input']>

export type Events = typeof events
export type EventName = keyof Events
export type EventPayload<E extends EventName> = z.output<Events[E]>

export const callNames = Object.keys(calls) as CallName[]
export const eventNames = Object.keys(events) as EventName[]

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(calls, name)
}
export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(events, name)
}

/**
 * What both shells hand the renderer: `window.studio` in Electron (preload), a
 * WebSocket client in a browser. The renderer only ever sees this.
 */
export interface StudioBridge {
  invoke<K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>>
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void
  /** URL the renderer can put in <video>/<img> for a media path relative to the data dir. */
  mediaUrl(relativePath: string): string
  readonly shell: 'electron' | 'headless'
}

/** Wire shape of a call result as it crosses IPC or the WebSocket. */
export type { CallResult } from './define'
