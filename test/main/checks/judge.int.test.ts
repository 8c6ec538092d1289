import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { JUDGE_LIMITS } from '../../../src/main/checks/judge'
import { JUDGE_FRAME_WIDTH } from '../../../src/main/checks/measure'
import { readPolicy, writePolicy } from '../../../src/main/checks/policy'
import { runChecks } from '../../../src/main/checks/run'
import type { TakeUnderCheck } from '../../../src/main/checks/types'
import { openLibrary } from '../../../src/main/library'
import { toolPath } from '../../../src/main/media/ffmpeg-path'
import { startFakeLlm, type FakeLlm } from '../../fixtures/openai-server'
import { tempDir } from '../../helpers/tmp'

/**
 * The judge row through a local OpenAI-compatible chat server (real `openai` client)
 * that receives the frames as image_url data URLs and answers pass and fail verdicts.
 */
const KEY = 'sk-judge-test-key-0123456789abcdef'
const dir = tempDir()
let llm: FakeLlm
let take: TakeUnderCheck

beforeAll(async () => {
  llm = await startFakeLlm()
  const mp4 = join(dir.dir, 'take.mp4')
  execFileSync(toolPath('ffmpeg'), [
    ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi'],
    ...['-i', 'mandelbrot=s=640x360:r=8:end_scale=0.5,format=yuv420p'],
    ...['-t', '10', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', mp4]
  ])
  take = {
    mp4,
    width: 640,
    height: 360,
    durationMs: 10_000,
    loudnessTargetLufs: -16,
    masks: [],
    allowedWords: [],
    prompt: 'a slow zoom into a glowing fractal'
  }
})
afterAll(async () => {
  await llm.close()
  dir.cleanup()
})

const judge = () => ({ baseURL: llm.url, model: 'vision-model', apiKey: KEY })
const judgeRow = async (prompt: string, endpoint: ReturnType<typeof judge> | null = judge()) =>
  (await runChecks({ ...take, prompt }, { tmpRoot: join(dir.dir, 'tmp'), only: ['judge'], judge: endpoint }))[0]!

function jpegWidth(dataUrl: string): number {
  const b = Buffer.from(dataUrl.replace(/^data:image\/jpeg;base64,/, ''), 'base64')
  expect(b.subarray(0, 2).toString('hex')).toBe('ffd8')
  // The first start-of-frame marker holds height, then width.
  for (let i = 2; i < b.length - 9; i++)
    if (b[i] === 0xff && b[i + 1]! >= 0xc0 && b[i + 1]! <= 0xc2) return b.readUInt16BE(i + 7)
  throw new Error('no SOF marker')
}

describe('the judge', () => {
  it('sends the prompt and a few small frames; a matching take without artefacts passes', async () => {
    const before = llm.judged.length
    const r = await judgeRow(take.prompt!)
    expect(r).toMatchObject({ check: 'judge', verdict: 'pass' })
    expect(llm.judged.length - before).toBe(1)
    const asked = llm.judged.at(-1)!
    expect(asked.model).toBe('vision-model')
    expect(asked.authorization).toBe(`Bearer ${KEY}`)
    expect(asked.text).toContain('Prompt: a slow zoom into a glowing fractal')
    // A 10 s take samples 5 moments; the judge sees at most JUDGE_LIMITS.frames of them, downscaled.
    expect(asked.images).toHaveLength(JUDGE_LIMITS.frames)
    for (const url of asked.images) {
      expect(url).toMatch(/^data:image\/jpeg;base64,/)
      expect(jpegWidth(url)).toBe(JUDGE_FRAME_WIDTH)
    }
    expect(asked.text).toMatch(/Frames at (\d+\.\d s, ){3}\d+\.\d s\./)
  })

  it('a take that does not show the prompt, or shows artefacts, fails with the reason and the frames', async () => {
    const r = await judgeRow('a unicorn waving its hands')
    expect(r.verdict).toBe('fail')
    expect(r.reason).toBe('The judge says the frames do not show what the prompt asks; artefacts: "warped hands".')
    expect(r.frames.length).toBeGreaterThan(0)
    const a = await judgeRow('a fractal with hands')
    expect(a).toMatchObject({ verdict: 'fail', score: 0.5, reason: 'The judge says artefacts: "warped hands".' })
  })

  it('an oversized reply or an unreachable judge gives no verdict (skip, reason named), and the key is in no reason', async () => {
    const long = await judgeRow('ramble on')
    expect(long.verdict).toBe('skip')
    expect(long.reason).toMatch(/more than the 4000 a verdict needs/)
    const down = await judgeRow(take.prompt!, { baseURL: 'http://127.0.0.1:9/v1', model: 'm', apiKey: KEY })
    expect(down.verdict).toBe('skip')
    expect(down.reason).toMatch(/the judge at http:\/\/127\.0\.0\.1:9\/v1 could not be asked/)
    expect(down.reason).not.toContain(KEY)
  })

  it('off: nothing is asked', async () => {
    const before = llm.judged.length
    const r = await judgeRow(take.prompt!, null)
    expect(r.verdict).toBe('skip')
    expect(llm.judged.length).toBe(before)
  })

  it('per channel in the gate policy: off by default; turning it on makes its verdict decide', () => {
    const t = tempDir()
    const lib = openLibrary(t.dir)
    try {
      expect(readPolicy(lib, 1).judge).toBe(false)
      writePolicy(lib, 1, { checks: ['text', 'black'] })
      const p = writePolicy(lib, 1, { judge: true })
      expect(p).toMatchObject({ judge: true, checks: ['text', 'black', 'judge'] })
    } finally {
      lib.close()
      t.cleanup()
    }
  })
})
