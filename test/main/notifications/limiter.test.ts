import { describe, expect, it } from 'vitest'
import { causeKey, NotificationLimiter, type LimiterClock } from '../../../src/main/notifications/limiter'
import type { StudioNotification } from '../../../src/shared/contract/notifications'

/** A clock the test moves by hand: timers fire when `advance` passes them. */
function manualClock(): LimiterClock & { advance(ms: number): void } {
  let now = 1_000_000
  let timers: Array<{ at: number; fn: () => void; id: number }> = []
  let nextId = 1
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = nextId++
      timers.push({ at: now + ms, fn, id })
      return id
    },
    clearTimeout(h) {
      timers = timers.filter((t) => t.id !== h)
    },
    advance(ms) {
      const end = now + ms
      for (;;) {
        const due = timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0]
        if (!due) break
        timers = timers.filter((t) => t !== due)
        now = due.at
        due.fn()
      }
      now = end
    }
  }
}

const base = (cause: string): StudioNotification => ({
  action: 'raise',
  cause,
  kind: 'destination-dropped',
  channelId: 1,
  level: 'error',
  title: 'dropped',
  body: '',
  at: 0
})

describe('notification cause keys', () => {
  it('are kind + channel + destination/job: two destinations, two channels or two jobs are different causes', () => {
    const a = causeKey({ kind: 'destination-dropped', channelId: 1, subject: 'd1' })
    expect(a).toBe('destination-dropped:1:d1')
    expect(causeKey({ kind: 'destination-dropped', channelId: 1, subject: 'd2' })).not.toBe(a)
    expect(causeKey({ kind: 'destination-dropped', channelId: 2, subject: 'd1' })).not.toBe(a)
    expect(causeKey({ kind: 'channel-error', channelId: 1, subject: null })).toBe('channel-error:1:-')
    expect(causeKey({ kind: 'job-failed', channelId: 1, subject: 7 })).not.toBe(
      causeKey({ kind: 'job-failed', channelId: 1, subject: 8 })
    )
  })
})

describe('NotificationLimiter: one per cause per minute', () => {
  it('sends the first raise, holds repeats inside the minute and sends one at its end if the cause is still on', () => {
    const clock = manualClock()
    const sent: StudioNotification[] = []
    const lim = new NotificationLimiter((n) => sent.push(n), 60_000, clock)
    expect(lim.raise(base('x'))).toBe('sent')
    clock.advance(10_000)
    expect(lim.raise({ ...base('x'), title: 'again' })).toBe('held')
    clock.advance(10_000)
    expect(lim.raise({ ...base('x'), title: 'third' })).toBe('held')
    expect(sent).toHaveLength(1)
    clock.advance(39_999)
    expect(sent).toHaveLength(1)
    clock.advance(1)
    expect(sent.map((n) => n.title)).toEqual(['dropped', 'third'])
    // And the next minute is limited from that send.
    clock.advance(30_000)
    expect(lim.raise(base('x'))).toBe('held')
  })

  it('keeps causes apart: another destination is notified at once', () => {
    const clock = manualClock()
    const sent: StudioNotification[] = []
    const lim = new NotificationLimiter((n) => sent.push(n), 60_000, clock)
    lim.raise(base('destination-dropped:1:a'))
    lim.raise(base('destination-dropped:1:b'))
    lim.raise(base('destination-dropped:1:a'))
    expect(sent.map((n) => n.cause)).toEqual(['destination-dropped:1:a', 'destination-dropped:1:b'])
  })

  it('a clear removes a showing notice once and drops a held raise (the outage ended inside the minute)', () => {
    const clock = manualClock()
    const sent: StudioNotification[] = []
    const lim = new NotificationLimiter((n) => sent.push(n), 60_000, clock)
    expect(lim.clear(base('x'))).toBe(false) // nothing showing: nothing to clear
    lim.raise(base('x'))
    clock.advance(5_000)
    lim.raise(base('x'))
    expect(lim.clear(base('x'))).toBe(true)
    expect(lim.clear(base('x'))).toBe(false)
    clock.advance(120_000)
    expect(sent.map((n) => n.action)).toEqual(['raise', 'clear'])
    expect(lim.isShowing('x')).toBe(false)
  })

  it('after a minute a new raise goes out at once', () => {
    const clock = manualClock()
    const sent: StudioNotification[] = []
    const lim = new NotificationLimiter((n) => sent.push(n), 60_000, clock)
    lim.raise(base('x'))
    clock.advance(60_000)
    expect(lim.raise(base('x'))).toBe('sent')
    expect(sent).toHaveLength(2)
  })
})
