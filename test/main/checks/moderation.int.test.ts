import { afterEach, describe, expect, it } from 'vitest'
import { addBlocked, checkBlocklist, moderate, removeBlocked } from '../../../src/main/checks/moderation'
import { openLibrary, type Library } from '../../../src/main/library'
import { startFakeLlm } from '../../fixtures/openai-server'
import { tempDir } from '../../helpers/tmp'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function lib(): Library {
  const t = tempDir()
  const l = openLibrary(t.dir)
  cleanups.push(t.cleanup, () => l.close())
  return l
}

describe('moderation', () => {
  it('blocks words (whole words, any case) and /patterns/, global and per channel', () => {
    const l = lib()
    addBlocked(l, 'global', 'gore')
    addBlocked(l, 7, '/blood\\w*/')
    expect(checkBlocklist(l, 7, 'A GORE scene').allowed).toBe(false)
    expect(checkBlocklist(l, 7, 'a gorgeous sunset').allowed).toBe(true)
    const r = checkBlocklist(l, 7, 'bloodthirsty crowd')
    expect(r.allowed).toBe(false)
    expect(r.reason).toMatch(/channel's blocklist entry \/blood/)
    expect(checkBlocklist(l, 8, 'bloodthirsty crowd').allowed).toBe(true)
    removeBlocked(l, 'global', 'gore')
    expect(checkBlocklist(l, 7, 'gore').allowed).toBe(true)
  })

  it('refuses a broken pattern naming it, and stores nothing', () => {
    const l = lib()
    expect(() => addBlocked(l, 'global', '/(unclosed/')).toThrow(/not a valid regular expression/)
    expect(l.getSetting('moderation.blocklist.global')).toBeUndefined()
  })

  it('asks an OpenAI-compatible /v1/moderations endpoint; a flagged line says why; an unreachable one refuses', async () => {
    const l = lib()
    const llm = await startFakeLlm()
    cleanups.push(() => llm.close())
    expect((await moderate(l, 1, 'a calm lake', { baseURL: llm.url })).allowed).toBe(true)
    const bad = await moderate(l, 1, 'a forbidden act', { baseURL: llm.url })
    expect(bad).toEqual({ allowed: false, reason: expect.stringMatching(/flagged .*violence/) })
    expect(llm.moderations.map((m) => m.input)).toEqual([['a calm lake'], ['a forbidden act']])
    // The blocklist answers first: a blocked line never leaves the machine.
    addBlocked(l, 'global', 'lake')
    expect((await moderate(l, 1, 'a calm lake', { baseURL: llm.url })).allowed).toBe(false)
    expect(llm.moderations).toHaveLength(2)
    const down = await moderate(l, 1, 'a calm sea', { baseURL: 'http://127.0.0.1:9/v1', timeoutMs: 2000 })
    expect(down.allowed).toBe(false)
    expect(down.reason).toMatch(/could not be asked/)
  })
})
