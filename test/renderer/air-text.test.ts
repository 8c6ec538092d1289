import { describe, expect, it } from 'vitest'
import { AIR_STATE_TEXT, clipLabel, nowNextText, reconnectCountdown } from '../../src/renderer/src/lib/air-text'

describe('air-text', () => {
  it('counts down to the engine’s next retry, rounding up, never below zero', () => {
    expect(reconnectCountdown(10_500, 3, 6_000)).toBe('Reconnecting in 5 s (attempt 3)')
    expect(reconnectCountdown(10_000, 1, 10_000)).toBe('Reconnecting in 0 s (attempt 1)')
    expect(reconnectCountdown(9_000, 2, 12_000)).toBe('Reconnecting in 0 s (attempt 2)')
  })
  it('says only “Reconnecting…” when the engine gave no time or attempt', () => {
    expect(reconnectCountdown(undefined, undefined, 1)).toBe('Reconnecting…')
    expect(reconnectCountdown(undefined, 4, 1)).toBe('Reconnecting… (attempt 4)')
  })
  it('names the standby slate rather than its file', () => {
    expect(clipLabel({ itemId: null, label: 'Standby', durationMs: 2000, slate: true })).toBe('Standby slate')
    expect(clipLabel({ itemId: 3, label: 'forest at dawn', durationMs: 3000, slate: false })).toBe('forest at dawn')
  })
  it('names a clip on air by its show sequence first, the synopsis in the tooltip; the slate and loose clips by themselves', () => {
    const clip = { itemId: 7, label: 'the lamp room', durationMs: 4000, slate: false }
    const seq = { title: 'The Keeper', synopsis: 'A storm comes in.' }
    expect(nowNextText(clip, seq)).toEqual({
      title: 'The Keeper',
      clip: 'the lamp room',
      tooltip: 'The Keeper\nA storm comes in.\nthe lamp room'
    })
    expect(nowNextText(clip, { title: 'The Keeper', synopsis: '' }).tooltip).toBe('The Keeper\nthe lamp room')
    expect(nowNextText(clip, undefined)).toEqual({ title: null, clip: 'the lamp room', tooltip: 'the lamp room' })
    expect(nowNextText({ itemId: null, label: 'Standby', durationMs: 2000, slate: true }, seq).title).toBeNull()
  })
  it('has a word for every state the engine reports', () => {
    expect(Object.keys(AIR_STATE_TEXT).sort()).toEqual([
      'error',
      'live',
      'offline',
      'reconnecting',
      'starting',
      'stopping'
    ])
  })
})
