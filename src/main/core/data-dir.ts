import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { accessSync, constants } from 'node:fs'
import { makePrivateDir } from './private-dir'

/**
 * Where the studio keeps its library, media and secrets.
 * Order: explicit --data-dir → WEBTV_DATA_DIR → the shell's default (Electron's
 * userData on the desktop, the XDG data folder headless).
 */
export function resolveDataDir(opts: {
  flag?: string | undefined
  env?: NodeJS.ProcessEnv
  shellDefault?: string
}): string {
  const env = opts.env ?? process.env
  if (opts.flag) return resolve(opts.flag)
  if (env.WEBTV_DATA_DIR) return resolve(env.WEBTV_DATA_DIR)
  if (opts.shellDefault) return opts.shellDefault
  return defaultHeadlessDataDir(env)
}

export function defaultHeadlessDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (process.platform === 'win32') {
    return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'webtv-studio')
  }
  if (process.platform === 'darwin') {
    return join(homedir(), 'Library', 'Application Support', 'webtv-studio')
  }
  const xdg =
    env.XDG_DATA_HOME && env.XDG_DATA_HOME.startsWith('/') ? env.XDG_DATA_HOME : join(homedir(), '.local', 'share')
  return join(xdg, 'webtv-studio')
}

/** Create the folder (private: 0700) if needed and prove we can write there; throws a readable error. */
export function ensureWritableDir(dir: string): void {
  try {
    makePrivateDir(dir)
    accessSync(dir, constants.W_OK)
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err)
    throw new Error(
      `The data folder ${dir} is not writable (${reason}). Choose another with --data-dir DIR or WEBTV_DATA_DIR.`
    )
  }
}
