import { findOnPath } from '../media/ffmpeg-path'
import { ESPEAK_INSTALL, espeakSpeak } from './os-espeak'
import { falSpeak, falSpeechWhere } from './fal-speech'
import { hfSpeak, hfSpeechWhere } from './hf-speech'
import { openAiSpeak } from './openai-speech'
import { sapiSpeak } from './os-sapi'
import { saySpeak } from './os-say'
import { VoiceError, type SpeechRequest, type VoiceProvider, type VoiceProviderId, type VoiceSettings } from './types'

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
  },
  hf: (s) => {
    const h = s.hf
    return {
      id: 'hf',
      label: h ? hfSpeechWhere(h) : 'Hugging Face Inference speech',
      unavailable: async () =>
        !h
          ? 'No Hugging Face speech model is set: give a text-to-speech model id (e.g. hexgrad/Kokoro-82M).'
          : h.token
            ? null
            : 'No Hugging Face token is set: paste one in Settings → Backends.',
      speak: (req: SpeechRequest, dir: string, signal?: AbortSignal) => {
        if (!h) throw new VoiceError('No Hugging Face speech model is set.')
        return hfSpeak(h, req, dir, signal)
      }
    }
  },
  fal: (s) => {
    const f = s.fal
    return {
      id: 'fal',
      label: f ? falSpeechWhere(f) : 'fal speech',
      unavailable: async () =>
        !f
          ? 'No fal speech endpoint is set: give one (e.g. fal-ai/kokoro/american-english).'
          : f.key
            ? null
            : 'No fal key is set: paste one in Settings → Backends.',
      speak: (req: SpeechRequest, dir: string, signal?: AbortSignal) => {
        if (!f) throw new VoiceError('No fal speech endpoint is set.')
        return falSpeak(f, req, dir, signal)
      }
    }
  }
}

export const VOICE_PROVIDER_IDS = Object.keys(PROVIDERS) as VoiceProviderId[]

export function voiceProvider(settings: VoiceSettings): VoiceProvider {
  return PROVIDERS[settings.provider](settings)
}
