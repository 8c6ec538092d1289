import { airStateSchema } from '../../shared/contract/onair'
import { jobStateSchema } from '../../shared/contract/generation'
import type { StudioSnapshot } from './snapshot'

/** Content type of the Prometheus text exposition format, version 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

const STATES = airStateSchema.options

/** The quality gate's log kinds as counters: [kind, metric, help]. */
const GATE_COUNTERS: Array<[string, string, string]> = [
  ['checked', 'webtv_gate_checked_total', 'Takes the quality gate checked.'],
  ['failed', 'webtv_gate_failed_total', 'Takes that failed a deciding check.'],
  ['regenerated', 'webtv_gate_regenerated_total', 'Regenerations the gate asked for after a failed take.'],
  ['held', 'webtv_gate_held_total', 'Shots held for review after their takes failed.'],
  ['chosen', 'webtv_gate_chosen_total', 'Passing retries chosen in place of a failed take.']
]

/** Label values: backslash, double quote and newline escaped, as the format requires. */
export function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

class Writer {
  private readonly lines: string[] = []
  private readonly declared = new Set<string>()

  metric(name: string, type: 'gauge' | 'counter', help: string, labels: Record<string, string>, value: number): void {
    if (!this.declared.has(name)) {
      this.declared.add(name)
      this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`)
    }
    const l = Object.entries(labels)
      .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
      .join(',')
    const num = Number.isFinite(value) ? String(value) : 'NaN'
    this.lines.push(`${name}${l ? `{${l}}` : ''} ${num}`)
  }

  text(): string {
    return this.lines.join('\n') + '\n'
  }
}

/**
 * The snapshot as Prometheus text. Series of one metric are written together (the
 * format wants each family in one block), so the loops run per metric, not per
 * channel. States are one-hot gauges (`…_state{state="live"} 1`), the usual way to
 * alert on an enum.
 */
export function renderPrometheus(s: StudioSnapshot): string {
  const w = new Writer()
  w.metric('webtv_up', 'gauge', 'The studio process answers.', {}, 1)
  w.metric('webtv_info', 'gauge', 'Version of the running studio.', { version: s.version }, 1)
  w.metric(
    'process_cpu_seconds_total',
    'counter',
    'CPU time of the studio process (user + system).',
    {},
    round(s.process.cpuSeconds, 3)
  )
  w.metric('process_resident_memory_bytes', 'gauge', 'Resident memory of the studio process.', {}, s.process.rssBytes)
  w.metric(
    'process_start_time_seconds',
    'gauge',
    'When the studio process started (Unix time).',
    {},
    Math.floor(s.startedAt / 1000)
  )
  w.metric(
    'webtv_rtmp_server_up',
    'gauge',
    'The embedded RTMP/HTTP-FLV server is running.',
    {},
    s.server.running ? 1 : 0
  )

  const ch = (c: StudioSnapshot['channels'][number]) => ({ channel: c.name, stream: c.stream ?? '' })
  for (const c of s.channels)
    for (const st of STATES)
      w.metric(
        'webtv_channel_state',
        'gauge',
        'Channel on-air state (one series per state, 1 = current).',
        { ...ch(c), state: st },
        c.state === st ? 1 : 0
      )
  for (const c of s.channels)
    w.metric('webtv_channel_live', 'gauge', '1 while the channel is live.', ch(c), c.state === 'live' ? 1 : 0)
  for (const c of s.channels)
    w.metric('webtv_channel_uptime_seconds', 'gauge', 'Seconds since the channel went live.', ch(c), c.uptimeS)
  for (const c of s.channels)
    w.metric('webtv_channel_output_kbps', 'gauge', 'Output bitrate of the playout (kbit/s).', ch(c), c.kbps)
  for (const c of s.channels)
    w.metric(
      'webtv_channel_encoder_speed',
      'gauge',
      'Playout speed as a multiple of real time (1 = on time).',
      ch(c),
      c.speed
    )
  for (const c of s.channels)
    w.metric('webtv_channel_restarts_total', 'counter', 'Playout encoder restarts since Go Live.', ch(c), c.restarts)
  for (const c of s.channels)
    w.metric('webtv_channel_dropped_frames_total', 'counter', 'Frames the playout dropped.', ch(c), c.droppedFrames)
  for (const c of s.channels)
    w.metric(
      'webtv_channel_viewers',
      'gauge',
      'Viewers of the local stream (RTMP and HTTP-FLV; relays not counted).',
      ch(c),
      c.viewers
    )
  for (const c of s.channels)
    if (c.runwayS !== null)
      w.metric(
        'webtv_channel_runway_seconds',
        'gauge',
        'Seconds of material after the clip on air, to the end of the timeline.',
        ch(c),
        round(c.runwayS, 1)
      )
  for (const c of s.channels)
    if (c.ffmpegCpuSeconds !== null)
      w.metric(
        'webtv_channel_ffmpeg_cpu_seconds',
        'gauge',
        "CPU time of the channel's running ffmpeg processes.",
        ch(c),
        round(c.ffmpegCpuSeconds, 2)
      )
  const outs = s.channels.flatMap((c) =>
    (
      [
        ['hls', c.hls],
        ['recording', c.recording]
      ] as const
    ).flatMap(([kind, o]) => (o ? [{ o, l: { ...ch(c), output: kind } }] : []))
  )
  for (const { o, l } of outs)
    w.metric(
      'webtv_output_up',
      'gauge',
      '1 while the HLS or recording output is writing.',
      l,
      o.state === 'live' ? 1 : 0
    )
  for (const { o, l } of outs)
    w.metric('webtv_output_files', 'gauge', 'HLS segments in the playlist / recording files kept.', l, o.files)
  for (const { o, l } of outs) w.metric('webtv_output_bytes', 'gauge', 'Bytes on disk of the output.', l, o.bytes)

  const dests = s.channels.flatMap((c) =>
    c.destinations.map((d) => ({ c, d, l: { ...ch(c), destination: d.name, id: d.id, kind: d.kind } }))
  )
  for (const { d, l } of dests)
    for (const st of STATES)
      w.metric(
        'webtv_destination_state',
        'gauge',
        'Destination relay state (one series per state, 1 = current).',
        { ...l, state: st },
        d.state === st ? 1 : 0
      )
  for (const { d, l } of dests)
    w.metric('webtv_destination_up', 'gauge', '1 while the destination is live.', l, d.state === 'live' ? 1 : 0)
  for (const { d, l } of dests)
    w.metric(
      'webtv_destination_reconnects_total',
      'counter',
      'Reconnections of the destination since Go Live.',
      l,
      d.reconnects
    )
  for (const { d, l } of dests)
    w.metric('webtv_destination_bytes_total', 'counter', 'Bytes sent to the destination since Go Live.', l, d.bytes)
  for (const { d, l } of dests)
    w.metric('webtv_destination_kbps', 'gauge', 'Bitrate sent to the destination (kbit/s).', l, d.kbps)

  const gated = s.channels.flatMap((c) => (c.gate ? [{ g: c.gate, l: ch(c) }] : []))
  for (const { g, l } of gated)
    w.metric('webtv_gate_enabled', 'gauge', "1 while the channel's quality gate is on.", l, g.enabled ? 1 : 0)
  for (const [kind, name, help] of GATE_COUNTERS)
    for (const { g, l } of gated) w.metric(name, 'counter', help, l, g.byKind[kind] ?? 0)
  for (const { g, l } of gated)
    for (const [check, n] of Object.entries(g.failedBy))
      w.metric('webtv_gate_failed_by_check_total', 'counter', 'Failed takes per deciding check.', { ...l, check }, n)
  for (const { g, l } of gated)
    w.metric(
      'webtv_gate_budget_left',
      'gauge',
      'Regenerations the quality gate may still ask for this hour.',
      l,
      g.budgetLeft
    )

  const jobStates = new Set([...jobStateSchema.options, ...Object.keys(s.jobs)])
  for (const st of jobStates)
    w.metric('webtv_jobs', 'gauge', 'Generation jobs by state.', { state: st }, s.jobs[st] ?? 0)
  w.metric('webtv_conform_backlog', 'gauge', 'Shots waiting for or in a conform.', {}, s.conformBacklog)
  return w.text()
}

function round(v: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(v * f) / f
}
