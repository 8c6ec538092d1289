/**
 * The show's sound chain (issue 20), on a clip with the detail and motion of real
 * footage:
 * 1. CPU per clip-second of the whole chain — offline voice (espeak-ng once per sentence;
 *    the trimming, measuring and joining in our process), the mix (speech over the model's audio and a
 *    sidechain-ducked music bed, metered in the same pass), the conform with the look
 *    and burned captions — beside today's conform of the same clip (look: loudness
 *    measure + gain, AI label, dips) and the plain conform. Goal: ≤ ×1.5 today's.
 *    Where the limiter under the ceiling will act, one short audio-only pass trials it on the
 *    mix, so the take lands on the target. Beside it, the same chain with a sound effect
 *    (issue 20, item 4): the offline synth makes the cue once (synth and meter in one ffmpeg
 *    run, the level applied in our process) and the mix takes it as one more layer, ducked
 *    under the speech.
 * 2. The writer's tokens per shot for a show plan (bible + sequences + lines), against
 *    the shot-prompt writer, both through the `openai` client on the local
 *    OpenAI-compatible server (usage counted at about four characters a token).
 * CPU time of the ffmpeg/espeak-ng children (/proc), not wall time: the machine is shared.
 * WEBTV_BENCH_SECONDS sets the clip length (default 6), WEBTV_BENCH_REPS the runs (default 2, best kept).
 */
import { join } from 'node:path'
import { tempDir } from '../test/helpers/tmp'
import { startFakeLlm } from '../test/fixtures/openai-server'
import { conform, type ClipLook } from '../src/main/media/conform'
import { runFfmpeg } from '../src/main/media/ffmpeg-runner'
import { DEFAULT_HOUSE_FORMAT } from '../src/shared/house-format'
import { DEFAULT_MIX_LEVELS } from '../src/main/sound/mix'
import { narrate, shotSecondsFor } from '../src/main/voice/narrate'
import { voiceProvider } from '../src/main/voice/registry'
import { LlmShowWriter } from '../src/main/show/writer-llm'
import { LlmWriter } from '../src/main/generation/writer-llm'
import { makeEffect } from '../src/main/sfx/make'
import { effectProvider } from '../src/main/sfx/registry'
import { mkdirSync } from 'node:fs'
import { childrenCpuSeconds, makeRealisticClip } from './polish.bench'

const SECONDS = Number(process.env.WEBTV_BENCH_SECONDS ?? 6)
const REPS = Number(process.env.WEBTV_BENCH_REPS ?? 2)
const LINE = 'Morning comes slowly over the harbour. The first boats leave before the light.'

async function cpu(run: () => Promise<unknown>): Promise<number> {
  let best = Infinity
  for (let i = 0; i < REPS; i++) {
    const before = childrenCpuSeconds()!
    await run()
    best = Math.min(best, childrenCpuSeconds()! - before)
  }
  return best
}

export default async function run(): Promise<void> {
  if (childrenCpuSeconds() === null) {
    console.log('sound bench: needs /proc (Linux) to count the children’s CPU; skipped.')
    return
  }
  const t = tempDir('webtv-sound-bench-')
  try {
    const clip = join(t.dir, 'clip.mkv')
    await makeRealisticClip(clip, SECONDS)
    const music = join(t.dir, 'music.wav')
    await runFfmpeg([
      '-hide_banner',
      '-nostdin',
      '-y',
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      `anoisesrc=color=pink:duration=${SECONDS + 10}:amplitude=0.2:sample_rate=48000`,
      '-ac',
      '2',
      music
    ])
    const targets = (n: string) => ({
      mp4: join(t.dir, `${n}.mp4`),
      ts: join(t.dir, `${n}.ts`),
      poster: join(t.dir, `${n}.jpg`),
      strip: join(t.dir, `${n}.s.jpg`)
    })
    const look: ClipLook = {
      loudness: { integratedLufs: -14, truePeakDb: -1 },
      label: { text: 'AI-generated', position: 'top-left' },
      dipSeconds: 0.25
    }

    const plain = await cpu(() => conform(clip, targets('plain'), DEFAULT_HOUSE_FORMAT))
    const today = await cpu(() => conform(clip, targets('today'), DEFAULT_HOUSE_FORMAT, { look }))
    let layers: string[] = []
    const chain = await cpu(async () => {
      const n = await narrate(
        voiceProvider({ provider: 'os' }),
        { text: LINE, speaker: 'narrator', voice: '' },
        join(t.dir, `voice-${Math.random()}`)
      )
      const r = await conform(clip, targets('narrated'), DEFAULT_HOUSE_FORMAT, {
        look: { ...look, captions: n.cues },
        sound: {
          speech: n.file,
          music: { file: music, offsetSec: 2 },
          keepModelAudio: true,
          levels: DEFAULT_MIX_LEVELS,
          holdToSec: shotSecondsFor(0, n)
        }
      })
      layers = r.mixed ?? []
    })
    let fxLayers: string[] = []
    const withEffect = await cpu(async () => {
      const n = await narrate(
        voiceProvider({ provider: 'os' }),
        { text: LINE, speaker: 'narrator', voice: '' },
        join(t.dir, `voice-${Math.random()}`)
      )
      // A fresh data folder each run: the effect is made, not found in the cache.
      const data = join(t.dir, `data-${Math.random()}`)
      mkdirSync(data)
      const fx = await makeEffect(
        effectProvider({ provider: 'offline' }),
        { cue: 'rain on the harbour', seconds: SECONDS + 2 },
        data
      )
      const r = await conform(clip, targets('effect'), DEFAULT_HOUSE_FORMAT, {
        look: { ...look, captions: n.cues },
        sound: {
          speech: n.file,
          music: { file: music, offsetSec: 2 },
          effect: join(data, ...fx.file.split('/')),
          keepModelAudio: true,
          levels: DEFAULT_MIX_LEVELS,
          holdToSec: shotSecondsFor(0, n)
        }
      })
      fxLayers = r.mixed ?? []
    })
    const per = (s: number) => (s / SECONDS).toFixed(3)
    console.log(
      `clip: ${SECONDS} s at ${DEFAULT_HOUSE_FORMAT.width}x${DEFAULT_HOUSE_FORMAT.height}, best of ${REPS}; CPU-s per clip-second (ffmpeg + espeak-ng children)`
    )
    console.log(`  plain conform                          ${per(plain)}`)
    console.log(`  today's conform (loudness, label, dips) ${per(today)}`)
    console.log(`  sound chain (voice + mix [${layers.join(', ')}] + conform with captions) ${per(chain)}`)
    console.log(`  sound chain with an effect (+ offline synth, mix [${fxLayers.join(', ')}]) ${per(withEffect)}`)
    console.log(
      `  ratio sound chain / today's conform: ×${(chain / today).toFixed(2)} (goal ≤ ×1.5); / plain conform: ×${(chain / plain).toFixed(2)}`
    )
    console.log(
      `  ratio with an effect / today's conform: ×${(withEffect / today).toFixed(2)}; the effect adds ×${(withEffect / chain).toFixed(2)} to the chain`
    )

    const llm = await startFakeLlm()
    try {
      const show = await new LlmShowWriter({ baseUrl: llm.url, model: 'bench' }).write({
        theme: 'a rainy harbour town at dawn',
        sequences: 2,
        shotsPerSequence: 4
      })
      const shots = show.plan.sequences.reduce((n, s) => n + s.shots.length, 0)
      const old = new LlmWriter({ baseUrl: llm.url, model: 'bench' })
      await old.write({ theme: 'a rainy harbour town at dawn', count: 8 })
      console.log(
        `writer: show plan ${(show.tokens / shots).toFixed(0)} tokens per shot (${show.tokens} for ${shots} shots, bible and lines included); shot-prompt writer ${(old.lastTokens / 8).toFixed(0)} tokens per shot`
      )
    } finally {
      await llm.close()
    }
  } finally {
    t.cleanup()
  }
}
