import { create } from 'zustand'
import type { ShotDto } from '../../../shared/contract/library'
import { errorMessage, getClient } from '../api/bridge'
import { useNotices } from './notices'

interface PreviewStore {
  shotId: number | null
  shot: ShotDto | null
  loading: boolean
  error: string | null
  open(shotId: number): Promise<void>
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
  async open(shotId) {
    set({ shotId, loading: true, error: null, ...(get().shot?.id === shotId ? {} : { shot: null }) })
    await get().reload()
  },
  close() {
    set({ shotId: null, shot: null, error: null })
  },
  async reload() {
    const id = get().shotId
    if (id === null) return
    try {
      const shot = await getClient().bridge.invoke('library.shots.get', { id })
      if (get().shotId === id) set({ shot, loading: false, error: null })
    } catch (err) {
      if (get().shotId === id) set({ loading: false, error: errorMessage(err), ...(errorCode(err) === 'not_found' ? { shot: null } : {}) })
    }
  },
  async setApproved(approved) {
    const shot = get().shot
    if (!shot) return
    try {
      const updated = await getClient().bridge.invoke('library.shots.update', { id: shot.id, approved })
      if (get().shotId === shot.id) set({ shot: updated })
    } catch (err) {
      useNotices.getState().push('error', `Could not ${approved ? 'approve' : 'reject'} the shot: ${errorMessage(err)}`)
    }
  },
  async savePrompt(prompt) {
    const shot = get().shot
    if (!shot) return false
    try {
      const updated = await getClient().bridge.invoke('library.shots.update', { id: shot.id, prompt })
      if (get().shotId === shot.id) set({ shot: updated })
      return true
    } catch (err) {
      useNotices.getState().push('error', `The prompt was not saved: ${errorMessage(err)}`)
      return false
    }
  }
}))

function errorCode(err: unknown): string | undefined {
  return err && typeof err === 'object' && 'code' in err ? String((err as { code: unknown }).code) : undefined
}
