import { existsSync, readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { repoRoot } from '../helpers/cli'

// `npm test` builds before running vitest; this checks the real bundles.
const outMain = join(repoRoot, 'out', 'main')
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>
  optionalDependencies?: Record<string, string>
}

function requiresOf(file: string): string[] {
  const code = readFileSync(file, 'utf8')
  const found = new Set<string>()
  for (const m of code.matchAll(
    /require\(\s*["']([^"']+)["']\s*\)|import\(\s*["']([^"']+)["']\s*\)|from\s*["']([^"']+)["']/g
  )) {
    found.add((m[1] ?? m[2] ?? m[3])!)
  }
  return [...found]
}

/** Every module reachable from an entry: relative files followed, packages collected. */
function reachable(entry: string): { files: string[]; packages: Set<string> } {
  const files: string[] = []
  const packages = new Set<string>()
  const queue = [entry]
  const seen = new Set<string>()
  while (queue.length) {
    const file = queue.pop()!
    if (seen.has(file)) continue
    seen.add(file)
    files.push(file)
    for (const spec of requiresOf(file)) {
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec)
        const candidate = [target, `${target}.js`, join(target, 'index.js')].find(
          (p) => existsSync(p) && p.endsWith('.js')
        )
        if (candidate) queue.push(candidate)
      } else {
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!
        packages.add(name)
      }
    }
  }
  return { files, packages }
}

describe('built bundles', () => {
  it('exist (run `npm run build` first)', () => {
    expect(existsSync(join(outMain, 'cli.js')), 'out/main/cli.js missing: run npm run build').toBe(true)
  })

  it('the headless entry reaches no electron import', () => {
    const { files, packages } = reachable(join(outMain, 'cli.js'))
    expect(files.length).toBeGreaterThan(0)
    expect([...packages]).not.toContain('electron')
  })

  it('the headless entry needs only runtime dependencies and Node built-ins', () => {
    const { packages } = reachable(join(outMain, 'cli.js'))
    const allowed = new Set([
      ...Object.keys(pkg.dependencies),
      ...Object.keys(pkg.optionalDependencies ?? {}),
      ...builtinModules,
      ...builtinModules.map((m) => `node:${m}`)
    ])
    const missing = [...packages].filter((p) => !allowed.has(p) && !p.startsWith('node:'))
    expect(missing, `bundle requires packages that are not runtime dependencies: ${missing.join(', ')}`).toEqual([])
  })

  it('the Electron shell does use electron (so the check above can fail)', () => {
    const { packages } = reachable(join(outMain, 'index.js'))
    expect([...packages]).toContain('electron')
  })

  it('the Electron shell keeps its window locked down', () => {
    // The shell can't be launched here (no Electron binary): check what the built code sets.
    const shell = readFileSync(join(outMain, 'index.js'), 'utf8')
    expect(shell).toMatch(/contextIsolation:\s*(true|!0)/)
    expect(shell).toMatch(/sandbox:\s*(true|!0)/)
    expect(shell).toMatch(/nodeIntegration:\s*(false|!1)/)
    expect(shell).toMatch(/webviewTag:\s*(false|!1)/)
    expect(shell).not.toMatch(/contextIsolation:\s*(false|!1)|sandbox:\s*(false|!1)|nodeIntegration:\s*(true|!0)/)
    for (const guard of [
      'setWindowOpenHandler',
      'will-navigate',
      'will-attach-webview',
      'requestSingleInstanceLock',
      'setPermissionRequestHandler'
    ]) {
      expect(shell, guard).toContain(guard)
    }
  })

  it('the sandboxed preload requires nothing but electron', () => {
    const { packages } = reachable(join(repoRoot, 'out', 'preload', 'index.js'))
    expect([...packages]).toEqual(['electron'])
  })

  it('the watch page loads hls.js only when it needs it, and stays small for everyone else', () => {
    // Every viewer downloads the watch page; hls.js is for browsers without MSE-FLV.
    const html = readFileSync(join(repoRoot, 'out', 'renderer', 'watch.html'), 'utf8')
    const entry = /<script[^>]*src="\.?\/?([^"]+\.js)"/.exec(html)?.[1]
    expect(entry, 'watch.html has no module script').toBeTruthy()
    const assets = join(repoRoot, 'out', 'renderer')
    // Static imports only (`from "./x.js"`): a dynamic import() is fetched on demand.
    const staticFiles = new Set<string>()
    const queue = [join(assets, entry!)]
    while (queue.length) {
      const file = queue.pop()!
      if (staticFiles.has(file)) continue
      staticFiles.add(file)
      for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*["'](\.\/[^"']+\.js)["']/g)) {
        queue.push(resolve(dirname(file), m[1]!))
      }
    }
    const code = [...staticFiles].map((f) => readFileSync(f, 'utf8'))
    expect(code.some((c) => c.includes('hlsManifestLoading'))).toBe(false)
    const bytes = code.reduce((n, c) => n + Buffer.byteLength(c), 0)
    expect(bytes, `the watch page's first load is ${bytes} bytes`).toBeLessThan(800_000)
  })
})
