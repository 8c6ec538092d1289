import { app, dialog, type BrowserWindow, type MessageBoxOptions } from 'electron'
import { autoUpdater } from 'electron-updater'
import {
  CHECK_INTERVAL_MS,
  decideRestartToUpdate,
  feedbackFor,
  FIRST_CHECK_DELAY_MS,
  nextPhase,
  onUpdateItemClick,
  updateMenuItem,
  updaterAvailability,
  updaterErrorLine,
  type UpdateEvent,
  type UpdatePhase
} from './update-policy'

export interface DesktopUpdaterDeps {
  /** Names of the channels on air now. */
  onAir: () => string[]
  /** The window message boxes attach to (none while the app has no window). */
  window: () => BrowserWindow | undefined
  /** The phase changed: rebuild the menu. */
  onChange: () => void
  log: (line: string) => void
  env?: Record<string, string | undefined>
  platform?: NodeJS.Platform
}

export interface DesktopUpdater {
  phase(): UpdatePhase
  menuItem(): { label: string; enabled: boolean }
  /** The menu item was clicked: check, explain, or restart to install (if nothing airs). */
  click(): void
  /** A pending update's version (installs on quit), if one is downloaded. */
  pendingVersion(): string | undefined
  dispose(): void
}

/**
 * electron-updater at the edge: its events go through the pure policy (update-policy.ts)
 * and come out as a phase, a menu item, at most one message box and log lines. Updates
 * download in the background and install on quit (autoInstallOnAppQuit); only the
 * person's "Restart to Install", refused while anything is on air, installs sooner.
 */
export function startUpdater(deps: DesktopUpdaterDeps): DesktopUpdater {
  const availability = updaterAvailability({
    isPackaged: app.isPackaged,
    platform: deps.platform ?? process.platform,
    env: deps.env ?? process.env
  })
  let phase: UpdatePhase = availability.enabled ? { kind: 'idle' } : { kind: 'disabled', reason: availability.reason }
  const timers: NodeJS.Timeout[] = []
  const detach: Array<() => void> = []

  const show = (options: MessageBoxOptions): void => {
    const win = deps.window()
    void (win ? dialog.showMessageBox(win, options) : dialog.showMessageBox(options))
  }

  const apply = (event: UpdateEvent): void => {
    const before = phase
    phase = nextPhase(phase, event)
    const feedback = feedbackFor(before, event, app.getVersion())
    if (feedback.kind === 'dialog')
      show({ type: feedback.type, message: feedback.message, detail: feedback.detail, buttons: ['OK'] })
    // Progress arrives many times a second: rebuild the menu only when its label changes.
    if (updateMenuItem(before).label !== updateMenuItem(phase).label) deps.onChange()
  }

  const check = (manual: boolean): void => {
    if (phase.kind === 'disabled' || phase.kind === 'checking' || phase.kind === 'downloading') return
    if (phase.kind !== 'downloaded') {
      phase = { kind: 'checking', manual }
      deps.onChange()
    }
    autoUpdater
      .checkForUpdates()
      .then((result) => {
        // null: the updater declined to check (and emits nothing): don't stay "Checking…".
        if (result === null && phase.kind === 'checking') {
          phase = { kind: 'idle' }
          deps.onChange()
        }
      })
      .catch((err: unknown) => {
        // Also reported through the 'error' event; this only keeps the rejection handled.
        deps.log(`[updater] check failed: ${updaterErrorLine(err)}`)
      })
  }

  if (!availability.enabled) {
    deps.log(`[updater] updates are off: ${availability.reason}`)
  } else {
    autoUpdater.autoDownload = true
    autoUpdater.autoInstallOnAppQuit = true
    autoUpdater.logger = {
      info: (m?: unknown) => deps.log(`[updater] ${String(m)}`),
      warn: (m?: unknown) => deps.log(`[updater] warning: ${String(m)}`),
      error: (m?: unknown) => deps.log(`[updater] error: ${updaterErrorLine(m)}`)
    }
    const on = (event: string, handler: (...args: never[]) => void): void => {
      autoUpdater.on(event as 'error', handler as () => void)
      detach.push(() => autoUpdater.off(event as 'error', handler as () => void))
    }
    on('checking-for-update', () => apply({ type: 'checking' }))
    on('update-available', (info: { version: string }) => apply({ type: 'available', version: info.version }))
    on('update-not-available', (info: { version: string }) => apply({ type: 'not-available', version: info.version }))
    on('download-progress', (p: { percent: number }) => apply({ type: 'progress', percent: p.percent }))
    on('update-downloaded', (info: { version: string }) => {
      deps.log(`[updater] ${info.version} downloaded; it installs when the studio quits`)
      apply({ type: 'downloaded', version: info.version })
    })
    on('error', (err: unknown) => apply({ type: 'error', message: updaterErrorLine(err) }))

    const first = setTimeout(() => check(false), FIRST_CHECK_DELAY_MS)
    const every = setInterval(() => check(false), CHECK_INTERVAL_MS)
    first.unref?.()
    every.unref?.()
    timers.push(first, every)
  }

  return {
    phase: () => phase,
    menuItem: () => updateMenuItem(phase),
    pendingVersion: () => (phase.kind === 'downloaded' ? phase.version : undefined),
    click: () => {
      switch (onUpdateItemClick(phase)) {
        case 'explain-disabled':
          show({
            type: 'info',
            message: 'Updates are off.',
            detail: `WebTV Studio ${app.getVersion()}: ${phase.kind === 'disabled' ? phase.reason : ''}.`,
            buttons: ['OK']
          })
          return
        case 'check':
          check(true)
          return
        case 'busy':
          return
        case 'restart': {
          if (phase.kind !== 'downloaded') return
          const decision = decideRestartToUpdate({ version: phase.version, onAir: deps.onAir() })
          if (decision.action === 'defer') {
            deps.log(`[updater] restart to install ${phase.version} deferred: a channel is on air`)
            show({ type: 'info', message: decision.message, detail: decision.detail, buttons: ['OK'] })
            return
          }
          deps.log(`[updater] restarting to install ${phase.version}`)
          autoUpdater.quitAndInstall()
        }
      }
    },
    dispose: () => {
      for (const t of timers) clearTimeout(t)
      for (const d of detach) d()
    }
  }
}
