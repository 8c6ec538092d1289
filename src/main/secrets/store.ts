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
  /** What the UI may show: e.g. "••••••••3f9a", or undefined when not set. */
  masked(name: string): Promise<string | undefined>
  /** All current secret values, for redacting them from logs and errors. */
  values(): Promise<string[]>
}

/** Enough for a person to recognise their key, never enough to use it. */
export function maskSecret(value: string): string {
  if (value.length < 16) return '••••••••'
  return `••••••••${value.slice(-4)}`
}

const SECRET_NAME = /^[a-z0-9][a-z0-9._:-]{0,127}$/i

function checkName(name: string): void {
  if (!SECRET_NAME.test(name))
    throw new Error(`Invalid secret name "${name}": use letters, digits, ".", "_", ":" or "-".`)
}

/**
 * One stored value. `enc` says how it was written, so the desktop app (OS keychain
 * encryption) and the headless CLI (plain, 0600 file) sharing one data folder each
 * know what they are reading instead of mistaking ciphertext for a key.
 */
interface StoredSecret {
  enc: 'os' | 'plain'
  v: string
}

export class SecretUnreadableError extends Error {
  constructor(name: string) {
    super(
      `The secret "${name}" was saved by the desktop app, encrypted with this computer's keychain, and cannot be read here. ` +
        'Enter it again (it will replace the stored one).'
    )
    this.name = 'SecretUnreadableError'
  }
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

  private read(): Record<string, StoredSecret> {
    if (!existsSync(this.file)) return {}
    let parsed: unknown
    try {
      parsed = JSON.parse(readFileSync(this.file, 'utf8')) as unknown
    } catch {
      throw new Error(`The secret store ${this.file} is unreadable or corrupt; remove it and enter your keys again.`)
    }
    const out: Record<string, StoredSecret> = {}
    if (!parsed || typeof parsed !== 'object') return out
    for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
      if (typeof v === 'string')
        out[k] = { enc: 'plain', v } // the first, untagged format
      else if (v && typeof v === 'object' && typeof (v as StoredSecret).v === 'string') {
        out[k] = { enc: (v as StoredSecret).enc === 'os' ? 'os' : 'plain', v: (v as StoredSecret).v }
      }
    }
    return out
  }

  private write(all: Record<string, StoredSecret>): void {
    mkdirSync(dirname(this.file), { recursive: true })
    const tmp = `${this.file}.${process.pid}.tmp`
    writeFileSync(tmp, JSON.stringify(all), { mode: 0o600 })
    chmodSync(tmp, 0o600)
    renameSync(tmp, this.file)
  }

  private async open(name: string, entry: StoredSecret): Promise<string> {
    if (entry.enc === 'plain') return entry.v
    if (!this.cipher) throw new SecretUnreadableError(name)
    try {
      return await this.cipher.decrypt(entry.v)
    } catch {
      throw new SecretUnreadableError(name)
    }
  }

  async get(name: string): Promise<string | undefined> {
    checkName(name)
    const entry = this.read()[name]
    return entry === undefined ? undefined : this.open(name, entry)
  }
  async set(name: string, value: string): Promise<void> {
    checkName(name)
    const entry: StoredSecret = this.cipher
      ? { enc: 'os', v: await this.cipher.encrypt(value) }
      : { enc: 'plain', v: value }
    const all = this.read()
    all[name] = entry
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
  /** Every value this process can read (an unreadable one can't leak from here either). */
  async values(): Promise<string[]> {
    const out: string[] = []
    for (const [k, entry] of Object.entries(this.read())) {
      try {
        const v = await this.open(k, entry)
        if (v) out.push(v)
      } catch {
        /* encrypted by the desktop app: not usable, not printable here */
      }
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
