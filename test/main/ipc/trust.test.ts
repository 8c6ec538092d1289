import { describe, expect, it } from 'vitest'
import { isTrustedFrame } from '../../../src/main/ipc/trust'

const trusted = ['webtv://studio']

describe('IPC sender check', () => {
  it('accepts our own top-level page', () => {
    expect(isTrustedFrame({ url: 'webtv://studio/index.html', parent: null }, trusted)).toBe(true)
  })
  it('refuses iframes, other origins and junk', () => {
    expect(isTrustedFrame({ url: 'webtv://studio/index.html', parent: {} }, trusted)).toBe(false)
    expect(isTrustedFrame({ url: 'https://evil.example/', parent: null }, trusted)).toBe(false)
    expect(isTrustedFrame({ url: 'webtv://media/x.mp4', parent: null }, trusted)).toBe(false)
    expect(isTrustedFrame({ url: 'not a url', parent: null }, trusted)).toBe(false)
    expect(isTrustedFrame(null, trusted)).toBe(false)
  })
})
