import type { StudioClient } from './bridge'

export interface UploadResult {
  path: string
}

/**
 * Send one File's bytes to the headless studio (`POST /api/upload`), which stores it
 * in the data dir and answers the server-side path library.import needs. XHR, not
 * fetch, because only XHR reports upload progress.
 */
export function uploadFile(file: File, onProgress: (fraction: number) => void, base = ''): Promise<UploadResult> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', `${base}/api/upload?name=${encodeURIComponent(file.name)}`)
    xhr.setRequestHeader('Content-Type', 'application/octet-stream')
    xhr.upload.onprogress = (ev) => {
      if (ev.lengthComputable && ev.total > 0) onProgress(ev.loaded / ev.total)
    }
    xhr.onerror = () =>
      reject(
        new Error(`Uploading ${file.name} failed: the studio could not be reached. Check that it is still running.`)
      )
    xhr.onload = () => {
      let body: unknown = null
      try {
        body = JSON.parse(xhr.responseText)
      } catch {
        /* not JSON: the status text explains it */
      }
      if (xhr.status >= 200 && xhr.status < 300 && body && typeof (body as UploadResult).path === 'string') {
        onProgress(1)
        resolve(body as UploadResult)
        return
      }
      const err = (body as { error?: string | { message?: string } } | null)?.error
      const serverMsg = (typeof err === 'string' ? err : err?.message) ?? (xhr.responseText || xhr.statusText)
      reject(new Error(`Uploading ${file.name} failed (HTTP ${xhr.status}): ${serverMsg}`))
    }
    xhr.send(file)
  })
}

/**
 * A path the core can read for each file: in Electron the file is already on this
 * machine (the preload's pathForFile); in a browser it is uploaded first.
 */
export async function pathForImport(
  client: Pick<StudioClient, 'pathForFile'>,
  file: File,
  onProgress: (fraction: number) => void
): Promise<string> {
  if (client.pathForFile) {
    const p = client.pathForFile(file)
    if (p) {
      onProgress(1)
      return p
    }
  }
  return (await uploadFile(file, onProgress)).path
}

/** The last path segment, for matching the core's progress events to files. */
export function baseName(p: string): string {
  const parts = p.split(/[\\/]/)
  return parts[parts.length - 1] ?? p
}
