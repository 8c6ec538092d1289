/**
 * A base64 data URL as a Blob: the studio's Content-Security-Policy lets <audio>
 * play blob: URLs, not data: ones, so a sample the core sends inline is played
 * through URL.createObjectURL of this.
 */
export function dataUrlToBlob(url: string): Blob {
  const m = /^data:([\w/+.-]+);base64,([A-Za-z0-9+/=]*)$/.exec(url)
  if (!m) throw new Error('Not a base64 data URL.')
  const bin = atob(m[2]!)
  const bytes = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i)
  return new Blob([bytes], { type: m[1] })
}
