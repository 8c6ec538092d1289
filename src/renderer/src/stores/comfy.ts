import { create } from 'zustand'
import type { ComfyEndpoint, ComfyEndpointStatus, TakeOrigin } from '../../../shared/contract/comfyui'
import { errorMessage, getClient } from '../api/bridge'
import { useNotices } from './notices'

/** The ComfyUI pool as the engine reports it, and where each previewed take came from. */
interface ComfyStore {
  channelId: number | null
  endpoints: ComfyEndpoint[]
  status: ComfyEndpointStatus[]
  token: string | null
  origins: Record<number, TakeOrigin>
  load(channelId: number): Promise<void>
  refreshStatus(): Promise<void>
  saveEndpoints(endpoints: ComfyEndpoint[], token?: string): Promise<boolean>
  loadOrigins(shotId: number): Promise<void>
}

export const useComfy = create<ComfyStore>((set, get) => ({
  channelId: null,
  endpoints: [],
  status: [],
  token: null,
  origins: {},
  async load(channelId) {
    set({ channelId })
    try {
      const b = await getClient().bridge.invoke('generation.backends.get', { channelId })
      if (get().channelId !== channelId) return
      set({ endpoints: b.settings.comfyui.endpoints, token: b.comfyuiToken ?? null })
      await get().refreshStatus()
    } catch (err) {
      useNotices.getState().push('error', `Could not read the ComfyUI servers: ${errorMessage(err)}`)
    }
  },
  async refreshStatus() {
    const channelId = get().channelId
    if (channelId === null) return
    try {
      const { endpoints } = await getClient().bridge.invoke('generation.comfyui.status', { channelId })
      if (get().channelId === channelId) set({ status: endpoints })
    } catch {
      /* the link is down: the connection banner says so */
    }
  },
  async saveEndpoints(endpoints, token) {
    const channelId = get().channelId
    if (channelId === null) return false
    try {
      const b = await getClient().bridge.invoke('generation.backends.set', {
        channelId,
        settings: { comfyui: { endpoints } },
        ...(token ? { comfyuiToken: token } : {})
      })
      set({ endpoints: b.settings.comfyui.endpoints, token: b.comfyuiToken ?? null })
      useNotices.getState().push('info', 'ComfyUI servers saved.')
      await get().refreshStatus()
      return true
    } catch (err) {
      const e = err as { field?: string }
      useNotices
        .getState()
        .push('error', `ComfyUI servers not saved: ${errorMessage(err)}${e.field ? ` (field: ${e.field})` : ''}`)
      return false
    }
  },
  async loadOrigins(shotId) {
    try {
      const { origins } = await getClient().bridge.invoke('generation.takes.origin', { shotId })
      set({ origins: { ...get().origins, ...Object.fromEntries(origins.map((o) => [o.takeId, o])) } })
    } catch {
      /* the shot is gone: the preview says so */
    }
  }
}))
