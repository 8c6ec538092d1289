import { create } from 'zustand'
import type { ShotDto, TakeDto } from '../../../shared/contract/library'
import { errorMessage, getClient } from '../api/bridge'
import { attempt, useNotices } from './notices'

interface PreviewStore {
  shotId: number | null
  shot: ShotDto | null
  loading: boolean
  error: string | null
  /** The shot's takes, oldest first. */
  takes: TakeDto[]
  /** A take shown in the player instead of the shot's current media (null: the shot itself). */
  playingTakeId: number | null
  open(shotId: number): Promise<void>
  playTake(takeId: number | null): void
  /** Make a take the shot's media (it airs from the next clip boundary). */
  chooseTake(takeId: number): Promise<void>
  close(): void
  reload(): Promise<void>
  setApproved(approved: boolean): Promise<void>
  savePrompt(prompt: string): Promise<boolean>
}

export const usePreview = create<PreviewStore>((set, get) => ({
  shotId: null,
  shot: null,
  loading: false,
  error: null,
  takes: [],
  playingTakeId: null,
  async open(shotId) {
    set({
      shotId,
      loading: true,
      error: null,
      ...(get().shot?.id === shotId ? {} : { shot: null, takes: [], playingTakeId: null })
    })
    await get().reload()
  },
  close() {
    set({ shotId: null, shot: null, error: null, takes: [], playingTakeId: null })
  },
  playTake(takeId) {
    set({ playingTakeId: takeId })
  },
  async chooseTake(takeId) {
    const id = get().shotId
    await attempt(`Could not use take ${takeId}`, async () => {
      const shot = await getClient().bridge.invoke('library.takes.choose', { takeId })
      if (get().shotId === id) set({ shot, playingTakeId: null })
      await loadTakes(id)
      useNotices
        .getState()
        .push('info', `Shot ${shot.id} now uses the take you chose; it airs from the next clip boundary.`)
    })
  },
  async reload() {
    const id = get().shotId
    if (id === null) return
    try {
      const shot = await getClient().bridge.invoke('library.shots.get', { id })
      if (get().shotId === id) set({ shot, loading: false, error: null })
      await loadTakes(id)
    } catch (err) {
      if (get().shotId === id)
        set({ loading: false, error: errorMessage(err), ...(errorCode(err) === 'not_found' ? { shot: null } : {}) })
    }
  },
  async setApproved(approved) {
    const shot = get().shot
    if (!shot) return
    await attempt(`Could not ${approved ? 'approve' : 'reject'} the shot`, async () => {
      const updated = await getClient().bridge.invoke('library.shots.update', { id: shot.id, approved })
      if (get().shotId === shot.id) set({ shot: updated })
    })
  },
  async savePrompt(prompt) {
    const shot = get().shot
    if (!shot) return false
    return attempt('The prompt was not saved', async () => {
      const updated = await getClient().bridge.invoke('library.shots.update', { id: shot.id, prompt })
      if (get().shotId === shot.id) set({ shot: updated })
    })
  }
}))

/** Read the takes of the shot being previewed (ignored if the preview moved on meanwhile). */
async function loadTakes(id: number | null): Promise<void> {
  if (id === null) return
  try {
    const { takes } = await getClient().bridge.invoke('library.takes.list', { shotId: id })
    if (usePreview.getState().shotId === id) usePreview.setState({ takes })
  } catch {
    /* the shot is gone: reload() says so */
  }
}

function errorCode(err: unknown): string | undefined {
  return err && typeof err === 'object' && 'code' in err ? String((err as { code: unknown }).code) : undefined
}
