import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { FileSecretStore, maskSecret, redact } from '../../../src/main/secrets'
import { tempDir } from '../../helpers/tmp'

const cleanups: Array<() => void> = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))
function dir(): string {
  const t = tempDir()
  cleanups.push(t.cleanup)
  return t.dir
}

describe('FileSecretStore', () => {
  it('keeps secrets in a file only the user can read', async () => {
    const d = dir()
    const store = new FileSecretStore(d)
    await store.set('twitch.key', 'live_123456789_abcdefghijkl')
    expect(await store.get('twitch.key')).toBe('live_123456789_abcdefghijkl')
    if (process.platform !== 'win32') expect(statSync(join(d, 'secrets.json')).mode & 0o777).toBe(0o600)
    expect(await store.masked('twitch.key')).toBe('••••••••ijkl')
    await store.delete('twitch.key')
    expect(await store.has('twitch.key')).toBe(false)
  })
  it('stores only ciphertext when the shell gives a cipher', async () => {
    const d = dir()
    const cipher = {
      encrypt: async (p: string) => Buffer.from(p).reverse().toString('base64'),
      decrypt: async (s: string) => Buffer.from(s, 'base64').reverse().toString()
    }
    const store = new FileSecretStore(d, cipher)
    await store.set('hf.token', 'hf_supersecretvalue')
    expect(readFileSync(join(d, 'secrets.json'), 'utf8')).not.toContain('hf_supersecretvalue')
    expect(await store.get('hf.token')).toBe('hf_supersecretvalue')
  })
  it('keeps desktop-encrypted and headless values apart in one data folder', async () => {
    const d = dir()
    const cipher = {
      encrypt: async (p: string) => 'enc:' + Buffer.from(p).toString('base64'),
      decrypt: async (s: string) => {
        if (!s.startsWith('enc:')) throw new Error('not ours')
        return Buffer.from(s.slice(4), 'base64').toString()
      }
    }
    const desktop = new FileSecretStore(d, cipher)
    const headless = new FileSecretStore(d)
    await desktop.set('onair.dest.a.key', 'live_desktop_key_0001')
    await headless.set('onair.dest.b.key', 'live_headless_key_0002')
    // Headless cannot read the keychain: a clear error, never the ciphertext as a key.
    await expect(headless.get('onair.dest.a.key')).rejects.toThrow(/saved by the desktop app.*Enter it again/)
    // The desktop reads the plain value the CLI wrote.
    expect(await desktop.get('onair.dest.b.key')).toBe('live_headless_key_0002')
    expect(await headless.values()).toEqual(['live_headless_key_0002'])
    expect((await desktop.values()).sort()).toEqual(['live_desktop_key_0001', 'live_headless_key_0002'])
  })

  it('refuses bad names and reports a corrupt file clearly', async () => {
    const d = dir()
    const store = new FileSecretStore(d)
    await expect(store.set('../evil', 'x')).rejects.toThrow(/Invalid secret name/)
    writeFileSync(join(d, 'secrets.json'), '{oops')
    await expect(store.get('a')).rejects.toThrow(/corrupt.*enter your keys again/)
  })
})

describe('redaction', () => {
  it('masks short and long values', () => {
    expect(maskSecret('abc')).toBe('••••••••')
    // A short key shows nothing: 4 of 9 characters would be half of it.
    expect(maskSecret('abcdefghi')).toBe('••••••••')
    expect(maskSecret('abcdefghijklmnopq')).toBe('••••••••nopq')
  })
  it('removes known secrets and the key part of RTMP URLs from text', () => {
    const line = "Output #0, flv, to 'rtmp://live.twitch.tv/app/live_123_secret': Connection refused; token hf_abcdef"
    const out = redact(line, ['hf_abcdef'])
    expect(out).not.toContain('live_123_secret')
    expect(out).not.toContain('hf_abcdef')
    expect(out).toContain('rtmp://live.twitch.tv/app/[redacted]')
  })
})
