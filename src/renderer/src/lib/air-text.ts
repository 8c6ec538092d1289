import type { ChannelAirStatus } from '../../../shared/contract/onair'

/** What each engine-reported state is called in the UI (the channel and its destinations alike). */
export const AIR_STATE_TEXT = {
  offline: 'Off air',
  starting: 'Starting…',
  live: 'Live',
  reconnecting: 'Reconnecting',
  stopping: 'Stopping…',
  error: 'Error'
} as const satisfies Record<ChannelAirStatus['state'], string>

export function clipLabel(c: NonNullable<ChannelAirStatus['now']>): string {
  return c.slate ? 'Standby slate' : c.label
}

/** The show sequence a clip on air belongs to (from library.playlist.sequences). */
export interface AirSequence {
  title: string
  synopsis: string
}

/**
 * Now/next as a viewer would name it: the sequence's title first, then the shot; a
 * clip of no titled sequence (or the slate) by itself. The tooltip adds the synopsis.
 */
export function nowNextText(
  c: NonNullable<ChannelAirStatus['now']>,
  seq: AirSequence | undefined
): { title: string | null; clip: string; tooltip: string } {
  const clip = clipLabel(c)
  if (c.slate || !seq) return { title: null, clip, tooltip: clip }
  return { title: seq.title, clip, tooltip: [seq.title, seq.synopsis, clip].filter(Boolean).join('\n') }
}

/** "Reconnecting in 4 s (attempt 3)", counted down from the engine's next retry time. */
export function reconnectCountdown(nextRetryAt: number | undefined, attempt: number | undefined, now: number): string {
  const secs = nextRetryAt ? Math.max(0, Math.ceil((nextRetryAt - now) / 1000)) : null
  return `Reconnecting${secs !== null ? ` in ${secs} s` : '…'}${attempt ? ` (attempt ${attempt})` : ''}`
}
