import { findOnPath } from '../media/ffmpeg-path'
import { ESPEAK_INSTALL, espeakSpeak } from './os-espeak'
import { openAiSpeak } from './openai-speech'
import { sapiSpeak } from './os-sapi'
import { saySpeak } from './os-say'
import type { SpeechRequest, VoiceProvider, VoiceProviderId, VoiceSettings } from './types'

/** The OS's own voice on each platform: a program we run, never a library we load. */
const OS_VOICES: Record<string, { label: string; speak: VoiceProvider['speak']; missing: () => string | null }> = {
  linux: {
    label: 'espeak-ng (offline)',
    speak: espeakSpeak,
    missing: () => (findOnPath('espeak-ng') ? null : ESPEAK_INSTALL)
  },
  darwin: { label: 'macOS say (offline)', speak: saySpeak, missing: () => null },
  win32: { label: 'Windows speech (offline)', speak: sapiSpeak, missing: () => null }
}

/** One row per provider: how to build it from the settings. */
const PROVIDERS: Record<VoiceProviderId, (s: VoiceSettings) => VoiceProvider> = {
  os: () => {
    const row = OS_VOICES[process.platform] ?? OS_VOICES.linux!
    return { id: 'os', label: row.label, unavailable: async () => row.missing(), speak: row.speak }
  },
  openai: (s) => {
    const o = s.openai
    return {
      id: 'openai',
      label: o ? `OpenAI-compatible speech (${o.model} at ${o.baseUrl})` : 'OpenAI-compatible speech',
      unavailable: async () => (o ? null : 'No speech server is set: give its base URL and model.'),
      speak: (req: SpeechRequest, dir: string, signal?: AbortSignal) => {
        if (!o) throw new Error('No speech server is set.')
        return openAiSpeak(o, req, dir, signal)
      }
    }
  }
}

export const VOICE_PROVIDER_IDS = Object.keys(PROVIDERS) as VoiceProviderId[]

export function voiceProvider(settings: VoiceSettings): VoiceProvider {
  return PROVIDERS[settings.provider](settings)
}
