import { create } from 'zustand'
import type { CallInput, CallOutput } from '../../../shared/contract'
import { getClient } from '../api/bridge'
import { errorMessage } from '../api/bridge'
import { notifyFailure, useNotices } from './notices'

type Backends = CallOutput<'generation.backends.get'>
type Llm = CallOutput<'generation.llm.get'>
type OnairSettings = CallOutput<'onair.settings.get'>
type Voice = CallOutput<'show.voice.get'>
export type VoiceSample = CallOutput<'show.voice.test'>
type Effects = CallOutput<'show.effects.get'>
export type EffectSample = CallOutput<'show.effects.test'>
/** The selected channel's quality gate: its policy, budget left this hour and the checks the studio runs. */
export type GateState = CallOutput<'gate.policy.get'>
export type BackendTest = CallOutput<'generation.backends.test'>['results']

interface SettingsStore {
  backends: Backends | null
  llm: Llm | null
  ports: OnairSettings | null
  voice: Voice | null
  /** A "Test voice" call in flight. */
  testingVoice: boolean
  effects: Effects | null
  /** A "Test effect" call in flight. */
  testingEffect: boolean
  gate: GateState | null
  /** The core's refusal of the last gate save, in its words; null once a save or load went through. */
  gateError: string | null
  testing: boolean
  testResults: BackendTest | null
  load(channelId: number | null): Promise<void>
  saveBackends(input: CallInput<'generation.backends.set'>): Promise<boolean>
  testBackends(channelId: number): Promise<void>
  saveLlm(input: CallInput<'generation.llm.set'>): Promise<boolean>
  savePorts(input: CallInput<'onair.settings.update'>): Promise<boolean>
  saveVoice(input: CallInput<'show.voice.set'>): Promise<boolean>
  /** Speak a sample line with the saved voice settings; null when it failed (said in a notice). */
  testVoice(input: CallInput<'show.voice.test'>): Promise<VoiceSample | null>
  saveEffects(input: CallInput<'show.effects.set'>): Promise<boolean>
  /** Make a short effect with the saved effect settings; null when it failed (said in a notice). */
  testEffect(input: CallInput<'show.effects.test'>): Promise<EffectSample | null>
  /** Change the channel's gate policy; the store then holds what the core answered, never what was sent. */
  saveGate(input: CallInput<'gate.policy.set'>): Promise<boolean>
}

function fail(what: string, err: unknown): false {
  notifyFailure(what, err)
  return false
}

export const useSettings = create<SettingsStore>((set) => ({
  backends: null,
  llm: null,
  ports: null,
  voice: null,
  testingVoice: false,
  effects: null,
  testingEffect: false,
  gate: null,
  gateError: null,
  testing: false,
  testResults: null,
  async load(channelId) {
    const b = getClient().bridge
    const [backends, llm, ports, voice, effects, gate] = await Promise.allSettled([
      channelId === null ? Promise.resolve(null) : b.invoke('generation.backends.get', { channelId }),
      b.invoke('generation.llm.get', {}),
      b.invoke('onair.settings.get', {}),
      b.invoke('show.voice.get', {}),
      b.invoke('show.effects.get', {}),
      channelId === null ? Promise.resolve(null) : b.invoke('gate.policy.get', { channelId })
    ])
    set({
      backends: backends.status === 'fulfilled' ? backends.value : null,
      llm: llm.status === 'fulfilled' ? llm.value : null,
      ports: ports.status === 'fulfilled' ? ports.value : null,
      voice: voice.status === 'fulfilled' ? voice.value : null,
      effects: effects.status === 'fulfilled' ? effects.value : null,
      gate: gate.status === 'fulfilled' ? gate.value : null,
      gateError: null,
      testResults: null
    })
    for (const r of [backends, llm, ports, voice, effects, gate])
      if (r.status === 'rejected') fail('Could not read settings', r.reason)
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
  async saveVoice(input) {
    try {
      const voice = await getClient().bridge.invoke('show.voice.set', input)
      set({ voice })
      useNotices.getState().push('info', 'Voice saved.')
      return true
    } catch (err) {
      return fail('Voice not saved', err)
    }
  },
  async testVoice(input) {
    set({ testingVoice: true })
    try {
      return await getClient().bridge.invoke('show.voice.test', input)
    } catch (err) {
      fail('Voice test failed', err)
      return null
    } finally {
      set({ testingVoice: false })
    }
  },
  async saveEffects(input) {
    try {
      const effects = await getClient().bridge.invoke('show.effects.set', input)
      set({ effects })
      useNotices.getState().push('info', 'Sound effects saved.')
      return true
    } catch (err) {
      return fail('Sound effects not saved', err)
    }
  },
  async testEffect(input) {
    set({ testingEffect: true })
    try {
      return await getClient().bridge.invoke('show.effects.test', input)
    } catch (err) {
      fail('Effect test failed', err)
      return null
    } finally {
      set({ testingEffect: false })
    }
  },
  async saveGate(input) {
    try {
      const gate = await getClient().bridge.invoke('gate.policy.set', input)
      set({ gate, gateError: null })
      useNotices.getState().push('info', 'Quality gate saved.')
      return true
    } catch (err) {
      set({ gateError: errorMessage(err) })
      return fail('Quality gate not saved', err)
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
