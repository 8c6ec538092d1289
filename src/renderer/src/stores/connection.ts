import { create } from 'zustand'
import type { CallOutput } from '../../../shared/contract'
import { errorMessage, getClient, type ConnectionState } from '../api/bridge'
import { useNotices } from './notices'

interface ConnectionStore {
  state: ConnectionState
  info: CallOutput<'app.info'> | null
  /** Round trip of the last app.ping, ms. */
  pingMs: number | null
  error: string | null
  nextRetryAt: number | null
  init(): () => void
  ping(): Promise<void>
  retryNow(): void
}

export const useConnection = create<ConnectionStore>((set, get) => ({
  state: 'connecting',
  info: null,
  pingMs: null,
  error: null,
  nextRetryAt: null,
  init() {
    const client = getClient()
    const onConnected = async (): Promise<void> => {
      try {
        const info = await client.bridge.invoke('app.info', {})
        set({ info, error: null })
        await get().ping()
      } catch (err) {
        set({ error: errorMessage(err) })
      }
    }
    set({ state: client.connectionState() })
    const offState = client.onConnectionState((state) => {
      set({ state, nextRetryAt: client.nextRetryAt() })
      if (state === 'connected') void onConnected()
    })
    const offNotice = client.bridge.on('app.notice', (n) => useNotices.getState().push(n.level, n.message))
    // In a browser the socket is still opening: the state listener runs onConnected once it is up.
    if (client.connectionState() === 'connected') void onConnected()
    const timer = setInterval(() => {
      if (get().state === 'connected') void get().ping()
    }, 10_000)
    return () => {
      offState()
      offNotice()
      clearInterval(timer)
    }
  },
  async ping() {
    const t0 = performance.now()
    try {
      await getClient().bridge.invoke('app.ping', {})
      set({ pingMs: Math.round(performance.now() - t0) })
    } catch (err) {
      set({ pingMs: null, error: errorMessage(err) })
    }
  },
  retryNow() {
    getClient().retryNow()
  }
}))
