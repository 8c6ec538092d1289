import { create } from 'zustand'
import type { ChannelDto as Channel, LookPatchDto } from '../../../shared/contract/library'
import { errorMessage, getClient } from '../api/bridge'
import { attempt, useNotices } from './notices'

const SELECTED_KEY = 'webtv.selectedChannel'

interface ChannelsStore {
  channels: Channel[]
  selectedId: number | null
  loaded: boolean
  error: string | null
  load(): Promise<void>
  select(id: number): void
  create(name: string): Promise<Channel | null>
  update(
    id: number,
    patch: Partial<Pick<Channel, 'name' | 'theme' | 'style' | 'reviewPolicy' | 'maxClipSeconds'>> & {
      format?: Partial<Channel['format']>
      look?: LookPatchDto
    }
  ): Promise<boolean>
}

function rememberedId(): number | null {
  try {
    const v = Number(localStorage.getItem(SELECTED_KEY))
    return Number.isInteger(v) && v > 0 ? v : null
  } catch {
    return null
  }
}

export const useChannels = create<ChannelsStore>((set, get) => ({
  channels: [],
  selectedId: null,
  loaded: false,
  error: null,
  async load() {
    try {
      const { channels } = await getClient().bridge.invoke('library.channels.list', {})
      const current = get().selectedId ?? rememberedId()
      const selectedId = channels.some((c) => c.id === current) ? current : (channels[0]?.id ?? null)
      set({ channels, selectedId, loaded: true, error: null })
    } catch (err) {
      set({ error: errorMessage(err), loaded: true })
    }
  },
  select(id) {
    try {
      localStorage.setItem(SELECTED_KEY, String(id))
    } catch {
      /* private mode: the choice just isn't remembered */
    }
    set({ selectedId: id })
  },
  async create(name) {
    let made: Channel | null = null
    await attempt(`Could not create channel “${name}”`, async () => {
      const ch = await getClient().bridge.invoke('library.channels.create', { name })
      await get().load()
      get().select(ch.id)
      made = ch
    })
    return made
  },
  async update(id, patch) {
    return attempt('Channel not saved', async () => {
      const { channel, reconforming } = await getClient().bridge.invoke('library.channels.update', { id, ...patch })
      set((s) => ({ channels: s.channels.map((c) => (c.id === id ? channel : c)) }))
      if (reconforming > 0)
        useNotices
          .getState()
          .push('info', `Re-conforming ${reconforming} shots to the new format or look in the background.`)
    })
  }
}))

export function useSelectedChannel(): Channel | null {
  return useChannels((s) => s.channels.find((c) => c.id === s.selectedId) ?? null)
}
