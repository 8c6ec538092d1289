import { isPidAlive } from '../process/pid-alive'
import type { LibraryStore } from './store'

/** Key/value settings kept with the library, and the cross-process on-air marks stored among them. */
export class LibrarySettings {
  constructor(private readonly store: LibraryStore) {}

  getSetting(key: string): string | undefined {
    return (this.store.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined)
      ?.value
  }

  setSetting(key: string, value: string): void {
    this.store.db
      .prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
      .run(key, value)
  }

  deleteSetting(key: string): void {
    this.store.db.prepare('DELETE FROM settings WHERE key = ?').run(key)
  }

  /** Every setting whose key starts with `prefix` (taken literally: no LIKE wildcards), by key. */
  settingsWithPrefix(prefix: string): Array<{ key: string; value: string }> {
    return this.store.db
      .prepare('SELECT key, value FROM settings WHERE substr(key, 1, length(?)) = ? ORDER BY key')
      .all(prefix, prefix) as Array<{ key: string; value: string }>
  }

  /**
   * The on-air engine records which process airs a channel, so every process on
   * this data folder (a CLI next to `webtv air`, the desktop app) can refuse edits
   * that would break the stream. Null clears it.
   */
  markOnAir(channelId: number, pid: number | null): void {
    const key = `onair.pid.${channelId}`
    if (pid === null) this.deleteSetting(key)
    else this.setSetting(key, String(pid))
  }

  /** The pid of another live process airing this channel, if any (a crashed one's mark is ignored). */
  onAirElsewhere(channelId: number): number | undefined {
    const pid = Number(this.getSetting(`onair.pid.${channelId}`))
    return Number.isInteger(pid) && pid > 0 && pid !== process.pid && isPidAlive(pid) ? pid : undefined
  }
}
