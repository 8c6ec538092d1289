import { create } from 'zustand'
import type { CallInput, CallOutput } from '../../../shared/contract'
import type { ShowDto } from '../../../shared/contract/show'
import { getClient } from '../api/bridge'
import { attempt, useNotices } from './notices'
import { useGeneration } from './generation'

export type Produced = CallOutput<'show.produce'>
type SequencePatch = Omit<CallInput<'show.sequence.update'>, 'channelId' | 'id'>
type WriteInput = Omit<CallInput<'show.write'>, 'channelId'>
type Bible = NonNullable<ShowDto['bible']>

interface ShowStore {
  channelId: number | null
  /** The core's plan of the selected channel (null until read). */
  show: ShowDto | null
  writing: boolean
  /** Planned sequence ids whose show.produce call is in flight (the core speaks the lines, then queues the jobs). */
  producing: number[]
  /** What the core answered for each planned sequence produced here: its jobs follow in the generation store. */
  produced: Record<number, Produced>
  setChannel(id: number | null): void
  load(): Promise<void>
  write(input: WriteInput): Promise<boolean>
  setBible(bible: Bible): Promise<boolean>
  updateSequence(id: number, patch: SequencePatch): Promise<boolean>
  produce(id: number): Promise<boolean>
}

/** The selected channel's show plan: main owns it; every edit is a show.* call (undoable), and the answer replaces it here. */
export const useShow = create<ShowStore>((set, get) => {
  /** Run a call that answers the whole plan, keep the answer if the channel is still the selected one. */
  const edit = (what: string, call: (channelId: number) => Promise<ShowDto>): Promise<boolean> => {
    const channelId = get().channelId
    if (channelId === null) return Promise.resolve(false)
    return attempt(what, async () => {
      const show = await call(channelId)
      if (get().channelId === channelId) set({ show })
    })
  }
  return {
    channelId: null,
    show: null,
    writing: false,
    producing: [],
    produced: {},
    setChannel(id) {
      if (id === get().channelId) return
      set({ channelId: id, show: null, producing: [], produced: {} })
      void get().load()
    },
    async load() {
      const channelId = get().channelId
      if (channelId === null) return
      await attempt('Could not read the show plan', async () => {
        const show = await getClient().bridge.invoke('show.get', { channelId })
        if (get().channelId === channelId) set({ show })
      })
    },
    async write(input) {
      set({ writing: true })
      try {
        return await edit('No plan written', async (channelId) => {
          const r = await getClient().bridge.invoke('show.write', { channelId, ...input })
          useNotices
            .getState()
            .push('info', `Plan written by the ${r.writer} writer: ${r.sequences.length} sequence(s).`)
          return r
        })
      } finally {
        set({ writing: false })
      }
    },
    setBible: (bible) =>
      edit('Bible not saved', (channelId) => getClient().bridge.invoke('show.bible.set', { channelId, bible })),
    updateSequence: (id, patch) =>
      edit('Sequence not saved', (channelId) =>
        getClient().bridge.invoke('show.sequence.update', { channelId, id, ...patch })
      ),
    async produce(id) {
      const channelId = get().channelId
      if (channelId === null || get().producing.includes(id)) return false
      set((s) => ({ producing: [...s.producing, id] }))
      try {
        return await attempt('Not produced', async () => {
          const r = await getClient().bridge.invoke('show.produce', { channelId, id })
          if (get().channelId !== channelId) return
          set((s) => ({ produced: { ...s.produced, [id]: r } }))
          if (r.voiceWarning) useNotices.getState().push('warning', r.voiceWarning)
          if (r.effectWarning) useNotices.getState().push('warning', r.effectWarning)
          void useGeneration.getState().loadJobs()
          void get().load()
        })
      } finally {
        set((s) => ({ producing: s.producing.filter((p) => p !== id) }))
      }
    }
  }
})
