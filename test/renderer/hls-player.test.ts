import { describe, expect, it } from 'vitest'
import { chooseStreamKind } from '../../src/renderer/src/lib/hls-player'

describe('watch page player choice', () => {
  const all = { flvPlayable: true, nativeHls: true, hlsJs: true, hasHls: true }
  it('plays HTTP-FLV where MSE can, HLS where it cannot (hls.js first, native on an iPhone without Media Source)', () => {
    expect(chooseStreamKind(all)).toBe('flv')
    expect(chooseStreamKind({ ...all, flvPlayable: false })).toBe('hls.js')
    expect(chooseStreamKind({ ...all, flvPlayable: false, hlsJs: false })).toBe('hls-native')
    expect(chooseStreamKind({ ...all, flvPlayable: false, hasHls: false })).toBeNull()
    expect(chooseStreamKind({ flvPlayable: false, nativeHls: false, hlsJs: false, hasHls: true })).toBeNull()
  })
  it('follows ?player= when that player can run', () => {
    expect(chooseStreamKind({ ...all, force: 'hls' })).toBe('hls.js')
    expect(chooseStreamKind({ ...all, force: 'hls', hasHls: false })).toBe('flv')
    expect(chooseStreamKind({ ...all, flvPlayable: false, force: 'flv' })).toBe('hls.js')
  })
})
