import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import type { Core } from '../../../src/main/core/core'
import { callCore, openCore } from '../../../src/main/cli/open-core'
import { DEFAULT_HOUSE_FORMAT } from '../../../src/shared/house-format'
import { makeHouseClip } from '../../../src/main/onair/slate'
import type { EventPayload } from '../../../src/shared/contract'
import { notificationSchema } from '../../../src/shared/contract/notifications'
import { tempDir } from '../../helpers/tmp'
import { freePort, startRemoteIngest, type RemoteIngest } from '../../fixtures/rtmp'

const KEY_A = 'live_notify_a_5e7f9a1c3b'
const KEY_B = 'live_notify_b_8c6d4e2f0a'

/** A real studio (every feature, the real notifier), a real relay, a real RTMP peer that we kill. */
describe('notifier against a real core: a destination that drops', () => {
  const tmp = tempDir()
  let core: Core
  let channelId = 0
  let remote: RemoteIngest
  const notes: Array<EventPayload<'notifications.notification'>> = []
  const states: Array<EventPayload<'onair.state'>> = []

  const waitFor = async <T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const hit = probe()
      if (hit !== undefined) return hit
      if (Date.now() > deadline)
        throw new Error(
          `${what} did not happen; notifications: ${JSON.stringify(notes)}; states: ${JSON.stringify(states)}`
        )
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  const waitState = (destId: string, state: string, after: number) =>
    waitFor(`${destId} → ${state}`, () =>
      states.find((s) => s.destinationId === destId && s.state === state && s.at >= after)
    )

  beforeAll(async () => {
    core = await openCore(tmp.dir)
    core.bus.on('notifications.notification', (n) => notes.push(n))
    core.bus.on('onair.state', (e) => states.push(e))
    await callCore(core, 'onair.settings.update', { rtmpPort: await freePort(), httpPort: await freePort() })
    channelId = (await callCore(core, 'library.channels.create', { name: 'Notify Test' })).id
    const clip = await makeHouseClip({
      format: DEFAULT_HOUSE_FORMAT,
      frames: 48,
      video: 'testsrc2',
      toneHz: 440,
      output: join(tmp.dir, 'a.ts')
    })
    const { results } = await callCore(core, 'library.import', { channelId, paths: [clip], approved: true })
    const shot = results[0]!
    if (!shot.ok) throw new Error(shot.error)
    await callCore(core, 'library.playlist.add', { channelId, shotIds: [shot.shot.id] })
    remote = await startRemoteIngest()
  }, 120_000)

  afterAll(async () => {
    await core?.close()
    await remote?.kill()
    tmp.cleanup()
  })

  it('a relay killed → one notification per destination; retries and a second drop within the minute → still one; recovery clears; no key in any text', async () => {
    const a = await callCore(core, 'onair.destinations.add', {
      channelId,
      kind: 'rtmp',
      name: 'Remote A',
      url: remote.url(KEY_A)
    })
    const b = await callCore(core, 'onair.destinations.add', {
      channelId,
      kind: 'rtmp',
      name: 'Remote B',
      url: remote.url(KEY_B)
    })
    const t0 = Date.now()
    await callCore(core, 'onair.start', { channelId })
    await waitState(a.id, 'live', t0)
    await waitState(b.id, 'live', t0)
    expect(notes).toEqual([])

    // The peer dies: both relays drop and retry (2 s, then 3 s…).
    const killedAt = Date.now()
    await remote.kill()
    await waitState(a.id, 'reconnecting', killedAt)
    const r1 = await waitState(b.id, 'reconnecting', killedAt)
    // Let them fail a second retry: the same outage, no new notification.
    await waitFor('a second retry', () =>
      states.find((s) => s.destinationId === b.id && s.state === 'reconnecting' && s.at > r1.at)
    )
    const raises = () => notes.filter((n) => n.action === 'raise')
    await waitFor('two raises', () => (raises().length >= 2 ? true : undefined))
    expect(
      raises()
        .map((n) => n.cause)
        .sort()
    ).toEqual([`destination-dropped:${channelId}:${a.id}`, `destination-dropped:${channelId}:${b.id}`].sort())
    const first = raises().find((n) => n.cause.endsWith(`:${a.id}`))!
    expect(first).toMatchObject({ kind: 'destination-dropped', level: 'error', channelId, title: '"Remote A" dropped' })
    expect(first.body).toMatch(/"Notify Test": the connection was lost/)

    // It comes back: the notices clear.
    // Stamped before the restart: a retry can reconnect while restart() still waits for the ingest's word.
    const backAt = Date.now()
    await remote.restart()
    await waitState(a.id, 'live', backAt)
    await waitFor('clear of A', () => notes.find((n) => n.action === 'clear' && n.cause === first.cause))

    // And drops again inside the minute: no second notification for the same cause.
    const again = Date.now()
    await remote.kill()
    await waitState(a.id, 'reconnecting', again)
    await new Promise((r) => setTimeout(r, 3000))
    expect(raises().filter((n) => n.cause === first.cause)).toHaveLength(1)

    for (const n of notes) {
      expect(notificationSchema.safeParse(n).success).toBe(true)
      const text = JSON.stringify(n)
      expect(text).not.toContain(KEY_A)
      expect(text).not.toContain(KEY_B)
      // ffmpeg's own words may name the URL it wrote to, but never with its key.
      expect(text).not.toMatch(/rtmp:\/\/[^\s"]*\/app\/(?!\[redacted\])/)
    }
  }, 120_000)
})
