import { existsSync } from 'node:fs'
import { join } from 'node:path'

/** The built renderer: beside the built main (out/renderer), or out/renderer when run from source. */
export function findRendererDir(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = [
    env.WEBTV_RENDERER_DIR,
    join(__dirname, '..', 'renderer'), // out/main/cli.js → out/renderer
    join(__dirname, '..', '..', '..', 'out', 'renderer') // src/main/server → out/renderer
  ].filter((p): p is string => !!p)
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? candidates[candidates.length - 1]!
}
