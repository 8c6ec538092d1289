/**
 * The preload exposes exactly the contract's bridge as `window.studio` — calls,
 * events and media URLs — and nothing else of Electron or Node. Sandboxed, so it
 * only imports `electron`; all validation happens in main.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron'
import type { CallResult, StudioBridge } from '../shared/contract'

const INVOKE_CHANNEL = 'studio:invoke'
const EVENT_CHANNEL = 'studio:event'

const studio = {
  shell: 'electron',
  async invoke(name, input) {
    const result = (await ipcRenderer.invoke(INVOKE_CHANNEL, name, input)) as CallResult<never>
    if (result.ok) return result.value
    // contextBridge keeps only `message` of thrown Errors; a plain object keeps code and field.
    throw { name: 'StudioError', ...result.error }
  },
  on(event, listener) {
    const handler = (_e: IpcRendererEvent, name: string, payload: unknown): void => {
      if (name === event) listener(payload as never)
    }
    ipcRenderer.on(EVENT_CHANNEL, handler)
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, handler)
    }
  },
  mediaUrl(relativePath) {
    return `webtv://media/${relativePath.split('/').map(encodeURIComponent).join('/')}`
  },
  /** Dropped or chosen files: their real path, so the core imports them in place. */
  pathForFile(file: File): string {
    return webUtils.getPathForFile(file)
  }
} satisfies StudioBridge & { pathForFile(file: File): string }

contextBridge.exposeInMainWorld('studio', studio)
