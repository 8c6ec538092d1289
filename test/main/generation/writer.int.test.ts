import { afterEach, describe, expect, it } from 'vitest'
import { startFakeLlm, type FakeLlm } from '../../fixtures/openai-server'
import { LlmWriter } from '../../../src/main/generation/writer-llm'
import { GenerationError } from '../../../src/main/generation/errors'

let llm: FakeLlm | undefined
afterEach(async () => {
  await llm?.close()
  llm = undefined
})

const KEY = 'sk-test-abcdefghijklmnop'

describe('LLM writer with the real openai client against a local OpenAI-compatible server', () => {
  it('turns good JSON into N prompts with the style repeated and sends the key as a bearer token', async () => {
    llm = await startFakeLlm({ apiKey: KEY })
    const plan = await new LlmWriter({ baseUrl: llm.url, model: 'test-model', apiKey: KEY }).write(
      { theme: 'rain over Tokyo', count: 3 },
      {}
    )
    expect(plan.shots).toHaveLength(3)
    expect(plan.writer).toBe('llm:test-model')
    for (const s of plan.shots) expect(s.prompt).toContain(plan.style)
    expect(plan.shots[0]!.prompt).toContain('rain over Tokyo')
    expect(llm.requests[0]!.authorization).toBe(`Bearer ${KEY}`)
    expect(llm.requests[0]!.messages[0]!.content).toMatch(/exactly 3 shots/)
  })

  it('retries once after malformed JSON and then succeeds', async () => {
    llm = await startFakeLlm({ scenario: 'malformed-once' })
    const plan = await new LlmWriter({ baseUrl: llm.url, model: 'm' }).write(
      { theme: 'a desert caravan', count: 2 },
      {}
    )
    expect(plan.shots).toHaveLength(2)
    expect(llm.requests).toHaveLength(2)
    expect(llm.requests[1]!.messages.at(-1)!.content).toMatch(/previous answer was unusable/)
  })

  it('gives a clear permanent error after two malformed answers', async () => {
    llm = await startFakeLlm({ scenario: 'malformed' })
    const err = (await new LlmWriter({ baseUrl: llm.url, model: 'm' })
      .write({ theme: 'x y z', count: 2 }, {})
      .catch((e: unknown) => e)) as GenerationError
    expect(err).toBeInstanceOf(GenerationError)
    expect(err.kind).toBe('permanent')
    expect(err.message).toMatch(/twice returned an unusable answer: the reply is not valid JSON/)
    expect(llm.requests).toHaveLength(2)
  })

  it.each([
    ['rate-limited', /rate-limiting requests \(429\)/],
    ['server-error', /server error \(500\)/]
  ] as const)('%s is a transient error that says so', async (scenario, message) => {
    llm = await startFakeLlm({ scenario })
    const err = (await new LlmWriter({ baseUrl: llm.url, model: 'm', apiKey: KEY })
      .write({ theme: 'x y z', count: 2 }, {})
      .catch((e: unknown) => e)) as GenerationError
    expect(err.kind).toBe('transient')
    expect(err.message).toMatch(message)
    expect(err.message).not.toContain(KEY)
    // the client's own single retry, no more
    expect(llm.requests.length).toBe(2)
  })

  it('a wrong key is permanent and the key is not in the message', async () => {
    llm = await startFakeLlm({ apiKey: KEY })
    const wrong = 'sk-wrong-0123456789abcdef'
    const err = (await new LlmWriter({ baseUrl: llm.url, model: 'm', apiKey: wrong })
      .write({ theme: 'x y z', count: 1 }, {})
      .catch((e: unknown) => e)) as GenerationError
    expect(err.kind).toBe('permanent')
    expect(err.message).toMatch(/refused the key \(401\)/)
    expect(err.message).not.toContain(wrong)
    // Points to a command that exists (there is no `webtv llm`).
    expect(err.message).toMatch(/webtv backends set --channel NAME --llm-key-stdin/)
    expect(err.message).not.toMatch(/webtv llm set/)
  })

  it('a 200 answer that is not a chat completion is a clear permanent error, not a TypeError', async () => {
    llm = await startFakeLlm({ scenario: 'not-chat' })
    const err = (await new LlmWriter({ baseUrl: llm.url, model: 'm' })
      .write({ theme: 'x y z', count: 1 }, {})
      .catch((e: unknown) => e)) as GenerationError
    expect(err).toBeInstanceOf(GenerationError)
    expect(err.kind).toBe('permanent')
    expect(err.message).toMatch(/not with an OpenAI-compatible chat completion/)
    expect(err.message).not.toMatch(/TypeError|Cannot read|undefined/)
  })

  it('an unreachable server is transient and names the URL', async () => {
    llm = await startFakeLlm()
    const url = llm.url
    await llm.close()
    llm = undefined
    const err = (await new LlmWriter({ baseUrl: url, model: 'm' })
      .write({ theme: 'x y z', count: 1 }, {})
      .catch((e: unknown) => e)) as GenerationError
    expect(err.kind).toBe('transient')
    expect(err.message).toContain(url)
  })
})
