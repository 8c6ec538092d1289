import { app, Menu, shell } from 'electron'
import { join } from 'node:path'
import { makePrivateDir } from '../core/private-dir'
import { isSafeExternalUrl } from './links'
import { buildMenuTemplate } from './menu-template'

export interface AppMenuDeps {
  dataDir: string
  /** The updater's menu item now (its label follows the download). */
  updateItem: () => { label: string; enabled: boolean }
  checkForUpdates: () => void
  log: (line: string) => void
}

/** Opens a link in the system browser, if it is one the studio may open (see isSafeExternalUrl). */
export function openExternalSafely(url: string, log: (line: string) => void): void {
  if (!isSafeExternalUrl(url)) {
    log(
      `[webtv] refused to open ${url.slice(0, 200)} outside the app: only https links and the studio's own pages open`
    )
    return
  }
  void shell.openExternal(url)
}

/**
 * Installs the application menu; call the returned refresh when the updater's item
 * changes (Electron menus are immutable once built, so the whole menu is rebuilt).
 */
export function installAppMenu(deps: AppMenuDeps): () => void {
  const refresh = (): void => {
    const template = buildMenuTemplate({
      platform: process.platform,
      appName: app.name,
      dev: !app.isPackaged,
      update: deps.updateItem(),
      actions: {
        checkForUpdates: deps.checkForUpdates,
        openExternal: (url) => openExternalSafely(url, deps.log),
        showLogFiles: () => {
          const logs = join(deps.dataDir, 'logs')
          makePrivateDir(logs)
          void shell.openPath(logs)
        }
      }
    })
    Menu.setApplicationMenu(Menu.buildFromTemplate(template))
  }
  refresh()
  return refresh
}
