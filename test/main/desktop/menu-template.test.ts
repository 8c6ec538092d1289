import type { MenuItemConstructorOptions } from 'electron'
import { describe, expect, it, vi } from 'vitest'
import { buildMenuTemplate, UPDATE_ITEM_ID, type MenuActions } from '../../../src/main/desktop/menu-template'
import { HELP_LINKS, isSafeExternalUrl } from '../../../src/main/desktop/links'

function actions() {
  return {
    checkForUpdates: vi.fn<MenuActions['checkForUpdates']>(),
    openExternal: vi.fn<MenuActions['openExternal']>(),
    showLogFiles: vi.fn<MenuActions['showLogFiles']>()
  }
}

function build(platform: NodeJS.Platform, over: { dev?: boolean; update?: { label: string; enabled: boolean } } = {}) {
  const a = actions()
  const template = buildMenuTemplate({
    platform,
    appName: 'WebTV Studio',
    dev: over.dev ?? false,
    update: over.update ?? { label: 'Check for Updates…', enabled: true },
    actions: a
  })
  return { template, a }
}

const items = (m: MenuItemConstructorOptions | undefined): MenuItemConstructorOptions[] =>
  (m?.submenu as MenuItemConstructorOptions[] | undefined) ?? []
const menu = (t: MenuItemConstructorOptions[], label: string) => t.find((m) => m.label === label)
const roles = (m: MenuItemConstructorOptions | undefined) => items(m).flatMap((i) => (i.role ? [i.role] : []))
const allItems = (t: MenuItemConstructorOptions[]) => t.flatMap(items)
const click = (i: MenuItemConstructorOptions | undefined) =>
  (i?.click as unknown as () => void | undefined)?.call(undefined)

describe('application menu template', () => {
  it('macOS: the app menu first, with about, services, hide and quit', () => {
    const { template } = build('darwin')
    expect(template.map((m) => m.label)).toEqual(['WebTV Studio', 'Edit', 'View', 'Window', 'Help'])
    expect(roles(template[0])).toEqual(['about', 'services', 'hide', 'hideOthers', 'unhide', 'quit'])
    // Each role once: a second Close Window would register Cmd+W twice.
    const all = allItems(template).flatMap((i) => (i.role ? [i.role] : []))
    expect(new Set(all).size).toBe(all.length)
  })

  it('Windows and Linux: no app menu; quit in File, about in Help', () => {
    for (const platform of ['win32', 'linux'] as const) {
      const { template } = build(platform)
      expect(template.map((m) => m.label)).toEqual(['File', 'Edit', 'View', 'Window', 'Help'])
      expect(roles(menu(template, 'File'))).toEqual(['quit'])
      const all = allItems(template).flatMap((i) => (i.role ? [i.role] : []))
      expect(new Set(all).size).toBe(all.length)
      expect(roles(menu(template, 'Help'))).toEqual(['about'])
      expect(allItems(template).filter((i) => i.role === 'services' || i.role === 'hide')).toEqual([])
    }
  })

  it('Edit carries every editing role, so copy/paste reach text fields on macOS', () => {
    expect(roles(menu(build('darwin').template, 'Edit'))).toEqual([
      'undo',
      'redo',
      'cut',
      'copy',
      'paste',
      'pasteAndMatchStyle',
      'delete',
      'selectAll'
    ])
    expect(roles(menu(build('win32').template, 'Edit'))).toEqual([
      'undo',
      'redo',
      'cut',
      'copy',
      'paste',
      'delete',
      'selectAll'
    ])
  })

  it('Windows/Linux leave Ctrl+Z and Ctrl+Y to the page (the studio’s own undo); macOS registers them', () => {
    const edit = (p: NodeJS.Platform) => items(menu(build(p).template, 'Edit'))
    for (const platform of ['win32', 'linux'] as const) {
      const history = edit(platform).filter((i) => i.role === 'undo' || i.role === 'redo')
      expect(history.map((i) => i.registerAccelerator)).toEqual([false, false])
      expect(edit(platform).find((i) => i.role === 'paste')?.registerAccelerator).toBeUndefined()
    }
    expect(edit('darwin').filter((i) => i.registerAccelerator === false)).toEqual([])
  })

  it('View: zoom and full screen always; reload and developer tools only unpacked', () => {
    const release = roles(menu(build('linux').template, 'View'))
    expect(release).toEqual(['resetZoom', 'zoomIn', 'zoomOut', 'togglefullscreen'])
    const dev = roles(menu(build('linux', { dev: true }).template, 'View'))
    expect(dev).toEqual([
      'reload',
      'forceReload',
      'toggleDevTools',
      'resetZoom',
      'zoomIn',
      'zoomOut',
      'togglefullscreen'
    ])
  })

  it('Window: minimize, zoom, close everywhere; bring all to front on macOS', () => {
    expect(roles(menu(build('darwin').template, 'Window'))).toEqual(['minimize', 'zoom', 'close', 'front'])
    expect(roles(menu(build('win32').template, 'Window'))).toEqual(['minimize', 'zoom', 'close'])
    expect(menu(build('darwin').template, 'Window')?.role).toBe('window')
  })

  it('Help links open through openExternal, each an https page', () => {
    const { template, a } = build('darwin')
    const help = items(menu(template, 'Help'))
    for (const link of HELP_LINKS) {
      const item = help.find((i) => i.label === link.label)
      expect(item, link.label).toBeDefined()
      click(item)
      expect(a.openExternal).toHaveBeenLastCalledWith(link.url)
      expect(isSafeExternalUrl(link.url)).toBe(true)
    }
    click(help.find((i) => i.label === 'Show Log Files'))
    expect(a.showLogFiles).toHaveBeenCalledOnce()
  })

  it('has one "Check for Updates" item per platform, labelled and enabled as the updater says', () => {
    for (const platform of ['darwin', 'win32', 'linux'] as const) {
      const { template, a } = build(platform, { update: { label: 'Restart to Install 0.2.0…', enabled: true } })
      const found = allItems(template).filter((i) => i.id === UPDATE_ITEM_ID)
      expect(found, platform).toHaveLength(1)
      expect(found[0]!.label).toBe('Restart to Install 0.2.0…')
      click(found[0])
      expect(a.checkForUpdates).toHaveBeenCalledOnce()
    }
    // macOS puts it in the app menu, the others under Help.
    expect(items(build('darwin').template[0]).some((i) => i.id === UPDATE_ITEM_ID)).toBe(true)
    expect(items(menu(build('win32').template, 'Help')).some((i) => i.id === UPDATE_ITEM_ID)).toBe(true)
    const busy = build('linux', { update: { label: 'Checking for Updates…', enabled: false } }).template
    expect(allItems(busy).find((i) => i.id === UPDATE_ITEM_ID)?.enabled).toBe(false)
  })
})

describe('links the studio may open outside the app', () => {
  it('accepts https pages and the studio’s own local pages', () => {
    expect(isSafeExternalUrl('https://github.com/webtv-studio/webtv-studio/releases')).toBe(true)
    expect(isSafeExternalUrl('http://127.0.0.1:8935/watch')).toBe(true)
    expect(isSafeExternalUrl('http://localhost:8000/')).toBe(true)
    expect(isSafeExternalUrl('http://[::1]:8000/')).toBe(true)
  })
  it('refuses schemes that run things, plain http elsewhere, credentials in URLs and junk', () => {
    for (const url of [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://host/share',
      'ms-msdt:/id PCWDiagnostic',
      'vscode://file/x',
      'http://example.com/',
      'http://127.0.0.1.evil.example/',
      'https://user:pass@example.com/',
      'not a url',
      ''
    ])
      expect(isSafeExternalUrl(url), url).toBe(false)
  })
})
