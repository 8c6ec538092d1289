import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { mkdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { startFakeComfy, type FakeComfy, type FakeComfyOptions } from '../../fixtures/comfyui-server'
import { runComfy, type ComfyRun, type RemoteRef } from '../../../src/main/generation/comfyui/run'
import { pickWorkflow, SHIPPED, checkComfyStep, type ComfyGraph } from '../../../src/main/generation/comfyui/workflows'
import { EndpointDownError } from '../../../src/main/generation/comfyui/errors'
import { testComfy } from '../../../src/main/generation/comfyui/health'
import { GenerationError } from '../../../src/main/generation/errors'
import type { StepProgress } from '../../../src/main/generation/types'
import { makeStill } from '../../fixtures/media'
import { freePort } from '../../fixtures/rtmp'
import { tempDir } from '../../helpers/tmp'

const servers: FakeComfy[] = []
async function comfy(opts: FakeComfyOptions = {}): Promise<FakeComfy> {
  const s = await startFakeComfy({ latencyMs: 300, ...opts })
  servers.push(s)
  return s
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})
let tmp: { dir: string; cleanup: () => void }
beforeAll(() => {
  tmp = tempDir()
})
afterAll(() => tmp.cleanup())

let n = 0
function ctx(progress: StepProgress[] = [], signal = new AbortController().signal) {
  const workDir = join(tmp.dir, `w${n++}`)
  mkdirSync(workDir, { recursive: true })
  return { signal, onProgress: (p: StepProgress) => progress.push(p), workDir }
}

function call(s: FakeComfy, over: Partial<ComfyRun> = {}): ComfyRun & { refs: Array<RemoteRef | null> } {
  const refs: Array<RemoteRef | null> = []
  return {
    endpoint: s.url,
    workflow: pickWorkflow({ workflow: 'wan22-t2v', seconds: 2 }, false),
    values: { prompt: 'a red fox, slow pan left', seed: 42 },
    outputName: 'video',
    timeoutMs: 30_000,
    record: (r) => refs.push(r),
    refs,
    ...over
  }
}

const frames = (path: string): number =>
  Number(
    spawnSync('ffprobe', [
      '-v',
      'error',
      '-count_frames',
      '-select_streams',
      'v:0',
      '-show_entries',
      'stream=nb_read_frames',
      '-of',
      'csv=p=0',
      path
    ])
      .stdout.toString()
      .trim()
  )

describe('ComfyUI backend over its real HTTP + WebSocket protocol', () => {
  it('submits the Wan 2.2 workflow with our prompt, seed and length, follows progress and downloads the video', async () => {
    const s = await comfy()
    const progress: StepProgress[] = []
    const c = call(s)
    const out = await runComfy(c, ctx(progress))
    expect(statSync(out).size).toBeGreaterThan(1000)
    expect(frames(out)).toBe(49) // the fixture caps at 49 frames; 2 s × 24 fps + 1 = 49
    expect(s.submits).toHaveLength(1)
    const g = s.submits[0]!.graph
    expect(g['6']!.inputs.text).toBe('a red fox, slow pan left')
    expect(g['3']!.inputs.seed).toBe(42)
    expect(g['55']!.inputs.length).toBe(49)
    expect(c.refs[0]!.promptId).toBe('') // the client id is kept before the prompt is sent
    expect(s.submits[0]!.clientId).toBe(c.refs[0]!.clientId)
    expect(c.refs[1]!.promptId).toBe(s.submits[0]!.promptId)
    expect(progress.some((p) => (p.percent ?? 0) > 0 && (p.percent ?? 0) < 100)).toBe(true)
    expect(progress.at(-1)!.percent).toBe(100)
  })

  it('image-to-video: uploads the start image and puts its name into LoadImage', async () => {
    const s = await comfy()
    const still = makeStill(tmp.dir, 'start.png')
    const out = await runComfy(
      call(s, { workflow: pickWorkflow({ workflow: 'wan22-t2v' }, true), startImage: still }),
      ctx()
    )
    expect(s.uploads).toHaveLength(1)
    expect(s.submits[0]!.graph['56']!.inputs.image).toBe('webtv/start.png')
    expect(s.executions[0]!.startImage).toBe('webtv/start.png')
    expect(statSync(out).size).toBeGreaterThan(500)
  })

  it('a model the server lacks: refused in plain words, not retried', async () => {
    const s = await comfy()
    const graph = JSON.parse(JSON.stringify(SHIPPED['wan22-t2v'].graph)) as ComfyGraph
    graph['37']!.inputs.unet_name = 'wan2.2_t2v_high_noise_14B_fp8_scaled.safetensors'
    const w = { ...pickWorkflow({ workflow: 'wan22-t2v' }, false), graph }
    const err = await runComfy(call(s, { workflow: w }), ctx()).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(GenerationError)
    expect((err as GenerationError).kind).toBe('permanent')
    expect((err as Error).message).toMatch(/node 37 \(UNETLoader\).*not installed on that server/)
  })

  it('a node class the server does not have: says to install the custom nodes', async () => {
    const s = await comfy()
    const graph = { ...SHIPPED['wan22-t2v'].graph, '99': { class_type: 'VHS_VideoCombine', inputs: {} } } as ComfyGraph
    const err = await runComfy(
      call(s, { workflow: { ...pickWorkflow({ workflow: 'wan22-t2v' }, false), graph } }),
      ctx()
    ).catch((e: unknown) => e)
    expect((err as GenerationError).kind).toBe('permanent')
    expect((err as Error).message).toMatch(/VHS_VideoCombine does not exist.*Install Missing Custom Nodes/)
  })

  it('out of GPU memory: a transient failure that says what to do', async () => {
    const s = await comfy({ oomNext: 1 })
    const err = await runComfy(call(s), ctx()).catch((e: unknown) => e)
    expect((err as GenerationError).kind).toBe('transient')
    expect((err as Error).message).toMatch(/ran out of memory in node 3 \(KSampler\).*--lowvram/)
  })

  it('cancel interrupts a running prompt and deletes a waiting one', async () => {
    // Long enough that the first is still running when the cancel reaches the server, however busy the machine.
    const s = await comfy({ latencyMs: 10_000 })
    const a = new AbortController()
    const b = new AbortController()
    const first = runComfy(call(s), ctx([], a.signal)).catch((e: unknown) => e)
    // The server says the first runs, then that the second waits behind it (not a guess of how long that takes).
    await expect.poll(() => s.executions.length, { timeout: 20_000 }).toBe(1)
    const secondCall = call(s, { values: { prompt: 'second one', seed: 2 } })
    const second = runComfy(secondCall, ctx([], b.signal)).catch((e: unknown) => e)
    // Waiting, and the run knows its prompt id (a cancel before that is the next test's case).
    await expect.poll(() => secondCall.refs.some((r) => !!r?.promptId), { timeout: 20_000 }).toBe(true)
    expect(s.submits).toHaveLength(2)
    b.abort('cancel')
    a.abort('cancel')
    expect(((await first) as GenerationError).kind).toBe('canceled')
    expect(((await second) as GenerationError).kind).toBe('canceled')
    // The cancel requests were answered before the run gave up; the prompt stops at its next step.
    expect(s.interrupts).toBe(1)
    expect(s.deletes).toHaveLength(1)
    await expect.poll(() => s.executions[0]!.outcome, { timeout: 20_000 }).toBe('interrupted')
    expect(s.executions.filter((e) => e.text === 'second one')).toHaveLength(0)
  })

  it('a cancel while the prompt is being sent stops it on the server too (it was queued before the answer came)', async () => {
    const s = await comfy({ latencyMs: 10_000, submitAnswerDelayMs: 60_000 })
    const a = new AbortController()
    const c = call(s)
    const run = runComfy(c, ctx([], a.signal)).catch((e: unknown) => e)
    // The server has the prompt (it runs it); the run is still waiting for the answer with its id.
    await expect.poll(() => s.executions.length, { timeout: 20_000 }).toBe(1)
    expect(c.refs.some((r) => !!r?.promptId)).toBe(false)
    a.abort('cancel')
    expect(((await run) as GenerationError).kind).toBe('canceled')
    // Found by its client id and interrupted, not left to run for nobody.
    expect(s.interrupts).toBe(1)
    await expect.poll(() => s.executions[0]!.outcome, { timeout: 20_000 }).toBe('interrupted')
  })

  it('resumes by prompt id: a finished prompt is fetched from /history, not submitted again', async () => {
    const s = await comfy()
    const c = call(s)
    await runComfy(c, ctx())
    const again = call(s, { previous: c.refs[1]! })
    const out = await runComfy(again, ctx())
    expect(statSync(out).size).toBeGreaterThan(1000)
    expect(s.submits).toHaveLength(1)
    // A prompt the server no longer knows (it restarted) is submitted again.
    await s.stop()
    await s.start()
    await runComfy(call(s, { previous: c.refs[1]! }), ctx())
    expect(s.submits).toHaveLength(2)
  })

  it('a server that is not there is the server’s fault (EndpointDownError), and one killed mid-prompt too', async () => {
    const port = await freePort()
    const err = await runComfy(call({ url: `http://127.0.0.1:${port}` } as FakeComfy), ctx()).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(EndpointDownError)
    expect((err as Error).message).toMatch(/unreachable/)
    const s = await comfy({ latencyMs: 30_000 })
    const p = runComfy(call(s), ctx()).catch((e: unknown) => e)
    // Mid-prompt: the server runs it (the stop then ends the run; the latency is never waited out).
    await expect.poll(() => s.executions.length, { timeout: 20_000 }).toBe(1)
    await s.stop()
    expect(await p).toBeInstanceOf(EndpointDownError)
  })

  it('a gateway that wants a token: refused without, works with it', async () => {
    const s = await comfy({ token: 'secret-token-123' })
    const err = await runComfy(call(s), ctx()).catch((e: unknown) => e)
    expect((err as GenerationError).kind).toBe('permanent')
    expect((err as Error).message).toMatch(/wants a token/)
    expect((err as Error).message).not.toContain('secret-token-123')
    const out = await runComfy(call(s, { token: 'secret-token-123' }), ctx())
    expect(statSync(out).size).toBeGreaterThan(1000)
  })

  it('ACE-Step music: seconds mapped, audio output picked', async () => {
    const s = await comfy()
    const out = await runComfy(
      call(s, {
        workflow: pickWorkflow({ workflow: 'ace-step' }, false),
        values: { prompt: 'warm ambient pads', seed: 3, seconds: 4 },
        outputName: 'music'
      }),
      ctx()
    )
    expect(out).toMatch(/music\.mp3$/)
    expect(s.submits[0]!.graph['17']!.inputs.seconds).toBe(4)
    expect(s.submits[0]!.graph['14']!.inputs.tags).toBe('warm ambient pads')
  })

  it('Test connection reports missing nodes; a bad mapping is refused when saved', async () => {
    const s = await comfy()
    const ok = await testComfy({ url: s.url, concurrency: 1, sendToken: false }, { workflow: 'wan22-t2v' }, undefined)
    expect(ok.ok).toBe(true)
    const custom = {
      graph: { '1': { class_type: 'VHS_LoadVideo', inputs: { video: 'x' } }, ...SHIPPED['wan22-t2v'].graph },
      mapping: SHIPPED['wan22-t2v'].mapping
    }
    const bad = await testComfy(
      { url: s.url, concurrency: 1, sendToken: false },
      { workflow: 'custom', custom },
      undefined
    )
    expect(bad.ok).toBe(false)
    expect(bad.missing).toEqual(['VHS_LoadVideo'])
    expect(() =>
      checkComfyStep(
        { workflow: 'custom', custom: { ...custom, mapping: { ...custom.mapping, prompt: ['6.prompt'] } } },
        'video'
      )
    ).toThrow(/Node 6 \(CLIPTextEncode\) has no input "prompt"/)
    expect(() => checkComfyStep({ workflow: 'ace-step' }, 'video')).toThrow(/makes music/)
    expect(() => checkComfyStep({ workflow: 'custom' }, 'video')).toThrow(/Export \(API\)/)
  })
})

describe('ComfyUI resume when stopped before the prompt id came back', () => {
  it('finds the prompt by its client id (queued or finished) instead of sending it twice', async () => {
    const s = await comfy({ latencyMs: 300 })
    const c = call(s)
    await runComfy(c, ctx())
    const sent = c.refs.find((r) => r && r.promptId)!
    // The row knew only the client id: the finished prompt is found in /history by it.
    const again = call(s, { previous: { ...sent, promptId: '' } })
    await runComfy(again, ctx())
    expect(s.submits).toHaveLength(1)
    expect(again.refs.at(-1)!.promptId).toBe(sent.promptId)
  })
})
