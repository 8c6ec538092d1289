import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseEncoders, parseFfmpegVersion } from '../../../src/main/media/doctor'

const fixture = (name: string): string => readFileSync(join(__dirname, '../../fixtures/ffmpeg', name), 'utf8')

describe('doctor parsers (captured ffmpeg output)', () => {
  it('reads the version line', () => {
    expect(parseFfmpegVersion(fixture('version.txt'))).toBe('5.1.9-0+deb12u1')
    expect(parseFfmpegVersion('bash: ffmpeg: command not found')).toBeUndefined()
  })
  it('lists encoders, including libx264 and aac', () => {
    const enc = parseEncoders(fixture('encoders.txt'))
    expect(enc.has('libx264')).toBe(true)
    expect(enc.has('aac')).toBe(true)
    expect(enc.has('V.....')).toBe(false) // the legend lines are not encoders
    expect(parseEncoders(' V....D libx265 libx265 H.265\n').has('libx264')).toBe(false)
  })
})
