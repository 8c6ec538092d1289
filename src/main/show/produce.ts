import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { StudioError } from '../../shared/contract/define'
import type { GenerationService } from '../generation/service'
import { sha256File } from '../library/rows'
import type { Library } from '../library/library'
import { narrate } from '../voice/narrate'
import type { VoiceProvider } from '../voice/types'
import type { EffectProvider } from '../sfx/types'
import { makeShotEffects } from './effects'
import { shotPrompt, voiceFor } from './plan'
import type { ShotSound } from './sound'
import type { ShowStore } from './store'

export interface ProduceResult {
  sequenceId: number
  shotIds: number[]
  jobIds: number[]
  narrated: number
  /** Why the lines stay silent (no voice here), or null. */
  voiceWarning: string | null
  /** Shots given an effect from their cue, and why any cue stays silent (or null). */
  effects: number
  effectWarning: string | null
}

/**
 * A planned sequence into generation: every prompt built from the bible, every line
 * spoken now (the narration decides each shot's length), kept in the data folder under
 * its content hash, every effect cue made into sound (show/effects.ts), then one job per shot. The shots carry their sound (sound_json), so
 * the conform mixes and captions them whenever it runs — first time or re-conform.
 */
export async function produceSequence(
  deps: { lib: Library; gen: GenerationService; show: ShowStore; voice: VoiceProvider; effects: EffectProvider },
  channelId: number,
  planId: number,
  signal?: AbortSignal
): Promise<ProduceResult> {
  const { lib, gen, show, voice } = deps
  const plan = show.get(channelId)
  const seq = plan.sequences.find((s) => s.id === planId)
  if (!seq) throw new StudioError('not_found', `Sequence ${planId} is not in the show plan of this channel.`, 'id')
  if (!plan.bible)
    throw new StudioError('invalid_input', 'The channel has no show bible yet: write a plan first (webtv show plan).')
  const bible = plan.bible
  // Before any voice or video generator hears a word of it (a person may have edited the plan since it was written).
  await gen.refuseUnmoderated(
    channelId,
    seq.shots.flatMap((s) => [shotPrompt(bible, s), s.line?.text ?? '', s.effect ?? '']),
    'id'
  )
  const voiceWarning = await voice.unavailable()
  const sounds: ShotSound[] = []
  const work = mkdtempSync(join(lib.dataDir, 'tmp-voice-'))
  try {
    for (const [i, shot] of seq.shots.entries()) {
      const line = shot.line
        ? { speaker: shot.line.speaker, text: shot.line.text, voice: voiceFor(bible, shot.line.speaker) }
        : null
      let narration: ShotSound['narration'] = null
      if (line && !voiceWarning) {
        const n = await narrate(voice, line, join(work, String(i)), signal)
        const hash = await sha256File(n.file, signal)
        const rel = `voice/${hash.slice(0, 2)}/${hash}.wav`
        mkdirSync(join(lib.dataDir, 'voice', hash.slice(0, 2)), { recursive: true })
        copyFileSync(n.file, join(lib.dataDir, rel))
        narration = { file: rel, cues: n.cues, endSec: n.endSec }
      }
      sounds.push({ line, effect: shot.effect ?? null, seconds: shot.seconds, narration, music: null })
    }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
  const fx = await makeShotEffects(deps.effects, sounds, lib.dataDir, signal)
  const queued = gen.enqueue({
    channelId,
    theme: bible.setting,
    style: bible.style,
    shots: seq.shots.map((s) => ({ prompt: shotPrompt(bible, s) })),
    requestId: `show-${planId}-${Date.now()}`
  })
  // Synchronously after the enqueue: no job can reach its conform before the shots know their sound.
  lib.transaction(() => queued.shotIds.forEach((id, i) => lib.setShotSoundJson(id, JSON.stringify(sounds[i]))))
  show.markProduced(planId, queued.sequenceId)
  return {
    sequenceId: queued.sequenceId,
    shotIds: queued.shotIds,
    jobIds: queued.jobIds,
    narrated: sounds.filter((s) => s.narration).length,
    voiceWarning: voiceWarning && seq.shots.some((s) => s.line) ? `${voiceWarning} The lines stay silent.` : null,
    effects: fx.made,
    effectWarning: fx.warning
  }
}
