import type { MenuItemConstructorOptions } from 'electron'
import { HELP_LINKS } from './links'

/** What the studio's own menu items do; the edge (menu.ts) binds them to Electron. */
export interface MenuActions {
  checkForUpdates(): void
  openExternal(url: string): void
  showLogFiles(): void
}

export interface MenuTemplateOptions {
  platform: NodeJS.Platform
  appName: string
  /** Unpacked (electron-vite dev): reload and developer tools are offered. */
  dev: boolean
  /** The updater's item as its state has it ("Check for Updates…", "Restart to Install 0.2.0…"). */
  update: { label: string; enabled: boolean }
  actions: MenuActions
}

export const UPDATE_ITEM_ID = 'check-for-updates'

const sep: MenuItemConstructorOptions = { type: 'separator' }

/**
 * The application menu, the way desktop apps lay it out on each platform. The roles
 * matter most: on macOS copy, paste and select-all reach a text field only through an
 * Edit menu with those roles, and the system gives each role its shortcut and label.
 */
export function buildMenuTemplate(o: MenuTemplateOptions): MenuItemConstructorOptions[] {
  const mac = o.platform === 'darwin'
  const updateItem: MenuItemConstructorOptions = {
    id: UPDATE_ITEM_ID,
    label: o.update.label,
    enabled: o.update.enabled,
    click: () => o.actions.checkForUpdates()
  }

  const appMenu: MenuItemConstructorOptions = {
    label: o.appName,
    submenu: [
      { role: 'about' },
      updateItem,
      sep,
      { role: 'services' },
      sep,
      { role: 'hide' },
      { role: 'hideOthers' },
      { role: 'unhide' },
      sep,
      { role: 'quit' }
    ]
  }

  // Windows and Linux have no app menu: quitting lives in File. On macOS the studio has
  // no documents, so no File menu: Close Window (Cmd+W) is in Window, once.
  const fileMenu: MenuItemConstructorOptions = { label: 'File', submenu: [{ role: 'quit' }] }

  // Undo/redo keys also drive the studio's own history (timeline and library edits).
  // On macOS the page sees a key before the menu does, so its handler wins outside text
  // fields. On Windows and Linux a registered menu accelerator would take Ctrl+Z/Ctrl+Y
  // from the page, and text fields undo natively there anyway: show the keys, don't take them.
  const historyKeys: Partial<MenuItemConstructorOptions> = mac ? {} : { registerAccelerator: false }
  const editMenu: MenuItemConstructorOptions = {
    label: 'Edit',
    submenu: [
      { role: 'undo', ...historyKeys },
      { role: 'redo', ...historyKeys },
      sep,
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      ...(mac ? [{ role: 'pasteAndMatchStyle' } as const] : []),
      { role: 'delete' },
      sep,
      { role: 'selectAll' }
    ]
  }

  // Reload and developer tools only while developing: in a release, Cmd/Ctrl+R in the
  // middle of a show would blank the studio for a moment, and nobody needs the inspector.
  const devItems: MenuItemConstructorOptions[] = o.dev
    ? [{ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, sep]
    : []
  const viewMenu: MenuItemConstructorOptions = {
    label: 'View',
    submenu: [
      ...devItems,
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      sep,
      { role: 'togglefullscreen' }
    ]
  }

  const windowMenu: MenuItemConstructorOptions = {
    label: 'Window',
    role: 'window',
    submenu: [
      { role: 'minimize' },
      { role: 'zoom' },
      { role: 'close' },
      ...(mac ? [sep, { role: 'front' } as const] : [])
    ]
  }

  const helpMenu: MenuItemConstructorOptions = {
    label: 'Help',
    role: 'help',
    submenu: [
      ...HELP_LINKS.map((l): MenuItemConstructorOptions => ({
        label: l.label,
        click: () => o.actions.openExternal(l.url)
      })),
      sep,
      { label: 'Show Log Files', click: () => o.actions.showLogFiles() },
      // On macOS these two live in the app menu.
      ...(mac ? [] : [sep, updateItem, sep, { role: 'about' } as const])
    ]
  }

  return [...(mac ? [appMenu] : [fileMenu]), editMenu, viewMenu, windowMenu, helpMenu]
}
