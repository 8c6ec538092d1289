import { describe, expect, it } from 'vitest'
import { fallbackFor, lengthNote, needsMore, type LengthState } from '../../../src/main/generation/extend'
import { falImageEndpoint } from '../../../src/main/generation/fal/image'
import type { FalConfig } from '../../../src/shared/contract/generation'

const fal = (endpoint: string, preset = 'wan22-ti2v-5b'): FalConfig => ({
  kind: 'fal',
  endpoint,
  preset,
  params: {},
  concurrency: 1
})

describe('the line decides the shot length', () => {
  it('slows a gap up to 25 % of the clip, holds a larger one', () => {
    expect(fallbackFor(4, 5)).toBe('slowed')
    expect(fallbackFor(4, 5.01)).toBe('held')
    expect(fallbackFor(1, 2.6)).toBe('held')
  })

  it('a gap under a frame or two is the conform’s rounding, not a reason to extend', () => {
    const st: LengthState = { needSec: 5, clipSec: 4.97, haveSec: 4.97, parts: [], requests: 0 }
    expect(needsMore(st, 4.97)).toBe(false)
    expect(needsMore(st, 4.9)).toBe(true)
  })

  it('says what it did in one line', () => {
    const st: LengthState = { needSec: 6.3, clipSec: 1, haveSec: 3.9, parts: ['a', 'b', 'c'], requests: 3 }
    expect(lengthNote(st, 'held', 3.9, '3 continuations were not enough')).toBe(
      'line needs 6.3 s, clip 1.0 s: extended by 3 continuations from the last frame (3.9 s), then last frame held to 6.3 s (3 continuations were not enough)'
    )
    expect(lengthNote({ ...st, parts: [] }, 'slowed', 6.3, 'the fal backend cannot start from an image')).toBe(
      'line needs 6.3 s, clip 1.0 s: slowed to 6.3 s (the fal backend cannot start from an image)'
    )
  })
})

describe("fal's image-to-video endpoint for a video endpoint", () => {
  it('the preset’s own, the text-to-video sibling, the endpoint itself, or none', () => {
    expect(falImageEndpoint(fal('fal-ai/ltxv-13b-098-distilled', 'ltx-video'))).toBe(
      'fal-ai/ltxv-13b-098-distilled/image-to-video'
    )
    expect(falImageEndpoint(fal('fal-ai/wan/v2.2-a14b/text-to-video', 'custom'))).toBe(
      'fal-ai/wan/v2.2-a14b/image-to-video'
    )
    expect(falImageEndpoint(fal('fal-ai/ltx-2.5/image-to-video/pro', 'custom'))).toBe(
      'fal-ai/ltx-2.5/image-to-video/pro'
    )
    expect(falImageEndpoint(fal('fal-ai/plain-video', 'wan22-ti2v-5b'))).toBeUndefined()
  })
})
