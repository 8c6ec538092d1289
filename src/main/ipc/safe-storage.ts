import { safeStorage } from 'electron'
import type { SecretCipher } from '../secrets'

/** The OS keychain (Keychain, DPAPI, libsecret) through Electron's async safeStorage API. */
export async function safeStorageCipher(): Promise<SecretCipher | undefined> {
  if (!(await safeStorage.isAsyncEncryptionAvailable())) return undefined
  return {
    encrypt: async (plain) => (await safeStorage.encryptStringAsync(plain)).toString('base64'),
    decrypt: async (stored) => (await safeStorage.decryptStringAsync(Buffer.from(stored, 'base64'))).result
  }
}
