import { redact } from '../secrets'

/**
 * Notification text leaves the studio (the OS notification centre, a browser tab,
 * lock screens): replace every known secret and anything shaped like one — the key
 * segment of an RTMP URL, an SRT streamid or passphrase, query credentials, bearer
 * tokens, Hugging Face / OpenAI-style keys — before it is shown.
 */
export function scrubSecrets(text: string, secrets: Iterable<string> = []): string {
  const known = [...secrets].flatMap((s) => (s && s.length >= 4 ? [s, encodeURIComponent(s)] : []))
  return redact(text, known)
    .replace(/([?&;,](?:streamid|passphrase|sign|key|token|auth|pass(?:word)?)=)[^&\s'"]+/gi, '$1[redacted]')
    .replace(/(srt:\/\/[^\s'"?]+)\?[^\s'"]+/gi, '$1?[redacted]')
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g, '$1 [redacted]')
    .replace(/\b(hf|sk|live|key)_[A-Za-z0-9_-]{8,}/g, '[redacted]')
    .replace(/\bsk-[A-Za-z0-9_-]{8,}/g, '[redacted]')
}
