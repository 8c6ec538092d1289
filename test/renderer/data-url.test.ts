import { describe, expect, it } from 'vitest'
import { dataUrlToBlob } from '../../src/renderer/src/lib/data-url'

describe('dataUrlToBlob', () => {
  it('decodes the bytes and keeps the type', async () => {
    const bytes = Buffer.from([0x52, 0x49, 0x46, 0x46, 0, 255, 7])
    const blob = dataUrlToBlob(`data:audio/wav;base64,${bytes.toString('base64')}`)
    expect(blob.type).toBe('audio/wav')
    expect(Buffer.from(await blob.arrayBuffer())).toEqual(bytes)
  })

  it('refuses what is not a base64 data URL', () => {
    expect(() => dataUrlToBlob('http://example.com/a.wav')).toThrow(/base64 data URL/)
    expect(() => dataUrlToBlob('data:audio/wav,RIFF')).toThrow(/base64 data URL/)
  })
})
