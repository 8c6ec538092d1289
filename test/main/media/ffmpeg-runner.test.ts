import { describe, expect, it } from 'vitest'
import { ffmpegPreamble } from '../../../src/main/media/ffmpeg-runner'

describe('ffmpegPreamble', () => {
  it('writes the long-running form: quiet stderr, progress on a pipe at a period', () => {
    expect(ffmpegPreamble({ loglevel: 'warning', progress: 'stdout', statsPeriodS: 0.5 })).toEqual([
      '-hide_banner',
      '-loglevel',
      'warning',
      '-nostats',
      '-progress',
      'pipe:1',
      '-stats_period',
      '0.5'
    ])
    expect(ffmpegPreamble({ loglevel: 'warning', progress: 'stderr' })).toContain('pipe:2')
  })
  it('writes the batch form: no stdin, overwrite, no period unless asked', () => {
    expect(ffmpegPreamble({ batch: true, loglevel: 'error', progress: 'stdout' })).toEqual([
      '-hide_banner',
      '-nostdin',
      '-y',
      '-loglevel',
      'error',
      '-nostats',
      '-progress',
      'pipe:1'
    ])
    expect(ffmpegPreamble()).toEqual(['-hide_banner', '-nostats'])
  })
})
