import { describe, expect, it } from 'vitest'
import { dispatchCall } from '../../../src/main/core/dispatch'
import { StudioError } from '../../../src/shared/contract'

describe('dispatchCall', () => {
  const handlers = {
    'app.ping': ({ echo }: { echo?: string }) => {
      if (echo === 'boom') throw new Error('kaboom')
      if (echo === 'missing') throw new StudioError('not_found', 'No such thing.')
      return { echo, serverTime: 1 }
    }
  }

  it('runs a valid call', async () => {
    expect(await dispatchCall(handlers, 'app.ping', { echo: 'x' })).toEqual({
      ok: true,
      value: { echo: 'x', serverTime: 1 }
    })
  })
  it('treats a missing input as {}', async () => {
    expect(await dispatchCall(handlers, 'app.ping', undefined)).toMatchObject({ ok: true })
  })
  it('names the bad field', async () => {
    const r = await dispatchCall(handlers, 'app.ping', { echo: 5 })
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid_input', field: 'echo' } })
    if (!r.ok) expect(r.error.message).toMatch(/app\.ping.*echo/)
  })
  it('refuses unknown fields (strict inputs)', async () => {
    expect(await dispatchCall(handlers, 'app.ping', { echo: 'a', nope: 1 })).toMatchObject({
      ok: false,
      error: { code: 'invalid_input' }
    })
  })
  it('refuses non-object input', async () => {
    expect(await dispatchCall(handlers, 'app.ping', 'hello')).toMatchObject({
      ok: false,
      error: { code: 'invalid_input', field: '(input)' }
    })
  })
  it('answers unknown and unavailable calls without throwing', async () => {
    expect(await dispatchCall(handlers, 'no.such', {})).toMatchObject({ ok: false, error: { code: 'unknown_call' } })
    expect(await dispatchCall(handlers, 42, {})).toMatchObject({ ok: false, error: { code: 'unknown_call' } })
    expect(await dispatchCall({}, 'app.ping', {})).toMatchObject({ ok: false, error: { code: 'unavailable' } })
    expect(await dispatchCall(handlers, '__proto__', {})).toMatchObject({ ok: false, error: { code: 'unknown_call' } })
  })
  it('turns handler failures into typed errors', async () => {
    expect(await dispatchCall(handlers, 'app.ping', { echo: 'missing' })).toEqual({
      ok: false,
      error: { code: 'not_found', message: 'No such thing.' }
    })
    expect(await dispatchCall(handlers, 'app.ping', { echo: 'boom' })).toEqual({
      ok: false,
      error: { code: 'internal', message: 'kaboom' }
    })
  })
})
