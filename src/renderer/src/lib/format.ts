/** 83_500 → "1:23"; 3_723_000 → "1:02:03"; null → "–:––". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '–:––'
  const total = Math.round(ms / 1000)
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = total % 60
  const ss = String(s).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`
}

/** Shot durations to one decimal for the timeline's small badges: "3.0s". */
export function formatSeconds(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '?'
  return `${(ms / 1000).toFixed(1)}s`
}

export type Level = 'ok' | 'warn' | 'bad'

/** OBS's thresholds for dropped frames: warning above 1 %, bad above 5 %. */
export function droppedFramesLevel(dropped: number, total: number): { percent: number; level: Level } {
  if (!(total > 0)) return { percent: 0, level: 'ok' }
  const percent = (100 * dropped) / total
  return { percent, level: percent > 5 ? 'bad' : percent > 1 ? 'warn' : 'ok' }
}

/** OBS's thresholds for fps: warning under 95 % of the target, bad under 80 %. */
export function fpsLevel(fps: number, target: number): Level {
  if (!(target > 0)) return 'ok'
  const r = fps / target
  return r < 0.8 ? 'bad' : r < 0.95 ? 'warn' : 'ok'
}

/** Seconds → "45 s", "3 min 20 s", "1 h 5 min". */
export function formatEta(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return ''
  const s = Math.round(seconds)
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`
}

export function formatBytesPerSecond(kbps: number | null | undefined): string {
  if (kbps === null || kbps === undefined || !Number.isFinite(kbps)) return '–'
  return kbps >= 1000 ? `${(kbps / 1000).toFixed(2)} Mb/s` : `${Math.round(kbps)} kb/s`
}

/** Uptime in h:mm:ss from milliseconds. */
export function formatUptime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '0:00:00'
  const t = Math.floor(ms / 1000)
  return `${Math.floor(t / 3600)}:${String(Math.floor((t % 3600) / 60)).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}`
}

/** A clip's measured loudness and what conform did about it, in one line ("−31.2 LUFS · LRA 4.1 LU · TP −12.0 dBTP → +17.2 dB"). */
export function formatLoudness(
  l: {
    integratedLufs: number | null
    lraLu: number | null
    truePeakDb: number | null
    gainDb: number
    silent: boolean
    limited: boolean
  } | null
): string {
  if (!l) return 'not measured'
  const n = (v: number | null, digits = 1): string => (v === null ? '−∞' : v.toFixed(digits).replace('-', '−'))
  if (l.silent) return 'silent (left as is)'
  const gain = `${l.gainDb >= 0 ? '+' : ''}${n(l.gainDb)} dB`
  return `${n(l.integratedLufs)} LUFS · LRA ${n(l.lraLu)} LU · TP ${n(l.truePeakDb)} dBTP → ${gain}${l.limited ? ', limited' : ''}`
}
