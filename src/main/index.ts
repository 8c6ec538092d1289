/**
 * The Electron shell: app lifecycle, the locked-down window and the IPC binding.
 * Everything else is the plain-Node studio core, shared with the headless `webtv`.
 */
import { app, BrowserWindow, dialog, session, shell } from 'electron'
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

  const createWindow = (): BrowserWindow => {
    const win = new BrowserWindow({
      width: 1440,
      height: 900,
      minWidth: 1100,
      minHeight: 680,
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
    win.once('ready-to-show', () => win.show())
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
      // Help links open in the user's browser; nothing opens inside the app.
      if (url.startsWith('https://')) void shell.openExternal(url)
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
    mainWindow = createWindow()
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow()
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

  let quitting = false
  app.on('before-quit', (event) => {
    if (quitting || !core) return
    // Stop relays, playout and workers cleanly before the process goes.
    event.preventDefault()
    quitting = true
    unbind?.()
    stopNotifications?.()
    void core.close().finally(() => app.quit())
  })
}

function argValue(flag: string): string | undefined {
  const i = process.argv.indexOf(flag)
  if (i >= 0) return process.argv[i + 1]
  const eq = process.argv.find((a) => a.startsWith(flag + '='))
  return eq?.slice(flag.length + 1)
}
