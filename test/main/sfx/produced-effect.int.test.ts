import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { callCore, openCore } from '../../../src/main/cli/open-core'
import type { Core } from '../../../src/main/core/core'
import { LIBRARY } from '../../../src/main/services'
import { parseShotSound, type ShotSound } from '../../../src/main/show/sound'
import type { ShowDto } from '../../../src/shared/contract/show'
import type { TakeDto } from '../../../src/shared/contract/library'
import { bandLevel, meter } from '../../helpers/audio-meter'
import { tempDir } from '../../helpers/tmp'
import { until } from '../../helpers/until'

/**
 * Effects in a produced show, on a real core: the template writer's plan with an effect
 * cue on a narrated shot, espeak-ng's line, the offline synth's effect, the offline
 * generator's picture and music, the conform's mix — then a regenerated take, and the
 * settings that choose who makes the effects.
 */
const RAIN = 'rain on the window'
/** Above espeak-ng's 11 kHz and the offline music's drone: only the rain is there. */
const RAIN_ONLY_HZ = 12000
/**
 * The channel's loudness target. At the default −14, espeak-ng's peaky speech in a 3 s shot
 * comes out near −15 with or without an effect (measured −14.9 without, −15.1 with): the
 * limiter under the true-peak ceiling takes about a LU. That is the conform's, not the effect's.
 */
const TARGET = -16

const tmp = tempDir()
const data = join(tmp.dir, 'data')
let core: Core
let channelId = 0
let shotIds: number[] = []
let produced: { effects: number; effectWarning: string | null }

function sfxFiles(): string[] {
  const root = join(data, 'sfx')
  if (!existsSync(root)) return []
  return readdirSync(root).flatMap((d) => readdirSync(join(root, d)))
}

function soundOf(shotId: number): ShotSound {
  return parseShotSound(core.services.get(LIBRARY, 'test').shotSoundJson(shotId))!
}

const level = (file: string, hz: number, from: number, to: number): Promise<number> =>
  bandLevel(file, hz, from, to, { q: 4, dir: tmp.dir })

async function takesOf(shotId: number): Promise<TakeDto[]> {
  return (await callCore(core, 'library.takes.list', { shotId })).takes
}

beforeAll(async () => {
  core = await openCore(data)
  const ch = await callCore(core, 'library.channels.create', {
    name: 'Rainy',
    theme: 'a lighthouse keeper at night',
    reviewPolicy: 'auto'
  })
  channelId = ch.id
  await callCore(core, 'library.channels.update', { id: channelId, look: { loudnessTargetLufs: TARGET } })
  await core.startBackground()
  const plan: ShowDto = await callCore(core, 'show.write', {
    channelId,
    sequences: 1,
    shotsPerSequence: 3,
    writer: 'template'
  })
  const seq = plan.sequences[0]!
  // The template speaks on shots 1 and 3 and cues an ambience on shot 2; shot 1 gets rain under its line.
  const shots = seq.shots.map((s, i) => (i === 0 ? { ...s, effect: RAIN } : s))
  expect(shots.map((s) => [Boolean(s.line), Boolean(s.effect)])).toEqual([
    [true, true],
    [false, true],
    [true, false]
  ])
  await callCore(core, 'show.sequence.update', { channelId, id: seq.id, shots })
  const r = await callCore(core, 'show.produce', { channelId, id: seq.id })
  produced = r
  shotIds = r.shotIds
  await until(
    '3 produced shots ready',
    async () => {
      const { shots: rows } = await callCore(core, 'library.shots.list', { channelId, limit: 50 })
      if (rows.some((s) => s.status === 'failed')) throw new Error(`a shot failed: ${JSON.stringify(rows)}`)
      return rows.length === 3 && rows.every((s) => s.status === 'ready') ? rows : undefined
    },
    240_000
  )
}, 300_000)

afterAll(async () => {
  await core?.close()
  tmp.cleanup()
})

describe('sound effects in a produced show', () => {
  it('produce makes each cue once, with the offline synth, and names it in the shot’s sound', () => {
    expect(produced).toMatchObject({ effects: 2, effectWarning: null })
    expect(sfxFiles()).toHaveLength(2)
    const [narrated, ambient, plain] = shotIds.map(soundOf)
    expect(narrated!.effect).toBe(RAIN)
    expect(narrated!.effectAudio?.file).toMatch(/^sfx\//)
    // Long enough for the line and then some (the mix fades it at the shot's real end).
    expect(narrated!.effectAudio!.seconds).toBeGreaterThan(narrated!.narration!.endSec + 0.3)
    expect(ambient!.effectAudio).toBeTruthy()
    expect(plain!.effectAudio ?? null).toBeNull()
    // No work folders left in the data folder.
    expect(readdirSync(data).filter((f) => f.startsWith('tmp-'))).toEqual([])
  })

  it('the conformed take carries the effect after the line, at the loudness target and under the peak ceiling', async () => {
    const [narrated, , plain] = shotIds
    const take = async (id: number): Promise<{ file: string; seconds: number; end: number }> => {
      const [t] = await takesOf(id)
      return {
        file: join(data, ...t!.mp4Path!.split('/')),
        seconds: t!.durationMs! / 1000,
        end: soundOf(id).narration!.endSec
      }
    }
    const rain = await take(narrated!)
    const dry = await take(plain!)
    expect(rain.seconds - rain.end, 'room after the line to listen to').toBeGreaterThan(0.4)
    const withFx = await level(rain.file, RAIN_ONLY_HZ, rain.end + 0.1, rain.seconds - 0.3)
    // The shot without an effect, over its whole length: nothing there in that band (no voice, no music that high).
    const withoutFx = await level(dry.file, RAIN_ONLY_HZ, 0, dry.seconds)
    expect(withFx, `rain band after the line: ${withFx.toFixed(1)} dB`).toBeGreaterThan(-65)
    expect(
      withFx - withoutFx,
      `${withFx.toFixed(1)} dB vs ${withoutFx.toFixed(1)} dB on the shot without`
    ).toBeGreaterThan(15)
    for (const t of [rain, dry]) {
      const m = meter(t.file)
      expect(Math.abs(m.i - TARGET), `${m.i} LUFS`).toBeLessThanOrEqual(1)
      expect(m.tp).toBeLessThanOrEqual(-1)
    }
  })

  it('a regenerated take mixes the same effect, without making it again', async () => {
    const shotId = shotIds[0]!
    const before = sfxFiles()
    const job = await callCore(core, 'generation.regenerate', { shotId, backend: 'offline' })
    const take = await until(
      'the regenerated take',
      async () => {
        const { jobs } = await callCore(core, 'generation.jobs.list', { channelId })
        const j = jobs.find((x) => x.id === job.id)
        if (j?.state === 'failed') throw new Error(`regeneration failed: ${j.error}`)
        if (j?.state !== 'ready') return undefined
        return (await takesOf(shotId)).find((t) => t.jobId === job.id)
      },
      180_000
    )
    expect(sfxFiles()).toEqual(before)
    const file = join(data, ...take.mp4Path!.split('/'))
    const end = soundOf(shotId).narration!.endSec
    expect(await level(file, RAIN_ONLY_HZ, end + 0.15, take.durationMs! / 1000 - 0.3)).toBeGreaterThan(-65)
  }, 200_000)

  it('settings choose who makes the effects: offline by default, hosted ones need a model, off leaves cues silent', async () => {
    expect(await callCore(core, 'show.effects.get', {})).toMatchObject({
      provider: 'offline',
      model: '',
      missing: null
    })
    await expect(callCore(core, 'show.effects.set', { provider: 'hf' })).rejects.toMatchObject({
      code: 'invalid_input',
      field: 'model'
    })
    await expect(callCore(core, 'show.effects.set', { provider: 'fal', model: 'not an endpoint' })).rejects.toThrow(
      /not a fal endpoint id/
    )
    await expect(callCore(core, 'show.effects.set', { model: 'a/b' })).rejects.toThrow(/take no model/)
    const hf = await callCore(core, 'show.effects.set', { provider: 'hf', model: 'stabilityai/stable-audio-open-1.0' })
    expect(hf).toMatchObject({ provider: 'hf', model: 'stabilityai/stable-audio-open-1.0' })
    // No HF token in this studio: said plainly, before anything is sent.
    expect(hf.missing).toMatch(/token/)
    // The model is kept per provider: back to offline and to hf again finds it.
    await callCore(core, 'show.effects.set', { provider: 'offline' })
    expect((await callCore(core, 'show.effects.set', { provider: 'hf' })).model).toBe(
      'stabilityai/stable-audio-open-1.0'
    )
    // Off: a produce says the cues stay silent, and gives no shot an effect.
    await callCore(core, 'show.effects.set', { provider: 'off' })
    const plan = await callCore(core, 'show.get', { channelId })
    const r = await callCore(core, 'show.produce', { channelId, id: plan.sequences[0]!.id })
    expect(r.effects).toBe(0)
    expect(r.effectWarning).toMatch(/off.*stay silent/)
    expect(r.shotIds.map((id) => soundOf(id).effectAudio ?? null)).toEqual([null, null, null])
    await callCore(core, 'show.effects.set', { provider: 'offline' })
  }, 120_000)
})
