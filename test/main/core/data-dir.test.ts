import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { defaultHeadlessDataDir, resolveDataDir } from '../../../src/main/core/data-dir'

describe('data folder', () => {
  it('prefers --data-dir, then WEBTV_DATA_DIR, then the shell default', () => {
    expect(resolveDataDir({ flag: 'rel/dir', env: { WEBTV_DATA_DIR: '/env' }, shellDefault: '/shell' })).toBe(
      resolve('rel/dir')
    )
    expect(resolveDataDir({ env: { WEBTV_DATA_DIR: '/env' }, shellDefault: '/shell' })).toBe('/env')
    expect(resolveDataDir({ env: {}, shellDefault: '/shell' })).toBe('/shell')
  })
  it('uses the XDG data folder headless', () => {
    if (process.platform !== 'linux') return
    expect(defaultHeadlessDataDir({ XDG_DATA_HOME: '/xdg' })).toBe('/xdg/webtv-studio')
    expect(defaultHeadlessDataDir({})).toBe(join(homedir(), '.local', 'share', 'webtv-studio'))
    // A relative XDG_DATA_HOME is invalid per the spec and ignored.
    expect(defaultHeadlessDataDir({ XDG_DATA_HOME: 'relative' })).toBe(
      join(homedir(), '.local', 'share', 'webtv-studio')
    )
  })
})
