import { falGateway, hfGateway } from './hosted-gateway'
import type { Feature } from '../core/core'
import { StudioError } from '../../shared/contract/define'
import { GenerationError } from '../generation/errors'
import { FAL_KEY_SECRET, HF_TOKEN_SECRET } from '../generation/settings'
import { LlmWriter } from '../generation/writer-llm'
import { GENERATION, LIBRARY, SECRETS } from '../services'
import { voiceProvider } from '../voice/registry'
import { gateEndpoint } from '../checks/endpoints'
import { moderateLines } from '../checks/moderation'
import { planLines } from './plan'
import { produceSequence } from './produce'
import { ShowStore } from './store'
import { VoiceError, type VoiceProvider } from '../voice/types'
import { speakSample } from './voice-test'
import { makeEffectSample } from './effect-test'
import { EffectError } from '../sfx/types'
import {
  effectProviderFor,
  effectSettingsDto,
  getEffectSettings,
  mergeEffectSettings,
  setEffectSettings
} from './effect-settings'
import {
  getVoiceSettings,
  mergeVoiceSettings,
  setVoiceSettings,
  VOICE_KEY_SECRET,
  voiceSettingsDto
} from './voice-settings'
import { LlmShowWriter } from './writer-llm'
import { TemplateShowWriter } from './writer-template'
import type { ShowWriter } from './writer'

/** The show plan: bible and sequences per channel, written, edited (undoable) and produced into generation. */
export const showFeature: Feature = (ctx) => {
  const lib = ctx.services.get(LIBRARY, 'show')
  const secrets = ctx.services.get(SECRETS, 'show')
  const show = new ShowStore(lib.featureDatabase('show'), lib.history)

  const writerFor = async (which: 'template' | 'llm'): Promise<ShowWriter> => {
    if (which === 'template') return new TemplateShowWriter()
    const llm = await ctx.services.get(GENERATION, 'show').service.writer('llm')
    if (!(llm instanceof LlmWriter)) return new TemplateShowWriter()
    return new LlmShowWriter(llm.settings)
  }
  const voice = async (): Promise<VoiceProvider> => {
    const settings = getVoiceSettings(lib)
    // Only the chosen provider's key is read: the speech server's own, or the studio's HF token / fal key.
    const { provider: which, openai, hf, fal } = settings
    const p = voiceProvider(
      which === 'openai' && openai
        ? { ...settings, openai: { ...openai, apiKey: await secrets.get(VOICE_KEY_SECRET) } }
        : which === 'hf' && hf
          ? { ...settings, hf: { ...hf, token: await secrets.get(HF_TOKEN_SECRET), ...hfGateway(settings) } }
          : which === 'fal' && fal
            ? { ...settings, fal: { ...fal, key: await secrets.get(FAL_KEY_SECRET), ...falGateway(settings) } }
            : settings
    )
    // The settings' voice speaks where a line's speaker names none, at the settings' rate (the test and a show alike).
    const fallback = settings.voice ?? ''
    const rate = settings.rate ?? 1
    return {
      ...p,
      speak: (req, dir, sig) => p.speak({ ...req, voice: req.voice || fallback, rate: req.rate * rate }, dir, sig)
    }
  }
  const voiceDto = async () => voiceSettingsDto(getVoiceSettings(lib), await secrets.masked(VOICE_KEY_SECRET))

  return {
    'show.voice.get': () => voiceDto(),
    'show.voice.set': async ({ apiKey, ...patch }) => {
      setVoiceSettings(lib, mergeVoiceSettings(getVoiceSettings(lib), patch))
      if (apiKey === '') await secrets.delete(VOICE_KEY_SECRET)
      else if (apiKey !== undefined) await secrets.set(VOICE_KEY_SECRET, apiKey)
      return voiceDto()
    },
    'show.voice.test': async ({ text, voice: which }) => {
      const provider = await voice()
      try {
        const sample = await speakSample(provider, { text, voice: which ?? '' }, lib.dataDir)
        return { ...sample, provider: provider.label }
      } catch (err) {
        if (err instanceof VoiceError) throw new StudioError('unavailable', err.message)
        throw err
      }
    },
    'show.effects.get': () => effectSettingsDto(lib, secrets),
    'show.effects.set': async (patch) => {
      setEffectSettings(lib, mergeEffectSettings(getEffectSettings(lib), patch))
      return effectSettingsDto(lib, secrets)
    },
    'show.effects.test': async ({ cue, seconds }) => {
      const provider = await effectProviderFor(lib, secrets)
      try {
        const sample = await makeEffectSample(provider, { cue, seconds }, lib.dataDir)
        return { ...sample, provider: provider.label }
      } catch (err) {
        if (err instanceof EffectError) throw new StudioError('unavailable', err.message)
        throw err
      }
    },
    'show.get': ({ channelId }) => {
      lib.getChannel(channelId)
      return show.get(channelId)
    },
    'show.write': async ({ channelId, theme, sequences, shotsPerSequence, writer, keepBible }) => {
      const channel = lib.getChannel(channelId)
      const w = await writerFor(writer)
      const subject = theme?.trim() || channel.theme.trim()
      if (!subject)
        throw new StudioError('invalid_input', 'Give a theme (--theme) or set the channel theme first.', 'theme')
      const bible = keepBible ? (show.get(channelId).bible ?? undefined) : undefined
      const moderate = async (texts: string[]) =>
        moderateLines(lib, channelId, texts, await gateEndpoint(lib, secrets, 'moderation'))
      try {
        const request = { theme: subject, sequences, shotsPerSequence, bible }
        let { plan, tokens } = await w.write(request)
        // A refused line is never kept nor sent on: the writer is asked for another plan, once.
        let verdict = await moderate(planLines(plan))
        if (!verdict.allowed) {
          const again = await w.write({ ...request, avoid: verdict.reason })
          plan = again.plan
          tokens += again.tokens
          verdict = await moderate(planLines(plan))
          if (!verdict.allowed)
            throw new StudioError(
              'invalid_input',
              `The writer's plan was refused twice: ${verdict.reason} Change the theme, or review the blocklist (webtv gate blocklist) and the moderation service (webtv gate moderation).`,
              'theme'
            )
        }
        return { ...show.replacePlan(channelId, plan), writer: w.id, tokens }
      } catch (err) {
        if (err instanceof GenerationError)
          throw new StudioError(err.kind === 'permanent' ? 'invalid_input' : 'unavailable', err.message)
        throw err
      }
    },
    'show.bible.set': ({ channelId, bible }) => show.setBible(channelId, bible),
    'show.sequence.update': ({ channelId, id, title, synopsis, shots }) =>
      show.updateSequence(channelId, id, { title, synopsis, shots }),
    'show.produce': async ({ channelId, id }) => {
      lib.getChannel(channelId)
      const gen = ctx.services.get(GENERATION, 'show').service
      const effects = await effectProviderFor(lib, secrets, channelId)
      return produceSequence({ lib, gen, show, voice: await voice(), effects }, channelId, id)
    }
  }
}
