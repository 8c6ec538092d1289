import { StudioError } from '../../shared/contract/define'
import type { ParsedInput } from '../../shared/contract'
import type { BackendSettings } from '../../shared/contract/generation'
import type { FirstRunVideo } from '../../shared/contract/firstrun'
import { defaultBackendConfig } from '../../shared/backend-presets'
import type { Library } from '../library'
import type { Channel } from '../library/rows'
import type { SecretStore } from '../secrets/store'
import { DEFAULT_BACKENDS, HF_TOKEN_SECRET, LLM_KEY_SECRET, setBackends, setLlm } from '../generation/settings'
import { checkBackends } from '../generation/steps'

const DISMISSED_KEY = 'firstrun.dismissed'
const LLM_SETTING = 'generation.llm'
const backendsSetting = (channelId: number): string => `generation.backends.${channelId}`

export interface FirstRunStatus {
  offer: boolean
  dismissed: boolean
  channels: number
}

export function firstRunStatus(lib: Library): FirstRunStatus {
  const channels = lib.listChannels().length
  const dismissed = lib.getSetting(DISMISSED_KEY) === '1'
  return { offer: channels === 0 && !dismissed, dismissed, channels }
}

export function dismissFirstRun(lib: Library, dismissed: boolean): FirstRunStatus {
  if (dismissed) lib.setSetting(DISMISSED_KEY, '1')
  else lib.deleteSetting(DISMISSED_KEY)
  return firstRunStatus(lib)
}

/** The backend settings a first-run video choice means (null: the defaults, nothing to store). */
export function backendsFor(video: FirstRunVideo): Partial<BackendSettings> | null {
  if (video.kind === 'offline') return null
  if (video.kind === 'hf-inference')
    return {
      video: {
        ...DEFAULT_BACKENDS.video,
        backend: 'hf-inference',
        configs: [defaultBackendConfig('hf-inference', 'video')]
      }
    }
  return {
    comfyui: { endpoints: [{ url: video.url, concurrency: 2, sendToken: false }] },
    video: { ...DEFAULT_BACKENDS.video, backend: 'comfyui', comfyui: { workflow: 'wan22-t2v' } }
  }
}

/**
 * The confirm step: the channel, its video backend, the writer and their secrets, all
 * or nothing. Everything is checked before the first write; the SQLite part is one
 * transaction, and if a secret cannot be stored after it, what this call wrote is undone.
 */
export async function setupFirstRun(
  lib: Library,
  secrets: SecretStore,
  input: ParsedInput<'firstrun.setup'>
): Promise<Channel> {
  const { name, theme, writer, video } = input
  if (video.kind === 'hf-inference' && !/^\S{8,}$/.test(video.hfToken))
    throw new StudioError(
      'invalid_input',
      'That does not look like a Hugging Face token (no spaces, at least 8 characters). Copy it again from huggingface.co/settings/tokens, or go on with the offline generator.',
      'video.hfToken'
    )
  if (writer.kind === 'llm' && writer.apiKey && !/^\S+$/.test(writer.apiKey))
    throw new StudioError('invalid_input', 'An API key has no spaces: copy it again.', 'writer.apiKey')
  const backends = backendsFor(video)
  if (backends) checkBackends({ ...DEFAULT_BACKENDS, ...backends })

  const llmBefore = lib.getSetting(LLM_SETTING)
  const channel = lib.transaction(() => {
    const ch = lib.createChannel({ name, theme, reviewPolicy: 'auto' })
    if (backends) setBackends(lib, ch.id, backends)
    if (writer.kind === 'llm') setLlm(lib, { baseUrl: writer.baseUrl, model: writer.model, enabled: true })
    return ch
  })

  const toStore: Array<[string, string]> = []
  if (video.kind === 'hf-inference') toStore.push([HF_TOKEN_SECRET, video.hfToken])
  if (writer.kind === 'llm' && writer.apiKey) toStore.push([LLM_KEY_SECRET, writer.apiKey])
  const before = new Map<string, string | undefined>()
  try {
    for (const [key, value] of toStore) {
      before.set(key, await secrets.get(key))
      await secrets.set(key, value)
    }
  } catch (err) {
    // Undo this call: the channel (with its backends) and the writer, and any secret already replaced.
    lib.deleteChannel(channel.id)
    lib.deleteSetting(backendsSetting(channel.id))
    if (llmBefore === undefined) lib.deleteSetting(LLM_SETTING)
    else lib.setSetting(LLM_SETTING, llmBefore)
    for (const [key, value] of before) {
      if (value === undefined) await secrets.delete(key).catch(() => undefined)
      else await secrets.set(key, value).catch(() => undefined)
    }
    throw new StudioError(
      'unavailable',
      `The channel was not created: its token could not be stored (${err instanceof Error ? err.message : String(err)}). Nothing was changed.`
    )
  }
  return channel
}
