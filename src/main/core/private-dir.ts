import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, parse, resolve } from 'node:path'

/**
 * The data folder holds the library, logs, destination settings and tokens: on a
 * shared machine nobody else may read it. It is created 0700; everything the studio
 * (and the ffmpeg it starts) creates afterwards gets 0600/0700 through the process
 * umask; and what an older version left group/world-readable is tightened on start.
 * No-ops on Windows, where POSIX modes do not apply (the folder lives in the user's
 * profile, which is already private).
 */
export const DIR_MODE = 0o700
export const FILE_MODE = 0o600

export function makePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: DIR_MODE })
  if (process.platform === 'win32') return
  restrictUmask()
  tightenTree(dir)
}

/** New files 0600, new folders 0700, for this process and the children it starts. */
function restrictUmask(): void {
  try {
    const previous = process.umask(0o077)
    process.umask(previous | 0o077)
  } catch {
    /* worker threads cannot change the umask; their files are tightened on the next start */
  }
}

/**
 * chmod go-rwx on the folder and, recursively, on what is in it — never following a
 * symlink. A data folder pointed at a home or root folder by mistake is only closed
 * itself, not walked (its other content is not ours).
 */
export function tightenTree(dir: string): void {
  const root = resolve(dir)
  tighten(root)
  if (root === resolve(homedir()) || root === parse(root).root) return
  walk(root)
}

function walk(dir: string): void {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return
  }
  for (const name of names) {
    const p = join(dir, name)
    if (tighten(p)) walk(p)
  }
}

/** Removes group/other bits where present; returns true for a real folder to descend into. */
function tighten(p: string): boolean {
  try {
    const st = lstatSync(p)
    if (st.isSymbolicLink()) return false
    if ((st.mode & 0o077) !== 0) chmodSync(p, st.mode & 0o700)
    return st.isDirectory()
  } catch {
    return false
  }
}
