import { useEffect } from 'react'
import { create } from 'zustand'
import type { ShotDto } from '../../../shared/contract/library'
import type { FirstRunVideo, FirstRunWriter } from '../../../shared/contract/firstrun'
import { errorMessage, getClient } from '../api/bridge'
import { useChannels } from './channels'
import { attempt } from './notices'

/** The first run's steps, in order; the first three only collect, `confirm` creates. */
export const FIRST_RUN_STEPS = ['channel', 'backends', 'confirm', 'generate', 'preview', 'golive'] as const
export type FirstRunStep = (typeof FIRST_RUN_STEPS)[number]

export const DEFAULT_CHANNEL_NAME = 'My first channel'
/** The theme a skipped or empty first step uses (the example its field shows). */
export const DEFAULT_THEME = 'slow camera moves over misty forests at dawn'

export interface FirstRunDraft {
  name: string
  theme: string
  writer: 'template' | 'llm'
  llmUrl: string
  llmModel: string
  llmKey: string
  video: FirstRunVideo['kind']
  hfToken: string
  comfyUrl: string
}

const EMPTY_DRAFT: FirstRunDraft = {
  name: '',
  theme: '',
  writer: 'template',
  llmUrl: 'http://127.0.0.1:11434/v1',
  llmModel: '',
  llmKey: '',
  video: 'offline',
  hfToken: '',
  comfyUrl: ''
}

interface FirstRunStore {
  /** What the core said: no channel yet and not dismissed. */
  offer: boolean
  loaded: boolean
  /** The flow is under way (it keeps showing after its own channel exists, until Finish). */
  active: boolean
  step: FirstRunStep
  draft: FirstRunDraft
  /** The channel the confirm step made. */
  channelId: number | null
  creating: boolean
  error: string | null
  /** Where a refused confirm points (e.g. "video.hfToken"), to show the message beside it. */
  errorField: string | null
  shots: ShotDto[]
  load(): Promise<void>
  edit(patch: Partial<FirstRunDraft>): void
  go(step: FirstRunStep): void
  next(): void
  back(): void
  /** Skip a step: the collecting steps fall back to their defaults. */
  skip(): void
  /** Leave before confirming: the draft is dropped, nothing was created. */
  cancel(): void
  /** Stop offering the first run, remembered by the core. */
  dismiss(): Promise<void>
  confirm(): Promise<boolean>
  loadShots(): Promise<void>
  finish(): void
}

/** What the confirm step sends: the draft as the contract's writer and video choices. */
export function setupInput(d: FirstRunDraft): {
  name: string
  theme: string
  writer: FirstRunWriter
  video: FirstRunVideo
} {
  const writer: FirstRunWriter =
    d.writer === 'llm'
      ? {
          kind: 'llm',
          baseUrl: d.llmUrl.trim(),
          model: d.llmModel.trim(),
          ...(d.llmKey.trim() ? { apiKey: d.llmKey.trim() } : {})
        }
      : { kind: 'template' }
  const video: FirstRunVideo =
    d.video === 'hf-inference'
      ? { kind: 'hf-inference', hfToken: d.hfToken.trim() }
      : d.video === 'comfyui'
        ? { kind: 'comfyui', url: d.comfyUrl.trim() }
        : { kind: 'offline' }
  return { name: d.name.trim() || DEFAULT_CHANNEL_NAME, theme: d.theme.trim() || DEFAULT_THEME, writer, video }
}

const stepAt = (i: number): FirstRunStep => FIRST_RUN_STEPS[Math.max(0, Math.min(FIRST_RUN_STEPS.length - 1, i))]!

export const useFirstRun = create<FirstRunStore>((set, get) => ({
  offer: false,
  loaded: false,
  active: false,
  step: 'channel',
  draft: EMPTY_DRAFT,
  channelId: null,
  creating: false,
  error: null,
  errorField: null,
  shots: [],
  async load() {
    try {
      const s = await getClient().bridge.invoke('firstrun.status', {})
      set({ offer: s.offer, loaded: true })
    } catch {
      // Without an answer the studio shows as it always did.
      set({ offer: false, loaded: true })
    }
  },
  edit(patch) {
    set((s) => ({ draft: { ...s.draft, ...patch }, error: null, errorField: null }))
  },
  go(step) {
    set({ step, error: null, errorField: null })
  },
  next() {
    get().go(stepAt(FIRST_RUN_STEPS.indexOf(get().step) + 1))
  },
  back() {
    const i = FIRST_RUN_STEPS.indexOf(get().step)
    // Once the channel exists, the collecting steps are behind it.
    if (get().channelId !== null && i <= FIRST_RUN_STEPS.indexOf('generate')) return
    get().go(stepAt(i - 1))
  },
  skip() {
    const { step, draft } = get()
    if (step === 'channel') set({ draft: { ...draft, name: draft.name.trim() || DEFAULT_CHANNEL_NAME } })
    if (step === 'backends') set({ draft: { ...draft, writer: 'template', video: 'offline' } })
    get().next()
  },
  cancel() {
    set({ step: 'channel', draft: EMPTY_DRAFT, error: null, errorField: null })
  },
  async dismiss() {
    await attempt('Could not hide the first run', async () => {
      const s = await getClient().bridge.invoke('firstrun.dismiss', { dismissed: true })
      set({ offer: s.offer, active: false })
    })
  },
  async confirm() {
    if (get().creating) return false
    set({ creating: true, error: null, errorField: null })
    try {
      const { channel } = await getClient().bridge.invoke('firstrun.setup', setupInput(get().draft))
      // The flow stays on screen now that a channel exists; the studio follows the new channel.
      set({ active: true, channelId: channel.id, offer: false, step: 'generate' })
      await useChannels.getState().load()
      useChannels.getState().select(channel.id)
      return true
    } catch (err) {
      const field = (err as { field?: unknown }).field
      set({ error: errorMessage(err), errorField: typeof field === 'string' ? field : null })
      return false
    } finally {
      set({ creating: false })
    }
  },
  async loadShots() {
    const channelId = get().channelId
    if (channelId === null) return
    await attempt('Could not list the new shots', async () => {
      const { shots } = await getClient().bridge.invoke('library.shots.list', { channelId, limit: 50 })
      if (get().channelId === channelId) set({ shots: [...shots].reverse() })
    })
  },
  finish() {
    set({ active: false, step: 'channel', draft: EMPTY_DRAFT, shots: [] })
  }
}))

/** Whether the studio shows the first run instead of its main view. */
export function useFirstRunVisible(): boolean {
  useEffect(() => {
    void useFirstRun.getState().load()
  }, [])
  const noChannels = useChannels((s) => s.loaded && s.channels.length === 0)
  return useFirstRun((s) => s.active || (s.loaded && s.offer && noChannels))
}
