// Rebuild native modules (better-sqlite3) for Electron's ABI, but only when the
// Electron binary is actually present. Offline installs (CI, servers) set
// ELECTRON_SKIP_BINARY_DOWNLOAD=1 and run the headless studio on plain Node, which
// needs better-sqlite3 built for Node — so rebuilding there would break it.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { spawnSync } from 'node:child_process'

const require = createRequire(import.meta.url)
if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD || process.env.WEBTV_SKIP_ELECTRON_REBUILD) {
  console.log('[webtv] ELECTRON_SKIP_BINARY_DOWNLOAD set: keeping native modules built for Node (headless).')
  process.exit(0)
}
let electronPath = ''
try {
  electronPath = require('electron')
} catch {
  /* electron absent */
}
if (typeof electronPath !== 'string' || !existsSync(electronPath)) {
  console.log('[webtv] Electron binary absent: keeping native modules built for Node (headless).')
  process.exit(0)
}
// Desktop development: the app runs inside Electron, so rebuild for it.
const r = spawnSync('npx', ['electron-builder', 'install-app-deps'], {
  stdio: 'inherit',
  shell: process.platform === 'win32'
})
process.exit(r.status ?? 1)
