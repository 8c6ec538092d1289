import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { MenuItemConstructorOptions } from 'electron'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { tempDir } from '../../helpers/tmp'

// Electron at the module boundary, as Electron Fiddle tests its main process.
const electron = vi.hoisted(() => ({
  app: { name: 'WebTV Studio', isPackaged: true },
  Menu: {
    buildFromTemplate: vi.fn((t: unknown) => ({ template: t })),
    setApplicationMenu: vi.fn()
  },
  shell: { openExternal: vi.fn(() => Promise.resolve()), openPath: vi.fn(() => Promise.resolve('')) }
}))
vi.mock('electron', () => electron)

const { installAppMenu, openExternalSafely } = await import('../../../src/main/desktop/menu')

let tmp: ReturnType<typeof tempDir>
beforeEach(() => {
  tmp = tempDir()
  vi.clearAllMocks()
})
afterEach(() => tmp.cleanup())

function installed(): MenuItemConstructorOptions[] {
  const call = electron.Menu.setApplicationMenu.mock.calls.at(-1) as unknown as [
    { template: MenuItemConstructorOptions[] }
  ]
  return call[0].template
}
const find = (t: MenuItemConstructorOptions[], label: string): MenuItemConstructorOptions | undefined => {
  for (const m of t) {
    if (m.label === label) return m
    const inner = Array.isArray(m.submenu) ? find(m.submenu, label) : undefined
    if (inner) return inner
  }
  return undefined
}
const click = (i: MenuItemConstructorOptions | undefined) => (i?.click as unknown as () => void)()

describe('installing the application menu', () => {
  it('sets the menu, and rebuilds it with the updater’s new label on refresh', () => {
    let label = 'Check for Updates…'
    const check = vi.fn()
    const refresh = installAppMenu({
      dataDir: tmp.dir,
      updateItem: () => ({ label, enabled: true }),
      checkForUpdates: check,
      log: () => undefined
    })
    expect(electron.Menu.setApplicationMenu).toHaveBeenCalledOnce()
    click(find(installed(), 'Check for Updates…'))
    expect(check).toHaveBeenCalledOnce()
    label = 'Restart to Install 0.2.0…'
    refresh()
    expect(electron.Menu.setApplicationMenu).toHaveBeenCalledTimes(2)
    expect(find(installed(), 'Restart to Install 0.2.0…')).toBeDefined()
  })

  it('Help opens its links in the system browser, and Show Log Files opens a private logs folder', () => {
    installAppMenu({
      dataDir: tmp.dir,
      updateItem: () => ({ label: 'x', enabled: true }),
      checkForUpdates: vi.fn(),
      log: vi.fn()
    })
    click(find(installed(), 'Documentation'))
    expect(electron.shell.openExternal).toHaveBeenCalledWith(expect.stringMatching(/^https:\/\/github\.com\//))
    click(find(installed(), 'Show Log Files'))
    const logs = join(tmp.dir, 'logs')
    expect(electron.shell.openPath).toHaveBeenCalledWith(logs)
    expect(existsSync(logs)).toBe(true)
    if (process.platform !== 'win32') expect(statSync(logs).mode & 0o077).toBe(0)
  })
})

describe('opening links outside the app', () => {
  it('hands https links to the system browser', () => {
    openExternalSafely('https://example.com/help', vi.fn())
    expect(electron.shell.openExternal).toHaveBeenCalledWith('https://example.com/help')
  })
  it('refuses anything else with a log line, never calling openExternal', () => {
    const log = vi.fn()
    openExternalSafely('file:///Applications/Calculator.app', log)
    expect(electron.shell.openExternal).not.toHaveBeenCalled()
    expect(log).toHaveBeenCalledWith(expect.stringMatching(/refused to open file:\/\/\/Applications.*only https/))
  })
})
