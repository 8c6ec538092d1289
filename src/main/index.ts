/**
 * The Electron shell: app lifecycle, the locked-down window and the IPC binding.
 * Everything else is the plain-Node studio core, shared with the headless `webtv`.
 */
import { app, BrowserWindow, dialog, session } from 'electron'
import { join } from 'node:path'
import type { Core } from './core/core'
import { openStudio } from './studio'
import { resolveDataDir } from './core/data-dir'
import { STUDIO_VERSION } from './core/version'
import { bindContract } from './ipc/bind'
import {
  handleAppScheme,
  registerAppScheme,
  rendererDirBesideMain,
  STUDIO_ORIGIN,
  studioEntryUrl
} from './ipc/app-protocol'
import { safeStorageCipher } from './ipc/safe-storage'
import { originOf } from './ipc/trust'
import { lockDownPermissions } from './ipc/permissions'
import { showDesktopNotifications } from './desktop/notifications'
import { ONAIR } from './services'
import { installAppMenu, openExternalSafely } from './desktop/menu'
import { installQuitGuard } from './desktop/quit-guard'
import { channelsOnAir } from './desktop/update-policy'
import { startUpdater, type DesktopUpdater } from './desktop/updater'
import { keepWindowState, MIN_WINDOW_SIZE, restoreWindowPlacement, showPlaced } from './desktop/window-state-keeper'

const devServerUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined
const trustedOrigins = [STUDIO_ORIGIN, ...(devServerUrl ? [originOf(devServerUrl) ?? ''] : [])].filter(Boolean)
const isTrustedUrl = (url: string): boolean => trustedOrigins.includes(originOf(url) ?? '')

registerAppScheme()

if (!app.requestSingleInstanceLock()) {
  // Another studio owns the data folder and the RTMP ports; hand over to it.
  app.quit()
} else {
  let core: Core | undefined
  let mainWindow: BrowserWindow | undefined
  let unbind: (() => void) | undefined
  let stopNotifications: (() => void) | undefined
  let updater: DesktopUpdater | undefined
  const log = (line: string): void => console.log(line)
  const onAirNow = (): string[] => channelsOnAir(core?.services.find(ONAIR)?.observe() ?? [])
  const quitGuard = installQuitGuard({
    onAir: onAirNow,
    pendingUpdate: () => updater?.pendingVersion(),
    log,
    shutdown: async () => {
      // Stop relays, playout and workers cleanly before the process goes.
      updater?.dispose()
      unbind?.()
      stopNotifications?.()
      await core?.close()
    }
  })

  const createWindow = (dataDir: string): BrowserWindow => {
    const placement = restoreWindowPlacement(dataDir, log)
    const win = new BrowserWindow({
      width: placement.width,
      height: placement.height,
      ...(placement.x !== undefined && placement.y !== undefined ? { x: placement.x, y: placement.y } : {}),
      minWidth: MIN_WINDOW_SIZE.width,
      minHeight: MIN_WINDOW_SIZE.height,
      show: false,
      backgroundColor: '#0f1115',
      title: 'WebTV Studio',
      webPreferences: {
        preload: join(__dirname, '../preload/index.js'),
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        webviewTag: false,
        spellcheck: false
      }
    })
    win.once('ready-to-show', () => showPlaced(win, placement))
    keepWindowState(win, dataDir, log)
    quitGuard.guardWindow(win)
    void win.loadURL(studioEntryUrl(devServerUrl))
    return win
  }

  app.on('second-instance', () => {
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore()
      mainWindow.focus()
    }
  })

  // Lock every web contents down: no new windows, no navigation away, no webviews.
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(({ url }) => {
      // Help links (and the local watch page) open in the user's browser; nothing opens inside the app.
      openExternalSafely(url, log)
      return { action: 'deny' }
    })
    contents.on('will-navigate', (event, url) => {
      if (!isTrustedUrl(url)) event.preventDefault()
    })
    contents.on('will-redirect', (event, url) => {
      if (!isTrustedUrl(url)) event.preventDefault()
    })
    contents.on('will-attach-webview', (event) => event.preventDefault())
  })

  const startStudio = async (): Promise<void> => {
    // Fullscreen, and notifications for our own pages; no camera, microphone or geolocation.
    lockDownPermissions(session.defaultSession, trustedOrigins)
    const dataDir = resolveDataDir({ flag: argValue('--data-dir'), shellDefault: app.getPath('userData') })
    const secretCipher = await safeStorageCipher()
    core = await openStudio({
      dataDir,
      shell: 'electron',
      version: STUDIO_VERSION,
      ...(secretCipher ? { secretCipher } : {})
    })
    handleAppScheme({ rendererDir: rendererDirBesideMain(__dirname), dataDir })
    unbind = bindContract(core, () => BrowserWindow.getAllWindows(), trustedOrigins)
    stopNotifications = showDesktopNotifications(core.bus, () => mainWindow)
    await core.startBackground()
    let refreshMenu = (): void => undefined
    const shellUpdater = startUpdater({
      onAir: onAirNow,
      window: () => (mainWindow && !mainWindow.isDestroyed() ? mainWindow : undefined),
      onChange: () => refreshMenu(),
      log
    })
    updater = shellUpdater
    refreshMenu = installAppMenu({
      dataDir,
      updateItem: () => shellUpdater.menuItem(),
      checkForUpdates: () => shellUpdater.click(),
      log
    })
    mainWindow = createWindow(dataDir)
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow(dataDir)
    })
  }

  void app.whenReady().then(() =>
    startStudio().catch(async (err: unknown) => {
      // A too-new database, an unwritable data folder…: say so, then quit — an
      // invisible app would keep holding the single-instance lock.
      dialog.showErrorBox('WebTV Studio could not start', err instanceof Error ? err.message : String(err))
      await core?.close().catch(() => undefined)
      app.exit(1)
    })
  )

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })
}

function argValue(flag: string): string | undefined {
  const i = process.argv.indexOf(flag)
  if (i >= 0) return process.argv[i + 1]
  const eq = process.argv.find((a) => a.startsWith(flag + '='))
  return eq?.slice(flag.length + 1)
}
