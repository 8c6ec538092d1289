/* eslint-disable @typescript-eslint/no-explicit-any -- package.json is untyped JSON */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PROJECT_REPOSITORY } from '../../src/main/desktop/links'

// Installers can't be built here (no Electron binary, no network); this checks
// what electron-builder will need when they are.
const root = join(__dirname, '..', '..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, any>
const cfg = pkg.build as Record<string, any>

function pngSize(file: string): { width: number; height: number } {
  const buf = readFileSync(file)
  expect(buf.subarray(1, 4).toString()).toBe('PNG')
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) }
}

describe('packaging config', () => {
  it('names the app and targets dmg, NSIS and AppImage', () => {
    expect(cfg.appId).toMatch(/^[a-z0-9.]+$/)
    expect(cfg.productName).toBe('WebTV Studio')
    expect(cfg.mac.target).toContain('dmg')
    expect(cfg.win.target).toContain('nsis')
    expect(cfg.linux.target).toContain('AppImage')
  })
  it('is valid for electron-builder itself (its own schema), and would catch a bad publish entry', async () => {
    // app-builder-lib is electron-builder's engine: reach it through electron-builder.
    const req = createRequire(require.resolve('electron-builder'))
    const { validateConfiguration } = req('app-builder-lib/out/util/config/config')
    const { DebugLogger } = req('builder-util')
    await expect(validateConfiguration(cfg, new DebugLogger(false))).resolves.toBeUndefined()
    const bad = { ...cfg, publish: [{ provider: 'github', releaseType: 'sometimes' }] }
    await expect(validateConfiguration(bad, new DebugLogger(false))).rejects.toThrow(/publish/)
  }, 60_000) // loading electron-builder's engine takes a few CPU seconds
  it('publishes to GitHub Releases, where the updater and the Help menu look', () => {
    expect(cfg.publish).toEqual([
      {
        provider: 'github',
        owner: PROJECT_REPOSITORY.split('/')[0],
        repo: PROJECT_REPOSITORY.split('/')[1],
        // A draft until a person publishes it: a half-uploaded release never reaches updaters.
        releaseType: 'draft'
      }
    ])
    expect(pkg.repository.url).toBe(`git+https://github.com/${PROJECT_REPOSITORY}.git`)
    // electron-updater is a runtime dependency (it ships in the app), not a dev one.
    expect(pkg.dependencies['electron-updater']).toBeDefined()
    // Squirrel.Mac updates from a zip: without it the macOS updater fails ("ZIP file not provided").
    expect(cfg.mac.target).toContain('zip')
    // The Windows updater needs NSIS, the Linux one the AppImage — both already the targets.
    expect(cfg.win.target).toEqual(['nsis'])
    expect(cfg.linux.target).toEqual(['AppImage'])
    expect(pkg.scripts.dist).toMatch(/node scripts\/dist\.mjs/)
  })
  it('ships the built app and resources, icons from build/', () => {
    expect(cfg.directories.buildResources).toBe('build')
    expect(cfg.files).toContain('out/**/*')
    expect(cfg.extraResources.some((r: { from: string }) => r.from === 'resources')).toBe(true)
    const icon = pngSize(join(root, cfg.mac.icon))
    expect(icon.width).toBeGreaterThanOrEqual(512)
    expect(icon.height).toBe(icon.width)
    expect(readFileSync(join(root, cfg.win.icon)).readUInt16LE(2)).toBe(1) // ICO type
  })
  it('keeps ffmpeg-static, ffprobe and native modules outside the asar, rebuilt for Electron', () => {
    expect(cfg.asarUnpack).toContain('node_modules/ffmpeg-static/**')
    // ffprobe is bundled the same way (per-platform binary packages under @ffprobe-installer/).
    expect(cfg.asarUnpack).toContain('node_modules/@ffprobe-installer/**')
    expect(pkg.dependencies['@ffprobe-installer/ffprobe']).toBeDefined()
    expect(cfg.asarUnpack).toContain('**/*.node')
    expect(cfg.npmRebuild).toBe(true)
  })
  it('keeps offline installs working', () => {
    expect(pkg.optionalDependencies['ffmpeg-static']).toBeDefined()
    expect(pkg.dependencies['ffmpeg-static']).toBeUndefined()
    expect(pkg.dependencies['better-sqlite3']).toMatch(/^\^?12\./)
    expect(pkg.devDependencies.electron).toBeDefined() // electron-builder wants it there
    expect(pkg.allowScripts['better-sqlite3']).toBe(true)
  })
  it('skips the Electron rebuild at install when the binary is skipped', () => {
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'postinstall.mjs')], {
      env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' },
      encoding: 'utf8'
    })
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/keeping native modules built for Node/)
  })
})
