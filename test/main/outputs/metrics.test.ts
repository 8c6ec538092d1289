/** The quality gate's series in the Prometheus text: per channel, one block per family, counters typed. */
import { describe, expect, it } from 'vitest'
import parsePrometheus from 'parse-prometheus-text-format'
import type { ChannelSnapshot, StudioSnapshot } from '../../../src/main/outputs/snapshot'
import { renderPrometheus } from '../../../src/main/outputs/metrics'

function channel(id: number, name: string, gate?: ChannelSnapshot['gate']): ChannelSnapshot {
  return {
    id,
    name,
    stream: null,
    state: 'offline',
    since: null,
    uptimeS: 0,
    kbps: 0,
    speed: 0,
    droppedFrames: 0,
    restarts: 0,
    viewers: 0,
    runwayS: null,
    now: null,
    ffmpegCpuSeconds: null,
    destinations: [],
    hls: null,
    recording: null,
    ...(gate ? { gate } : {})
  }
}

function snap(channels: ChannelSnapshot[]): StudioSnapshot {
  return {
    at: 0,
    version: 't',
    pid: 1,
    startedAt: 0,
    process: { cpuSeconds: 0, rssBytes: 0, heapUsedBytes: 0 },
    server: { running: false, rtmpPort: 0, httpPort: 0 },
    channels,
    jobs: {},
    conformBacklog: 0
  }
}

describe('metrics: the quality gate', () => {
  it('counts checked, failed by check, regenerated, held and budget left per channel', () => {
    const text = renderPrometheus(
      snap([
        channel(1, 'News "1"', {
          enabled: true,
          byKind: { checked: 7, failed: 3, regenerated: 2, held: 1 },
          failedBy: { text: 2, black: 1 },
          budgetLeft: 10
        }),
        channel(2, 'Quiet', { enabled: false, byKind: {}, failedBy: {}, budgetLeft: 12 }),
        channel(3, 'No gate here')
      ])
    )
    const families = parsePrometheus(text)
    const names = families.map((f) => f.name)
    expect(new Set(names).size).toBe(names.length)
    const series = (name: string) =>
      families.find((f) => f.name === name)!.metrics.map((m) => [m.labels!.channel, m.labels!.check, m.value])
    expect(series('webtv_gate_checked_total')).toEqual([
      ['News "1"', undefined, '7'],
      ['Quiet', undefined, '0']
    ])
    expect(series('webtv_gate_failed_total')).toEqual([
      ['News "1"', undefined, '3'],
      ['Quiet', undefined, '0']
    ])
    expect(series('webtv_gate_regenerated_total')[0]).toEqual(['News "1"', undefined, '2'])
    expect(series('webtv_gate_held_total')[0]).toEqual(['News "1"', undefined, '1'])
    expect(series('webtv_gate_failed_by_check_total')).toEqual([
      ['News "1"', 'text', '2'],
      ['News "1"', 'black', '1']
    ])
    expect(series('webtv_gate_budget_left')).toEqual([
      ['News "1"', undefined, '10'],
      ['Quiet', undefined, '12']
    ])
    expect(series('webtv_gate_enabled').map((s) => s[2])).toEqual(['1', '0'])
    expect(families.find((f) => f.name === 'webtv_gate_held_total')!.type).toBe('COUNTER')
    expect(families.find((f) => f.name === 'webtv_gate_budget_left')!.type).toBe('GAUGE')
    expect(text.split('\n').filter((l) => l.startsWith('webtv_gate') && l.includes('No gate here'))).toEqual([])
  })
})
