import { describe, expect, it } from 'vitest'
import { jobStepChips } from '../../src/renderer/src/lib/job-steps'
import { jobDto, type JobRow } from '../../src/main/generation/store'
import { DEFAULT_BACKENDS } from '../../src/main/generation/settings'
import type { BackendSettings } from '../../src/shared/contract/generation'

function row(kind: 'shot' | 'music', steps: BackendSettings): JobRow {
  return {
    id: 1,
    channel_id: 1,
    shot_id: kind === 'shot' ? 1 : null,
    sequence_id: 1,
    kind,
    state: 'running',
    step: null,
    attempts: 1,
    payload_json: JSON.stringify({ prompt: 'p', seed: 1, steps }),
    error: null,
    progress: 0,
    idempotency_key: null,
    created_at: 0,
    updated_at: 0,
    owner_pid: null,
    not_before: 0,
    seq_index: 0,
    queue_position: null,
    eta_s: null
  }
}

const labels = (steps: BackendSettings): string[] => jobStepChips(jobDto(row('shot', steps))).map((c) => c.label)

describe('job step chips', () => {
  it('show only video and conform for a job whose backends upscale and interpolate nothing (the offline default)', () => {
    expect(labels(DEFAULT_BACKENDS)).toEqual(['video', 'conform'])
  })

  it('show upscale and interpolate where the job was queued with them on, in pipeline order', () => {
    const on = (s: BackendSettings['upscale']) => ({ ...s, enabled: true })
    expect(labels({ ...DEFAULT_BACKENDS, interpolate: on(DEFAULT_BACKENDS.interpolate) })).toEqual([
      'video',
      'interpolate',
      'conform'
    ])
    expect(
      labels({
        ...DEFAULT_BACKENDS,
        upscale: on(DEFAULT_BACKENDS.upscale),
        interpolate: on(DEFAULT_BACKENDS.interpolate)
      })
    ).toEqual(['video', 'upscale', 'interpolate', 'conform'])
  })

  it('say nothing of steps for a music job, and keep all four for a job that does not list them', () => {
    expect(jobDto(row('music', DEFAULT_BACKENDS)).steps).toBeUndefined()
    expect(jobStepChips({}).map((c) => c.label)).toEqual(['video', 'upscale', 'interpolate', 'conform'])
  })
})
