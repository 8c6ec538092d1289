import { create } from 'zustand'
import type { CallInput, CallOutput, EventPayload } from '../../../shared/contract'
import type { ChannelAirStatus, DestinationDto, AirStateDto } from '../../../shared/contract/onair'
import { errorMessage, getClient } from '../api/bridge'
import { attempt } from './notices'
import { useTimeline } from './timeline'

export type AirStats = EventPayload<'onair.stats'>
type ServerInfo = CallOutput<'onair.status'>['server']

interface OnAirStore {
  server: ServerInfo | null
  /** What the engine last reported per channel; the UI never sets a state itself. */
  status: Record<number, ChannelAirStatus>
  stats: Record<number, AirStats>
  /** A start/stop call is on its way; the button waits, the state still comes from the engine. */
  requesting: Record<number, 'start' | 'stop' | undefined>
  error: string | null
  load(channelId: number): Promise<void>
  /** The link to the core is down: what we knew may be stale, so show nothing rather than a guess. */
  forget(): void
  start(channelId: number): Promise<void>
  stop(channelId: number): Promise<void>
  addDestination(input: CallInput<'onair.destinations.add'>): Promise<boolean>
  updateDestination(input: CallInput<'onair.destinations.update'>): Promise<boolean>
  removeDestination(channelId: number, id: string): Promise<void>
  setKey(channelId: number, id: string, key: string): Promise<boolean>
  retryNow(channelId: number, id: string): Promise<void>
  onState(e: EventPayload<'onair.state'>): void
  onStats(e: AirStats): void
  onClip(e: EventPayload<'onair.clip'>): void
}

function bridge() {
  return getClient().bridge
}

function putDestination(s: OnAirStore, channelId: number, d: DestinationDto): Partial<OnAirStore> {
  const cur = s.status[channelId]
  if (!cur) return {}
  const exists = cur.destinations.some((x) => x.id === d.id)
  const destinations = exists ? cur.destinations.map((x) => (x.id === d.id ? d : x)) : [...cur.destinations, d]
  return { status: { ...s.status, [channelId]: { ...cur, destinations } } }
}

export const useOnAir = create<OnAirStore>((set, get) => ({
  server: null,
  status: {},
  stats: {},
  requesting: {},
  error: null,
  forget() {
    set({ status: {}, stats: {} })
  },
  async load(channelId) {
    try {
      const out = await bridge().invoke('onair.status', { channelId })
      const st = out.channels.find((c) => c.channelId === channelId)
      set((s) => ({ server: out.server, error: null, ...(st ? { status: { ...s.status, [channelId]: st } } : {}) }))
    } catch (err) {
      set({ error: errorMessage(err) })
    }
  },
  async start(channelId) {
    set((s) => ({ requesting: { ...s.requesting, [channelId]: 'start' } }))
    const done = await attempt('Could not go live', async () => {
      const st = await bridge().invoke('onair.start', { channelId })
      set((s) => ({ status: { ...s.status, [channelId]: st } }))
    })
    if (!done) void get().load(channelId)
    set((s) => ({ requesting: { ...s.requesting, [channelId]: undefined } }))
  },
  async stop(channelId) {
    set((s) => ({ requesting: { ...s.requesting, [channelId]: 'stop' } }))
    const done = await attempt('Could not end the stream', async () => {
      const st = await bridge().invoke('onair.stop', { channelId })
      set((s) => ({ status: { ...s.status, [channelId]: st } }))
    })
    if (!done) void get().load(channelId)
    set((s) => ({ requesting: { ...s.requesting, [channelId]: undefined } }))
  },
  async addDestination(input) {
    return attempt('Destination not added', async () => {
      const d = await bridge().invoke('onair.destinations.add', input)
      set((s) => putDestination(s, input.channelId, d))
    })
  },
  async updateDestination(input) {
    return attempt('Destination not saved', async () => {
      const d = await bridge().invoke('onair.destinations.update', input)
      set((s) => putDestination(s, d.channelId, d))
    })
  },
  async removeDestination(channelId, id) {
    await attempt('Destination not removed', async () => {
      await bridge().invoke('onair.destinations.remove', { id })
      set((s) => {
        const cur = s.status[channelId]
        if (!cur) return s
        return {
          status: { ...s.status, [channelId]: { ...cur, destinations: cur.destinations.filter((d) => d.id !== id) } }
        }
      })
    })
  },
  async setKey(channelId, id, key) {
    return attempt('Stream key not saved', async () => {
      const d = await bridge().invoke('onair.destinations.setKey', { id, key })
      set((s) => putDestination(s, channelId, d))
    })
  },
  async retryNow(channelId, id) {
    await attempt('Retry failed', async () => {
      const d = await bridge().invoke('onair.destinations.retryNow', { id })
      set((s) => putDestination(s, channelId, d))
    })
  },
  onState(e) {
    const cur = get().status[e.channelId]
    if (!cur) {
      void get().load(e.channelId)
      return
    }
    const detail = { state: e.state as AirStateDto, attempt: e.attempt, nextRetryAt: e.nextRetryAt, message: e.message }
    if (e.destinationId === null) {
      const next: ChannelAirStatus = { ...cur, ...stripUndefined(detail), since: e.at }
      if (e.attempt === undefined) delete next.attempt
      if (e.nextRetryAt === undefined) delete next.nextRetryAt
      if (e.message === undefined) delete next.message
      set((s) => ({ status: { ...s.status, [e.channelId]: next } }))
      // URLs, destinations and now/next change with the state: ask the engine once.
      if (e.state === 'live' || e.state === 'offline') void get().load(e.channelId)
    } else {
      const destinations = cur.destinations.map((d) => {
        if (d.id !== e.destinationId) return d
        const nd: DestinationDto = { ...d, ...stripUndefined(detail) }
        if (e.attempt === undefined) delete nd.attempt
        if (e.nextRetryAt === undefined) delete nd.nextRetryAt
        if (e.message === undefined) delete nd.message
        return nd
      })
      set((s) => ({ status: { ...s.status, [e.channelId]: { ...cur, destinations } } }))
    }
  },
  onStats(e) {
    set((s) => {
      const cur = s.status[e.channelId]
      return {
        stats: { ...s.stats, [e.channelId]: e },
        ...(cur
          ? {
              status: {
                ...s.status,
                [e.channelId]: { ...cur, now: e.now, next: e.next, viewers: e.viewers, uptimeS: e.uptimeS }
              }
            }
          : {})
      }
    })
  },
  onClip(e) {
    if (e.phase !== 'airing') return
    void get().load(e.channelId)
  }
}))

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}

export function useChannelAir(channelId: number | null): ChannelAirStatus | null {
  return useOnAir((s) => (channelId === null ? null : (s.status[channelId] ?? null)))
}

export function useNowNext(): { nowItemId: number | null; nextItemId: number | null } {
  const channelId = useTimelineChannel()
  const nowItemId = useOnAir((s) => {
    const st = channelId === null ? undefined : s.status[channelId]
    return st && st.state !== 'offline' ? (st.now?.itemId ?? null) : null
  })
  const nextItemId = useOnAir((s) => {
    const st = channelId === null ? undefined : s.status[channelId]
    return st && st.state !== 'offline' ? (st.next?.itemId ?? null) : null
  })
  return { nowItemId, nextItemId }
}

function useTimelineChannel(): number | null {
  return useTimeline((s) => s.channelId)
}
