import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import { redact } from '../secrets'

/**
 * Every on-air log line, event message and error passes through here: known
 * secrets (publish secret, stream keys), NMS publish signatures and the key part
 * of any RTMP URL are replaced before the text goes anywhere.
 */
export class Redactor {
  private readonly secrets = new Set<string>()

  add(secret: string | undefined): void {
    if (secret && secret.length >= 4) this.secrets.add(secret)
  }

  text(s: string): string {
    const out = redact(s, this.secrets)
    return out.replace(/([?&](?:sign|key|token|auth|pass(?:word)?)=)[^&\s'"]+/gi, '$1[redacted]')
  }
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
export type OnAirLogger = (level: LogLevel, line: string) => void

const MAX_LOG_BYTES = 5 * 1024 * 1024

/** Appends redacted lines to <dataDir>/logs/onair.log (one rotation kept) and keeps the recent ones in memory. */
export class OnAirLog {
  readonly recent: string[] = []
  private written = 0

  constructor(
    private readonly file: string,
    private readonly redactor: Redactor,
    private readonly echo?: (line: string) => void
  ) {
    mkdirSync(dirname(file), { recursive: true })
    try {
      this.written = statSync(file).size
    } catch {
      this.written = 0
    }
  }

  readonly log: OnAirLogger = (level, line) => {
    if (level === 'debug') return
    const clean = this.redactor.text(line)
    const entry = `${new Date().toISOString()} ${level.toUpperCase()} ${clean}`
    this.recent.push(entry)
    if (this.recent.length > 200) this.recent.shift()
    try {
      if (this.written > MAX_LOG_BYTES) {
        renameSync(this.file, `${this.file}.1`)
        this.written = 0
      }
      appendFileSync(this.file, entry + '\n')
      this.written += entry.length + 1
    } catch {
      /* logging must never take the stream down */
    }
    this.echo?.(entry)
  }
}
