import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

/**
 * Stream keys, HF tokens and LLM keys. Never stored in SQLite, never logged, never
 * sent to the renderer except masked. Desktop: values encrypted with Electron's
 * safeStorage (the shell passes a cipher in); headless: a file readable only by
 * the user (0600).
 */
export interface SecretCipher {
  encrypt(plain: string): Promise<string>
  decrypt(stored: string): Promise<string>
}

export interface SecretStore {
  get(name: string): Promise<string | undefined>
  set(name: string, value: string): Promise<void>
  delete(name: string): Promise<void>
  has(name: string): Promise<boolean>
  /** What the UI may show: e.g. "live_••••••••3f9a", or undefined when not set. */
  masked(name: string): Promise<string | undefined>
  /** All current secret values, for redacting them from logs and errors. */
  values(): Promise<string[]>
}

export function maskSecret(value: string): string {
  if (value.length <= 8) return '••••••••'
  return `${value.slice(0, 4)}••••••••${value.slice(-4)}`
}

const SECRET_NAME = /^[a-z0-9][a-z0-9._:-]{0,127}$/i

function checkName(name: string): void {
  if (!SECRET_NAME.test(name)) throw new Error(`Invalid secret name "${name}": use letters, digits, ".", "_", ":" or "-".`)
}

/** Secrets in one JSON file, mode 0600, written atomically (temp file + rename). */
export class FileSecretStore implements SecretStore {
  private readonly file: string
  constructor(
    dataDir: string,
    private readonly cipher?: SecretCipher
  ) {
    this.file = join(dataDir, 'secrets.json')
  }

  private read(): Record<string, string> {
    if (!existsSync(this.file)) return {}
    try {
      const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as unknown
      return parsed && typeof parsed === 'object' ? (parsed as Record<string, string>) : {}
    } catch {
      throw new Error(`The secret store ${this.file} is unreadable or corrupt; remove it and enter your keys again.`)
    }
  }

  private write(all: Record<string, string>): void {
    mkdirSync(dirname(this.file), { recursive: true })
    const tmp = `${this.file}.${process.pid}.tmp`
    writeFileSync(tmp, JSON.stringify(all), { mode: 0o600 })
    chmodSync(tmp, 0o600)
    renameSync(tmp, this.file)
  }

  async get(name: string): Promise<string | undefined> {
    checkName(name)
    const stored = this.read()[name]
    if (stored === undefined) return undefined
    return this.cipher ? this.cipher.decrypt(stored) : stored
  }
  async set(name: string, value: string): Promise<void> {
    checkName(name)
    const all = this.read()
    all[name] = this.cipher ? await this.cipher.encrypt(value) : value
    this.write(all)
  }
  async delete(name: string): Promise<void> {
    checkName(name)
    const all = this.read()
    if (name in all) {
      delete all[name]
      this.write(all)
    }
  }
  async has(name: string): Promise<boolean> {
    checkName(name)
    return name in this.read()
  }
  async masked(name: string): Promise<string | undefined> {
    const v = await this.get(name)
    return v === undefined ? undefined : maskSecret(v)
  }
  async values(): Promise<string[]> {
    const all = this.read()
    const out: string[] = []
    for (const k of Object.keys(all)) {
      const v = await this.get(k)
      if (v) out.push(v)
    }
    return out
  }
}

/**
 * Replace every occurrence of a secret in a text (ffmpeg echoes its output URL,
 * errors quote URLs) and the key part of any RTMP URL, even one we don't know.
 */
export function redact(text: string, secrets: Iterable<string>): string {
  let out = text
  for (const s of secrets) {
    if (s && s.length >= 4) out = out.split(s).join('[redacted]')
  }
  // rtmp(s)://host/app/<key>… : the last path segment of an ingest URL is the key.
  out = out.replace(/(rtmps?:\/\/[^\s/'"]+\/[^\s/'"]+\/)([^\s'"]+)/gi, (_m, head: string, key: string) =>
    key.startsWith('[redacted]') ? head + key : `${head}[redacted]`
  )
  return out
}
