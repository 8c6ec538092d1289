import { ipcMain, type BrowserWindow } from 'electron'
import type { Core } from '../core/core'
import type { CallResult } from '../../shared/contract'
import { isTrustedFrame } from './trust'

export const INVOKE_CHANNEL = 'studio:invoke'
export const EVENT_CHANNEL = 'studio:event'

/** Bind the contract to IPC: calls in, events out. Returns an unbind function. */
export function bindContract(core: Core, getWindows: () => BrowserWindow[], trustedOrigins: string[]): () => void {
  ipcMain.handle(INVOKE_CHANNEL, async (event, name: unknown, input: unknown): Promise<CallResult<unknown>> => {
    if (!isTrustedFrame(event.senderFrame, trustedOrigins)) {
      return { ok: false, error: { code: 'unauthorized', message: 'Calls are accepted only from the studio window.' } }
    }
    return core.dispatch(name, input)
  })
  const unsubscribe = core.bus.onAny((name, payload) => {
    for (const win of getWindows()) {
      if (!win.isDestroyed() && isTrustedFrame(win.webContents.mainFrame, trustedOrigins)) {
        win.webContents.send(EVENT_CHANNEL, name, payload)
      }
    }
  })
  return () => {
    ipcMain.removeHandler(INVOKE_CHANNEL)
    unsubscribe()
  }
}
