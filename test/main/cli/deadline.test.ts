import { afterEach, describe, expect, it, vi } from 'vitest'
import { MAX_TIMER_MS, sleepUntil } from '../../../src/main/cli/deadline'

afterEach(() => {
  vi.useRealTimers()
})

const DAY = 24 * 3600 * 1000

describe('sleepUntil (air --duration beyond setTimeout’s 24.8-day limit)', () => {
  it.each([25, 30, 365, 3 * 365])('waits %i days, not 1 ms', async (days) => {
    vi.useFakeTimers({ now: 0 })
    let done = false
    void sleepUntil(days * DAY).then(() => (done = true))
    await vi.advanceTimersByTimeAsync(1000)
    expect(done).toBe(false)
    await vi.advanceTimersByTimeAsync(days * DAY - 2000)
    expect(done).toBe(false)
    await vi.advanceTimersByTimeAsync(1000)
    expect(done).toBe(true)
  })

  it('a single timer never asks for more than setTimeout can hold', async () => {
    vi.useFakeTimers({ now: 0 })
    const spy = vi.spyOn(globalThis, 'setTimeout')
    void sleepUntil(400 * DAY)
    expect(Math.max(...spy.mock.calls.map((c) => Number(c[1])))).toBeLessThanOrEqual(MAX_TIMER_MS)
  })

  it('ends at once on abort', async () => {
    const ac = new AbortController()
    const p = sleepUntil(Date.now() + 365 * DAY, ac.signal)
    ac.abort()
    await expect(p).resolves.toBeUndefined()
  })
})
