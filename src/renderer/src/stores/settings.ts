import { create } from 'zustand'
import type { CallInput, CallOutput } from '../../../shared/contract'
import { getClient } from '../api/bridge'
import { notifyFailure, useNotices } from './notices'

type Backends = CallOutput<'generation.backends.get'>
type Llm = CallOutput<'generation.llm.get'>
type OnairSettings = CallOutput<'onair.settings.get'>
export type BackendTest = CallOutput<'generation.backends.test'>['results']

interface SettingsStore {
  backends: Backends | null
  llm: Llm | null
  ports: OnairSettings | null
  testing: boolean
  testResults: BackendTest | null
  load(channelId: number | null): Promise<void>
  saveBackends(input: CallInput<'generation.backends.set'>): Promise<boolean>
  testBackends(channelId: number): Promise<void>
  saveLlm(input: CallInput<'generation.llm.set'>): Promise<boolean>
  savePorts(input: CallInput<'onair.settings.update'>): Promise<boolean>
}

function fail(what: string, err: unknown): false {
  notifyFailure(what, err)
  return false
}

export const useSettings = create<SettingsStore>((set) => ({
  backends: null,
  llm: null,
  ports: null,
  testing: false,
  testResults: null,
  async load(channelId) {
    const b = getClient().bridge
    const [backends, llm, ports] = await Promise.allSettled([
      channelId === null ? Promise.resolve(null) : b.invoke('generation.backends.get', { channelId }),
      b.invoke('generation.llm.get', {}),
      b.invoke('onair.settings.get', {})
    ])
    set({
      backends: backends.status === 'fulfilled' ? backends.value : null,
      llm: llm.status === 'fulfilled' ? llm.value : null,
      ports: ports.status === 'fulfilled' ? ports.value : null,
      testResults: null
    })
    for (const r of [backends, llm, ports]) if (r.status === 'rejected') fail('Could not read settings', r.reason)
  },
  async saveBackends(input) {
    try {
      const backends = await getClient().bridge.invoke('generation.backends.set', input)
      set({ backends })
      useNotices.getState().push('info', 'Backends saved.')
      return true
    } catch (err) {
      return fail('Backends not saved', err)
    }
  },
  async testBackends(channelId) {
    set({ testing: true, testResults: null })
    try {
      const { results } = await getClient().bridge.invoke('generation.backends.test', { channelId })
      set({ testResults: results })
    } catch (err) {
      fail('Test failed', err)
    } finally {
      set({ testing: false })
    }
  },
  async saveLlm(input) {
    try {
      const llm = await getClient().bridge.invoke('generation.llm.set', input)
      set({ llm })
      useNotices.getState().push('info', 'Writer settings saved.')
      return true
    } catch (err) {
      return fail('Writer settings not saved', err)
    }
  },
  async savePorts(input) {
    try {
      const ports = await getClient().bridge.invoke('onair.settings.update', input)
      set({ ports })
      useNotices.getState().push('info', 'Stream server settings saved; they apply the next time it starts.')
      return true
    } catch (err) {
      return fail('Stream server settings not saved', err)
    }
  }
}))
