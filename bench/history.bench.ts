/**
 * Undo history benchmark: what recording a timeline step costs on 1k, 10k and 100k
 * item timelines.
 * 1. CPU time of one move (the last item to the front — the widest window a move
 *    can have) with the history recording, against the same move with recording
 *    off, measured side by side in this run: the ratio is the history's overhead.
 * 2. CPU time of the undo of that move, against the move itself.
 * 3. Bytes stored per step, against a full before/after copy of the timeline
 *    (what a naive history would store): the window + digest design should stay
 *    far below it for a move near the end.
 * Goal: recording adds at most 2x to a move at 100k items; a move near the end
 * stores < 1 % of the full copy.
 */
import { join } from 'node:path'
import { tempDir } from '../test/helpers/tmp'
import { openLibrary, type Library } from '../src/main/library'
import { openLibraryDb } from '../test/fixtures/library-db'

function cpuMs(fn: () => void): number {
  const start = process.cpuUsage()
  fn()
  const d = process.cpuUsage(start)
  return (d.user + d.system) / 1000
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

function timeline(lib: Library, name: string, n: number): { channelId: number; items: number[] } {
  const channel = lib.createChannel({ name })
  const now = Date.now()
  const shot = openLibraryDb(lib.dataDir).prepare(
    "INSERT INTO shots (channel_id, status, approved, prompt, created_at, updated_at) VALUES (?, 'pending', 1, '', ?, ?)"
  )
  const item = openLibraryDb(lib.dataDir).prepare(
    'INSERT INTO playlist_items (channel_id, shot_id, position, added_at) VALUES (?, ?, ?, ?)'
  )
  openLibraryDb(lib.dataDir).transaction(() => {
    for (let i = 0; i < n; i++) item.run(channel.id, Number(shot.run(channel.id, now, now).lastInsertRowid), i, now)
  })()
  return { channelId: channel.id, items: lib.listPlaylist(channel.id).map((i) => i.itemId) }
}

function lastStepBytes(lib: Library, channelId: number): number {
  return (
    openLibraryDb(lib.dataDir)
      .prepare('SELECT length(data_json) AS n FROM edit_history WHERE channel_id = ? ORDER BY id DESC LIMIT 1')
      .get(channelId) as { n: number }
  ).n
}

export default async function run(): Promise<void> {
  const t = tempDir()
  const lib = openLibrary(join(t.dir, 'data'))
  try {
    console.log(
      'items   move ms (off)  move ms (recorded)  overhead  undo ms  undo/move  step bytes (front / near end)  full copy bytes'
    )
    for (const n of [1_000, 10_000, 100_000]) {
      const { channelId, items } = timeline(lib, `bench ${n}`, n)
      const reps = n >= 100_000 ? 7 : 21
      const off: number[] = []
      const on: number[] = []
      const undo: number[] = []
      let frontBytes = 0
      for (let r = 0; r < reps; r++) {
        // Interleaved so machine noise hits both sides alike.
        lib.history.recording = false
        const last = lib.listPlaylist(channelId).at(-1)!.itemId
        off.push(cpuMs(() => lib.movePlaylistItem(last, 0)))
        lib.history.recording = true
        const last2 = lib.listPlaylist(channelId).at(-1)!.itemId
        on.push(cpuMs(() => lib.history.trackPlaylist(channelId, () => lib.movePlaylistItem(last2, 0))))
        frontBytes = lastStepBytes(lib, channelId)
        undo.push(cpuMs(() => lib.history.undo(channelId)))
      }
      // A move near the end: the window is two items.
      lib.history.recording = true
      const tail = lib.listPlaylist(channelId).at(-1)!.itemId
      lib.history.trackPlaylist(channelId, () => lib.movePlaylistItem(tail, n - 2))
      const nearEndBytes = lastStepBytes(lib, channelId)
      const fullCopy = 2 * JSON.stringify(items.map((id) => [id, id, Date.now()])).length
      const mOff = median(off)
      const mOn = median(on)
      const mUndo = median(undo)
      console.log(
        `${String(n).padStart(6)}  ${mOff.toFixed(1).padStart(13)}  ${mOn.toFixed(1).padStart(18)}  ${(mOn / mOff).toFixed(2).padStart(7)}x  ${mUndo.toFixed(1).padStart(7)}  ${(mUndo / mOff).toFixed(2).padStart(8)}x  ${String(frontBytes).padStart(12)} / ${String(nearEndBytes).padEnd(14)}  ${fullCopy}`
      )
    }
  } finally {
    await lib.close()
    t.cleanup()
  }
}
