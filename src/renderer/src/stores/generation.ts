import { create } from 'zustand'
import type { CallOutput, EventPayload } from '../../../shared/contract'
import type { BackendKind, JobDto } from '../../../shared/contract/generation'
import { errorMessage, getClient } from '../api/bridge'
import { attempt, useNotices } from './notices'

export type Autopilot = CallOutput<'generation.autopilot.get'>

export interface DraftShot {
  key: number
  prompt: string
  seed: number | undefined
}

export interface Draft {
  theme: string
  style: string
  writer: string
  warnings: string[]
  shots: DraftShot[]
}

interface GenerationStore {
  channelId: number | null
  draft: Draft | null
  writing: boolean
  sending: boolean
  writeError: string | null
  jobs: JobDto[]
  autopilot: Autopilot | null
  setChannel(id: number | null): void
  write(input: { theme: string; count: number; style?: string; writer?: 'template' | 'llm' }): Promise<void>
  editDraft(patch: Partial<Pick<Draft, 'style'>>): void
  editShot(key: number, prompt: string): void
  removeShot(key: number): void
  addShot(): void
  discardDraft(): void
  send(opts: { backend?: BackendKind; music?: boolean }): Promise<boolean>
  /** Queue a new take of a shot (same or edited prompt); it shows in the shot's takes when its job is ready. */
  regenerate(shotId: number, prompt: string, opts: { seed?: number; backend?: BackendKind }): Promise<boolean>
  loadJobs(): Promise<void>
  cancel(id: number): Promise<void>
  retry(id: number): Promise<void>
  loadAutopilot(): Promise<void>
  setAutopilot(patch: {
    enabled?: boolean
    reviewPolicy?: 'auto' | 'manual'
    minutesAhead?: number
    theme?: string
    shotsPerSequence?: number
  }): Promise<void>
  onJob(e: EventPayload<'generation.job'>): void
}

let draftKey = 1
let jobsReload: ReturnType<typeof setTimeout> | null = null

export const useGeneration = create<GenerationStore>((set, get) => ({
  channelId: null,
  draft: null,
  writing: false,
  sending: false,
  writeError: null,
  jobs: [],
  autopilot: null,
  setChannel(id) {
    if (id === get().channelId) return
    set({ channelId: id, jobs: [], autopilot: null, draft: null, writeError: null })
    if (id !== null) {
      void get().loadJobs()
      void get().loadAutopilot()
    }
  },
  async write({ theme, count, style, writer }) {
    const channelId = get().channelId
    if (channelId === null) return
    set({ writing: true, writeError: null })
    try {
      const plan = await getClient().bridge.invoke('generation.write', {
        channelId,
        theme,
        count,
        ...(style ? { style } : {}),
        ...(writer ? { writer } : {})
      })
      set({
        draft: {
          theme,
          style: plan.style,
          writer: plan.writer,
          warnings: plan.warnings,
          shots: plan.shots.map((s) => ({ key: draftKey++, prompt: s.prompt, seed: s.seed }))
        }
      })
    } catch (err) {
      set({ writeError: errorMessage(err) })
    } finally {
      set({ writing: false })
    }
  },
  editDraft(patch) {
    const d = get().draft
    if (d) set({ draft: { ...d, ...patch } })
  },
  editShot(key, prompt) {
    const d = get().draft
    if (d) set({ draft: { ...d, shots: d.shots.map((s) => (s.key === key ? { ...s, prompt } : s)) } })
  },
  removeShot(key) {
    const d = get().draft
    if (d) set({ draft: { ...d, shots: d.shots.filter((s) => s.key !== key) } })
  },
  addShot() {
    const d = get().draft
    if (d) set({ draft: { ...d, shots: [...d.shots, { key: draftKey++, prompt: '', seed: undefined }] } })
  },
  discardDraft() {
    set({ draft: null })
  },
  async send({ backend, music }) {
    const { channelId, draft } = get()
    if (channelId === null || !draft || draft.shots.length === 0) return false
    set({ sending: true })
    // One id per send: if the answer is lost and the user presses again, the core returns the first call's jobs.
    const requestId = `ui-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
    const sent = await attempt('Not sent', async () => {
      const out = await getClient().bridge.invoke('generation.enqueue', {
        channelId,
        theme: draft.theme,
        style: draft.style,
        shots: draft.shots.map((s) =>
          s.seed === undefined ? { prompt: s.prompt.trim() } : { prompt: s.prompt.trim(), seed: s.seed }
        ),
        ...(backend ? { backend } : {}),
        ...(music !== undefined ? { music } : {}),
        requestId
      })
      set({ draft: null })
      useNotices
        .getState()
        .push(
          'info',
          `Queued ${out.jobIds.length} job${out.jobIds.length === 1 ? '' : 's'}; the shots join the timeline in order as they finish.`
        )
      void get().loadJobs()
    })
    set({ sending: false })
    return sent
  },
  async regenerate(shotId, prompt, { seed, backend }) {
    return attempt('Could not regenerate', async () => {
      const job = await getClient().bridge.invoke('generation.regenerate', {
        shotId,
        prompt: prompt.trim(),
        ...(seed !== undefined ? { seed } : {}),
        ...(backend ? { backend } : {}),
        requestId: `ui-regen-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
      })
      useNotices
        .getState()
        .push('info', `Making a new take of shot ${shotId} (job ${job.id}); it appears under Takes when ready.`)
      void get().loadJobs()
    })
  },
  async loadJobs() {
    const channelId = get().channelId
    if (channelId === null) return
    await attempt('Could not list jobs', async () => {
      const { jobs } = await getClient().bridge.invoke('generation.jobs.list', { channelId, limit: 200 })
      if (get().channelId === channelId) set({ jobs })
    })
  },
  async cancel(id) {
    await attempt(`Could not cancel job ${id}`, async () => {
      const job = await getClient().bridge.invoke('generation.jobs.cancel', { id })
      set((s) => ({ jobs: s.jobs.map((j) => (j.id === id ? job : j)) }))
    })
  },
  async retry(id) {
    await attempt(`Could not retry job ${id}`, async () => {
      const job = await getClient().bridge.invoke('generation.jobs.retry', { id })
      set((s) => ({ jobs: s.jobs.map((j) => (j.id === id ? job : j)) }))
    })
  },
  async loadAutopilot() {
    const channelId = get().channelId
    if (channelId === null) return
    await attempt('Could not read the autopilot', async () => {
      const autopilot = await getClient().bridge.invoke('generation.autopilot.get', { channelId })
      if (get().channelId === channelId) set({ autopilot })
    })
  },
  async setAutopilot(patch) {
    const channelId = get().channelId
    if (channelId === null) return
    await attempt('Autopilot not changed', async () => {
      const autopilot = await getClient().bridge.invoke('generation.autopilot.set', { channelId, ...patch })
      if (get().channelId === channelId) set({ autopilot })
    })
  },
  onJob(e) {
    if (e.channelId !== get().channelId) return
    const jobs = get().jobs
    const idx = jobs.findIndex((j) => j.id === e.jobId)
    if (idx < 0) {
      // A job this view has not seen (autopilot, CLI): fetch the list once the burst settles.
      if (!jobsReload)
        jobsReload = setTimeout(() => {
          jobsReload = null
          void get().loadJobs()
        }, 300)
      return
    }
    const j = jobs[idx]!
    const next: JobDto = {
      ...j,
      state: e.state,
      step: e.step,
      percent: e.percent,
      queuePosition: e.queuePosition,
      etaSeconds: e.etaSeconds,
      error: e.error,
      attempts: e.attempts,
      shotId: e.shotId,
      endpoint: e.endpoint ?? j.endpoint,
      updatedAt: Date.now(),
      ...(e.runsOn !== undefined ? { runsOn: e.runsOn } : {})
    }
    const copy = [...jobs]
    copy[idx] = next
    set({ jobs: copy })
  }
}))
