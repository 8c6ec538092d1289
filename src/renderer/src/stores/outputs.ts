import { create } from 'zustand'
import type { CallOutput, EventPayload } from '../../../shared/contract'
import type { AsrunEntry, Guide, OutputSettings } from '../../../shared/contract/outputs'
import { errorMessage, getClient } from '../api/bridge'

type Presets = CallOutput<'outputs.presets'>['presets']

interface OutputsStore {
  channelId: number | null
  settings: OutputSettings | null
  guide: Guide | null
  asrun: AsrunEntry[]
  presets: Presets
  outputState: Partial<Record<'hls' | 'recording', EventPayload<'outputs.state'>>>
  error: string | null
  load(channelId: number): Promise<void>
  reloadGuide(): Promise<void>
  update(patch: Partial<OutputSettings>): Promise<void>
  onAsrun(e: AsrunEntry): void
  onState(e: EventPayload<'outputs.state'>): void
}

const AS_RUN_SHOWN = 100

/** HLS/recording settings, the guide, the as-run log and platform checks of the selected channel, as main reports them. */
export const useOutputs = create<OutputsStore>((set, get) => ({
  channelId: null,
  settings: null,
  guide: null,
  asrun: [],
  presets: [],
  outputState: {},
  error: null,
  async load(channelId) {
    const b = getClient().bridge
    set({ channelId, outputState: get().channelId === channelId ? get().outputState : {} })
    try {
      const [settings, guide, asrun, presets] = await Promise.all([
        b.invoke('outputs.settings.get', { channelId }),
        b.invoke('outputs.guide', { channelId, hours: 2 }),
        b.invoke('outputs.asrun.list', { channelId, limit: AS_RUN_SHOWN }),
        b.invoke('outputs.presets', { channelId })
      ])
      if (get().channelId !== channelId) return
      set({ settings, guide, asrun: asrun.entries, presets: presets.presets, error: null })
    } catch (err) {
      set({ error: errorMessage(err) })
    }
  },
  async reloadGuide() {
    const id = get().channelId
    if (id === null) return
    try {
      const guide = await getClient().bridge.invoke('outputs.guide', { channelId: id, hours: 2 })
      if (get().channelId === id) set({ guide })
    } catch (err) {
      set({ error: errorMessage(err) })
    }
  },
  async update(patch) {
    const id = get().channelId
    if (id === null) return
    try {
      const settings = await getClient().bridge.invoke('outputs.settings.update', { channelId: id, ...patch })
      set({ settings, error: null })
    } catch (err) {
      set({ error: errorMessage(err) })
    }
  },
  onAsrun(e) {
    if (e.channelId !== get().channelId) return
    // Opened entries arrive first, closed ones replace them by id.
    const rest = get().asrun.filter((x) => x.id !== e.id)
    set({ asrun: [e, ...rest].sort((a, b) => b.startedAt - a.startedAt || b.id - a.id).slice(0, AS_RUN_SHOWN) })
    void get().reloadGuide()
  },
  onState(e) {
    if (e.channelId !== get().channelId) return
    set({ outputState: { ...get().outputState, [e.output]: e } })
  }
}))
