import { describe, expect, it, vi } from 'vitest'
import { EventBus } from '../../../src/main/core/events'
import { Notifier, type NotifierEngine } from '../../../src/main/notifications/notifier'
import type { EventPayload } from '../../../src/shared/contract'

const STORED_KEY = 'sk_live_7c1e9a3b5d'

function setup(): { bus: EventBus; notes: Array<EventPayload<'notifications.notification'>>; notifier: Notifier } {
  const bus = new EventBus()
  const engine: NotifierEngine = {
    observe: () => [{ channelId: 1, name: 'Night Owl', now: null, destinations: [{ id: 'd1', name: 'Twitch main' }] }],
    runwaySeconds: () => 0,
    // The engine's own redactor knows nothing here: the notifier's scrub must still catch the key.
    redactor: { text: (s) => s }
  }
  const notifier = new Notifier({
    bus,
    onair: () => engine,
    channelName: () => 'Night Owl',
    airableSeconds: () => 0,
    secrets: async () => [STORED_KEY]
  })
  const notes: Array<EventPayload<'notifications.notification'>> = []
  bus.on('notifications.notification', (n) => notes.push(n))
  notifier.start()
  return { bus, notes, notifier }
}

const dest = (state: EventPayload<'onair.state'>['state'], extra: Partial<EventPayload<'onair.state'>> = {}) => ({
  channelId: 1,
  destinationId: 'd1',
  state,
  at: Date.now(),
  ...extra
})

describe('Notifier: which engine events are news', () => {
  it('a drop after live is one notification for the whole outage; a stored key in the message never shows', async () => {
    const { bus, notes, notifier } = setup()
    bus.emit('onair.state', dest('live'))
    bus.emit(
      'onair.state',
      dest('reconnecting', { attempt: 1, message: `rtmp://live.twitch.tv/app/${STORED_KEY} Broken pipe ${STORED_KEY}` })
    )
    bus.emit('onair.state', dest('reconnecting', { attempt: 2, message: 'Connection refused' }))
    bus.emit('onair.state', dest('reconnecting', { attempt: 3, message: 'Connection refused' }))
    await notifier.settled()
    expect(notes).toHaveLength(1)
    expect(notes[0]).toMatchObject({
      action: 'raise',
      cause: 'destination-dropped:1:d1',
      title: '"Twitch main" dropped'
    })
    expect(notes[0]!.body).toMatch(/^"Night Owl": the connection was lost/)
    expect(JSON.stringify(notes)).not.toContain(STORED_KEY)
    notifier.close()
  })

  it('a planned reconnect (attempt 0) is not a drop; live again clears the notice', async () => {
    const { bus, notes, notifier } = setup()
    bus.emit('onair.state', dest('live'))
    bus.emit('onair.state', dest('reconnecting', { attempt: 0, message: 'planned reconnect before the session limit' }))
    bus.emit('onair.state', dest('live'))
    await notifier.settled()
    expect(notes).toEqual([])
    bus.emit('onair.state', dest('error', { message: 'Twitch main refused the stream — check the stream key' }))
    bus.emit('onair.state', dest('live'))
    await notifier.settled()
    expect(notes.map((n) => n.action)).toEqual(['raise', 'clear'])
    expect(notes[0]!.body).toMatch(/will not retry on its own/)
    notifier.close()
  })

  it('a channel error and a job that failed for good are notified; a retried job clears its notice', async () => {
    const { bus, notes, notifier } = setup()
    bus.emit('onair.state', { channelId: 1, destinationId: null, state: 'error', message: 'encoder died', at: 1 })
    const job = {
      jobId: 9,
      channelId: 1,
      shotId: 12,
      sequenceId: null,
      kind: 'shot' as const,
      step: null,
      percent: 0,
      queuePosition: null,
      etaSeconds: null,
      attempts: 3
    }
    // A retry wait is not "failed for good".
    bus.emit('generation.job', { ...job, state: 'queued', error: 'Attempt 1 of 3 failed: 503' })
    bus.emit('generation.job', { ...job, state: 'failed', error: 'Gave up after 3 attempts: 503' })
    bus.emit('generation.job', { ...job, state: 'failed', error: 'Gave up after 3 attempts: 503' })
    await notifier.settled()
    expect(notes.map((n) => [n.kind, n.action])).toEqual([
      ['channel-error', 'raise'],
      ['job-failed', 'raise']
    ])
    expect(notes[0]!.title).toBe('"Night Owl" stopped with an error')
    expect(notes[1]).toMatchObject({ cause: 'job-failed:1:9', title: 'Generation failed for good: Shot 12' })
    expect(notes[1]!.body).toMatch(/after 3 attempts: Gave up/)
    bus.emit('generation.job', { ...job, state: 'queued', error: null })
    await notifier.settled()
    expect(notes.at(-1)).toMatchObject({ action: 'clear', cause: 'job-failed:1:9' })
    notifier.close()
  })
})

describe('Notifier: runway', () => {
  it('warns once when the runway of a channel on air falls under two minutes, and clears when material is added', async () => {
    vi.useFakeTimers()
    try {
      const bus = new EventBus()
      let runway = 300
      let total = 310
      const engine: NotifierEngine = {
        observe: () => [{ channelId: 4, name: 'Loop TV', now: { slate: false }, destinations: [] }],
        runwaySeconds: () => runway,
        redactor: { text: (s) => s }
      }
      const notifier = new Notifier({
        bus,
        onair: () => engine,
        channelName: () => 'Loop TV',
        airableSeconds: () => total,
        secrets: async () => []
      })
      const notes: Array<EventPayload<'notifications.notification'>> = []
      bus.on('notifications.notification', (n) => notes.push(n))
      notifier.watchRunway(5000)
      const tick = async () => {
        await vi.advanceTimersByTimeAsync(5000)
        await notifier.settled()
      }
      await tick()
      runway = 100
      await tick()
      await tick()
      expect(notes.map((n) => [n.action, n.cause, n.title])).toEqual([
        ['raise', 'runway-low:4:-', 'Runway low on "Loop TV"']
      ])
      expect(notes[0]!.body).toMatch(/^1 min 40 s of new material left/)
      runway = 500
      total = 800
      await tick()
      expect(notes.at(-1)).toMatchObject({ action: 'clear', cause: 'runway-low:4:-' })
      notifier.close()
    } finally {
      vi.useRealTimers()
    }
  })
})
