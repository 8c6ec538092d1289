import { afterEach, describe, expect, it } from 'vitest'
import { callCore } from '../../../src/main/cli/open-core'
import type { Core } from '../../../src/main/core/core'
import { GENERATION } from '../../../src/main/services'
import type { FakeSpace } from '../../fixtures/gradio-server'
import { studioWithSpace } from '../../fixtures/gradio-studio'
import { startFakeLlm, type FakeLlm } from '../../fixtures/openai-server'

/**
 * The moderation service wired in where lines enter: the show writer and the job
 * queue. A local OpenAI-compatible server (real `openai` client) writes the plans and
 * moderates (it flags "forbidden"); a local Gradio Space counts what reaches a generator.
 */
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const KEY = 'sk-moderation-test-key-0123456789'

async function setup(): Promise<{ core: Core; llm: FakeLlm; space: FakeSpace; channelId: number }> {
  const { core, space, channelId } = await studioWithSpace({ channel: 'Moderated', cleanups })
  const llm = await startFakeLlm()
  cleanups.push(() => llm.close())
  await callCore(core, 'generation.llm.set', { baseUrl: llm.url, model: 'plan-model', enabled: true })
  const s = await callCore(core, 'gate.service.set', {
    service: 'moderation',
    enabled: true,
    baseUrl: llm.url,
    model: 'omni-moderation-latest',
    apiKey: KEY
  })
  expect(s.apiKey).not.toContain(KEY.slice(0, 12))
  return { core, llm, space, channelId }
}

const allText = (v: unknown): string => JSON.stringify(v)

describe('moderation where lines enter', () => {
  it('the show writer: a flagged line is never kept, the writer is asked for another once, then a clear error', async () => {
    const { core, llm, channelId } = await setup()
    llm.setScenario('forbidden-once')
    const r = await callCore(core, 'show.write', {
      channelId,
      theme: 'a rainy harbour',
      sequences: 1,
      shotsPerSequence: 2,
      writer: 'llm'
    })
    expect(llm.requests).toHaveLength(2)
    const again = llm.requests[1]!.messages.filter((m) => m.role === 'user')
      .map((m) => m.content)
      .join('\n')
    expect(again).toMatch(/previous plan was refused: The moderation service flagged "A forbidden ritual begins\."/)
    expect(allText(r)).not.toMatch(/forbidden/i)
    expect(r.sequences[0]!.shots[0]!.line!.text).toBe('The boats come home at dusk.')
    // Every line of both plans was put to the service: the flagged plan, then the clean one.
    expect(llm.moderations).toHaveLength(2)
    expect(llm.moderations[0]!.input).toContain('A forbidden ritual begins.')

    llm.setScenario('forbidden')
    const before = allText(await callCore(core, 'show.get', { channelId }))
    await expect(
      callCore(core, 'show.write', {
        channelId,
        theme: 'a rainy harbour',
        sequences: 1,
        shotsPerSequence: 2,
        writer: 'llm'
      })
    ).rejects.toThrow(/plan was refused twice: The moderation service flagged "A forbidden ritual begins\."/)
    expect(llm.requests).toHaveLength(4)
    // Nothing stored changed.
    expect(allText(await callCore(core, 'show.get', { channelId }))).toBe(before)
  })

  it('the job queue: a flagged prompt never reaches the generator (counted on the server); a clean one does', async () => {
    const { core, llm, space, channelId } = await setup()
    const gen = core.services.get(GENERATION)
    gen.start({ autopilot: false })
    await expect(
      callCore(core, 'generation.enqueue', {
        channelId,
        shots: [{ prompt: 'a forbidden act on the quay' }],
        music: false
      })
    ).rejects.toThrow(/Refused: The moderation service flagged "a forbidden act on the quay" \(violence\)/)
    expect((await callCore(core, 'generation.jobs.list', { channelId })).jobs).toHaveLength(0)
    const ok = await callCore(core, 'generation.enqueue', {
      channelId,
      shots: [{ prompt: 'boats on a calm quay' }],
      music: false
    })
    await gen.service.waitForJobs(ok.jobIds, { pollMs: 100 })
    expect(space.stats.completed).toBe(1)
    expect(space.stats.joins.map((j) => JSON.stringify(j))).not.toContainEqual(expect.stringMatching(/forbidden/))
    expect(llm.moderations.map((m) => m.input)).toEqual([['a forbidden act on the quay'], ['boats on a calm quay']])
  }, 120_000)

  it('a planned sequence edited to a flagged line is refused before any voice or video generator hears it', async () => {
    const { core, llm, space, channelId } = await setup()
    const plan = await callCore(core, 'show.write', {
      channelId,
      sequences: 1,
      shotsPerSequence: 2,
      writer: 'llm',
      theme: 'harbour'
    })
    const seq = plan.sequences[0]!
    await callCore(core, 'show.sequence.update', {
      channelId,
      id: seq.id,
      shots: seq.shots.map((s, i) =>
        i === 1 ? { ...s, line: { speaker: 'narrator', text: 'Now the forbidden part.' } } : s
      )
    })
    await expect(callCore(core, 'show.produce', { channelId, id: seq.id })).rejects.toThrow(
      /flagged "Now the forbidden part\."/
    )
    expect(llm.speech).toHaveLength(0)
    expect(space.stats.joins).toHaveLength(0)
    expect((await callCore(core, 'generation.jobs.list', { channelId })).jobs).toHaveLength(0)
  })

  it('a moderation service that cannot be asked refuses, and its key is in no error', async () => {
    const { core, space, channelId } = await setup()
    await callCore(core, 'gate.service.set', { service: 'moderation', baseUrl: 'http://127.0.0.1:9/v1' })
    const err = await callCore(core, 'generation.enqueue', {
      channelId,
      shots: [{ prompt: 'a calm sea' }],
      music: false
    }).then(
      () => null,
      (e: unknown) => e as Error
    )
    expect(err?.message).toMatch(/moderation service at http:\/\/127\.0\.0\.1:9\/v1 could not be asked/)
    expect(err?.message).not.toContain(KEY)
    expect(space.stats.joins).toHaveLength(0)
    // Off again: the blocklist alone decides, and the line goes.
    await callCore(core, 'gate.service.set', { service: 'moderation', enabled: false })
    await callCore(core, 'gate.blocklist.add', { entry: 'sea' })
    await expect(
      callCore(core, 'generation.enqueue', { channelId, shots: [{ prompt: 'a calm sea' }], music: false })
    ).rejects.toThrow(/global blocklist entry sea/)
    const r = await callCore(core, 'generation.enqueue', {
      channelId,
      shots: [{ prompt: 'a calm lake' }],
      music: false
    })
    expect(r.jobIds).toHaveLength(1)
  })

  it('a bad service URL changes nothing', async () => {
    const { core } = await setup()
    await expect(
      callCore(core, 'gate.service.set', {
        service: 'judge',
        baseUrl: 'ftp://example.com/v1',
        apiKey: 'sk-should-not-stay-1234'
      })
    ).rejects.toThrow(/judge URL must be http/)
    const j = await callCore(core, 'gate.service.get', { service: 'judge' })
    expect(j).toEqual({
      service: 'judge',
      enabled: false,
      baseUrl: 'https://api.openai.com/v1',
      model: 'gpt-4o-mini',
      apiKey: null
    })
  })
})
