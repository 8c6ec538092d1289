import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeLlm, type FakeLlm } from '../../fixtures/openai-server'
import { LlmShowWriter } from '../../../src/main/show/writer-llm'
import { TemplateShowWriter } from '../../../src/main/show/writer-template'
import { parseShowPlan, shotPrompt, type ShowPlan } from '../../../src/main/show/plan'
import { GenerationError } from '../../../src/main/generation/errors'

let llm: FakeLlm
beforeAll(async () => {
  llm = await startFakeLlm()
})
afterAll(async () => {
  await llm.close()
})

function everyPromptCarriesTheBible(plan: ShowPlan): void {
  for (const seq of plan.sequences)
    for (const shot of seq.shots) {
      const prompt = shotPrompt(plan.bible, shot)
      expect(prompt).toContain(plan.bible.setting)
      expect(prompt).toContain(plan.bible.style)
      for (const name of shot.characters) {
        const c = plan.bible.characters.find((x) => x.name === name)!
        expect(prompt).toContain(c.look)
        // Names stay out of the picture.
        expect(prompt).not.toContain(name)
      }
    }
}

describe('show plan from an OpenAI-compatible LLM', () => {
  it('validates the reply, repairs the safe near-misses and injects the bible into every prompt', async () => {
    llm.setScenario('good')
    const writer = new LlmShowWriter({ baseUrl: llm.url, model: 'plan-model' })
    const { plan, tokens } = await writer.write({ theme: 'a rainy harbour', sequences: 2, shotsPerSequence: 3 })
    expect(plan.sequences).toHaveLength(2)
    expect(plan.sequences[0]!.shots).toHaveLength(3)
    // A bare-string line became the narrator's; "5" became 5 seconds.
    expect(plan.sequences[0]!.shots[0]!.line).toEqual({ speaker: 'narrator', text: 'The boats come home at dusk.' })
    expect(plan.sequences[0]!.shots[2]!.seconds).toBe(5)
    expect(plan.sequences[0]!.shots[1]!.effect).toBe('gulls and waves')
    expect(tokens).toBeGreaterThan(100)
    everyPromptCarriesTheBible(plan)
  })

  it('asks again once after a malformed reply, then succeeds', async () => {
    llm.setScenario('wrong-shape-once')
    const before = llm.requests.length
    const writer = new LlmShowWriter({ baseUrl: llm.url, model: 'plan-model' })
    const { plan } = await writer.write({ theme: 'a rainy harbour', sequences: 1, shotsPerSequence: 2 })
    expect(plan.sequences[0]!.shots).toHaveLength(2)
    expect(llm.requests.length - before).toBe(2)
    const retry = llm.requests.at(-1)!.messages.at(-1)!.content
    expect(retry).toMatch(/previous answer was unusable: the plan does not match the schema \(bible/)
  })

  it('fails with a clear error after the second bad reply, and asks no third time', async () => {
    for (const scenario of ['malformed', 'wrong-shape'] as const) {
      llm.setScenario(scenario)
      const before = llm.requests.length
      const writer = new LlmShowWriter({ baseUrl: llm.url, model: 'plan-model' })
      const err = await writer.write({ theme: 'x', sequences: 1, shotsPerSequence: 2 }).then(
        () => null,
        (e: unknown) => e
      )
      expect(err).toBeInstanceOf(GenerationError)
      expect((err as Error).message).toMatch(/twice returned an unusable show plan/)
      expect((err as Error).message).toMatch(scenario === 'malformed' ? /not valid JSON/ : /bible/)
      expect((err as Error).message).toMatch(/--writer template/)
      expect(llm.requests.length - before).toBe(2)
    }
  })
})

describe('show plan schema', () => {
  it('names an unknown speaker or character', () => {
    const plan = {
      bible: { setting: 'a town', style: 'pastel', characters: [{ name: 'Ann', look: 'red coat' }] },
      sequences: [
        { title: 'One', shots: [{ action: 'walks', characters: ['Bob'], line: { speaker: 'Cid', text: 'Hi.' } }] }
      ]
    }
    expect(() => parseShowPlan(plan)).toThrow(/"Bob" is not a character of the bible.*"Cid" is not the narrator/)
    expect(() => parseShowPlan({ bible: { setting: 'a' }, sequences: [] })).toThrow(/bible\.style/)
  })

  it('the offline writer plans narrated sequences with the bible in every prompt', async () => {
    const { plan, tokens } = await new TemplateShowWriter().write({
      theme: 'misty forests',
      sequences: 2,
      shotsPerSequence: 3
    })
    expect(tokens).toBe(0)
    expect(() => parseShowPlan(structuredClone(plan))).not.toThrow()
    expect(plan.sequences.flatMap((s) => s.shots).filter((s) => s.line).length).toBeGreaterThan(1)
    everyPromptCarriesTheBible(plan)
  })
})
