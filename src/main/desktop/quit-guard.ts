import { app, BrowserWindow, dialog } from 'electron'
import { closingWindowQuits, decideQuit, type QuitDecision } from './update-policy'

export interface QuitGuardDeps {
  /** Names of the channels on air now. */
  onAir: () => string[]
  /** A downloaded update's version: it installs as the studio quits. */
  pendingUpdate: () => string | undefined
  /** Stops relays, playout and workers cleanly; quitting waits for it. */
  shutdown: () => Promise<void>
  log: (line: string) => void
  platform?: NodeJS.Platform
}

/**
 * Quitting, the way a live tool does it: while a channel is on air, Quit (and, on
 * Windows and Linux, closing the last window) asks first, Cancel being the default;
 * then the studio shuts down cleanly before the process goes — and a downloaded update
 * installs then (electron-updater's autoInstallOnAppQuit), never earlier.
 */
export function installQuitGuard(deps: QuitGuardDeps): { guardWindow(win: BrowserWindow): void } {
  const platform = deps.platform ?? process.platform
  let confirmed = false
  let asking = false
  let shuttingDown = false
  let done = false

  const ask = async (d: Extract<QuitDecision, { action: 'ask' }>): Promise<boolean> => {
    asking = true
    try {
      const options = {
        type: 'warning' as const,
        message: d.message,
        detail: d.detail,
        buttons: d.buttons,
        defaultId: d.defaultId,
        cancelId: d.cancelId,
        noLink: true
      }
      const win = BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0]
      const { response } = await (win ? dialog.showMessageBox(win, options) : dialog.showMessageBox(options))
      return response === 0
    } finally {
      asking = false
    }
  }

  const askThenQuit = (d: Extract<QuitDecision, { action: 'ask' }>): void => {
    void ask(d).then((yes) => {
      if (!yes) return
      confirmed = true
      app.quit()
    })
  }

  app.on('before-quit', (event) => {
    if (done) return
    event.preventDefault()
    if (asking || shuttingDown) return
    const d = decideQuit({ onAir: deps.onAir(), confirmed, pendingUpdate: deps.pendingUpdate() })
    if (d.action === 'ask') return askThenQuit(d)
    shuttingDown = true
    void deps
      .shutdown()
      .catch((err: unknown) =>
        deps.log(`[webtv] error while shutting down: ${err instanceof Error ? err.message : err}`)
      )
      .finally(() => {
        done = true
        app.quit()
      })
  })

  return {
    guardWindow: (win) => {
      win.on('close', (event) => {
        if (confirmed || shuttingDown || done) return
        if (!closingWindowQuits(platform, BrowserWindow.getAllWindows().length)) return
        const d = decideQuit({ onAir: deps.onAir(), confirmed: false, pendingUpdate: deps.pendingUpdate() })
        if (d.action === 'quit') return
        event.preventDefault()
        if (!asking) askThenQuit(d)
      })
    }
  }
}
