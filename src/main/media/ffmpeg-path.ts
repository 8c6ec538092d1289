import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { delimiter, dirname, join } from 'node:path'

export type ToolName = 'ffmpeg' | 'ffprobe'

export interface ResolvedTool {
  path: string
  source: 'env' | 'ffmpeg-static' | 'beside-ffmpeg' | 'ffprobe-installer' | 'path'
}

export class ToolNotFoundError extends Error {
  constructor(tool: ToolName, detail: string) {
    super(
      `${tool} was not found (${detail}). Install it (Debian/Ubuntu: sudo apt-get install ffmpeg; macOS: brew install ffmpeg) ` +
        `or point WEBTV_${tool.toUpperCase()} at the binary.`
    )
    this.name = 'ToolNotFoundError'
  }
}

const exe = (name: string): string => (process.platform === 'win32' ? `${name}.exe` : name)

/** Inside a packaged app the binary lives in app.asar.unpacked, not in the (unexecutable) asar. */
export function unpackedPath(p: string): string {
  return p.replace(/app\.asar([\\/])/, 'app.asar.unpacked$1')
}

export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = (env.PATH ?? env.Path ?? '').split(delimiter).filter(Boolean)
  for (const dir of dirs) {
    const candidate = join(dir, exe(name))
    if (existsSync(candidate)) return candidate
  }
  return undefined
}

function ffmpegStaticPath(): string | undefined {
  try {
    const req = createRequire(__filename)
    const p = req('ffmpeg-static') as unknown
    if (typeof p === 'string') {
      const real = unpackedPath(p)
      if (existsSync(real)) return real
    }
  } catch {
    /* optional dependency not installed (its download failed or was skipped) */
  }
  return undefined
}

/**
 * ffprobe from @ffprobe-installer/ffprobe: a per-platform package carries the binary
 * inside npm (linux-x64: a static johnvansickle.com build), so a fresh desktop with
 * no ffmpeg installed can still probe. Unpacked from the asar like ffmpeg-static.
 */
function ffprobeInstallerPath(): string | undefined {
  try {
    const req = createRequire(__filename)
    const p = (req('@ffprobe-installer/ffprobe') as { path?: unknown }).path
    if (typeof p === 'string') {
      const real = unpackedPath(p)
      if (existsSync(real)) return real
    }
  } catch {
    /* no binary package for this platform/architecture */
  }
  return undefined
}

/**
 * ffmpeg: WEBTV_FFMPEG → ffmpeg-static → PATH.
 * ffprobe: WEBTV_FFPROBE → beside the ffmpeg in use (WEBTV_FFMPEG or PATH's) → @ffprobe-installer → PATH.
 * Throws ToolNotFoundError with what to do.
 */
export function resolveTool(tool: ToolName, env: NodeJS.ProcessEnv = process.env): ResolvedTool {
  const envVar = `WEBTV_${tool.toUpperCase()}`
  const fromEnv = env[envVar]
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new ToolNotFoundError(tool, `${envVar} points at ${fromEnv}, which does not exist`)
    return { path: fromEnv, source: 'env' }
  }
  if (tool === 'ffmpeg') {
    const bundled = ffmpegStaticPath()
    if (bundled) return { path: bundled, source: 'ffmpeg-static' }
  } else {
    // Prefer the ffprobe of the same build as the ffmpeg we use (WEBTV_FFMPEG's, or
    // PATH's: /usr/bin/ffprobe beside /usr/bin/ffmpeg). ffmpeg-static ships no ffprobe,
    // so a desktop falls through to the bundled one. (The bundled linux-x64 build
    // crashed on every MPEG-TS file on one test machine: a matching system pair wins.)
    let ffmpegInUse: string | undefined
    try {
      const ff = resolveTool('ffmpeg', env)
      if (ff.source !== 'ffmpeg-static') ffmpegInUse = ff.path
    } catch {
      /* no ffmpeg: ffprobe is still looked for below */
    }
    if (ffmpegInUse) {
      const beside = join(dirname(ffmpegInUse), exe('ffprobe'))
      if (existsSync(beside)) return { path: beside, source: 'beside-ffmpeg' }
    }
    const bundled = ffprobeInstallerPath()
    if (bundled) return { path: bundled, source: 'ffprobe-installer' }
  }
  const onPath = findOnPath(tool, env)
  if (onPath) return { path: onPath, source: 'path' }
  throw new ToolNotFoundError(tool, `not set in ${envVar}, not bundled, not on PATH`)
}

/** How a person would say where a tool came from (doctor, Settings). */
export const SOURCE_LABEL: Record<ResolvedTool['source'], string> = {
  env: 'set by WEBTV_FFMPEG/WEBTV_FFPROBE',
  'ffmpeg-static': 'bundled (ffmpeg-static)',
  'beside-ffmpeg': 'next to the ffmpeg in use',
  'ffprobe-installer': 'bundled (@ffprobe-installer)',
  path: 'found on PATH'
}

export interface ToolReport {
  name: ToolName
  path: string | null
  /** Where it came from, in words (SOURCE_LABEL); null when not found. */
  source: string | null
  error: string | null
}

/** Which binary each tool resolves to and why — for Settings and `webtv doctor`. */
export function describeTools(env: NodeJS.ProcessEnv = process.env): ToolReport[] {
  return (['ffmpeg', 'ffprobe'] as const).map((name) => {
    try {
      const t = resolveTool(name, env)
      return { name, path: t.path, source: SOURCE_LABEL[t.source], error: null }
    } catch (err) {
      return { name, path: null, source: null, error: err instanceof Error ? err.message : String(err) }
    }
  })
}

const cache = new Map<ToolName, string>()
/** Cached path for hot code; tests that change env call resolveTool directly. */
export function toolPath(tool: ToolName): string {
  let p = cache.get(tool)
  if (!p) {
    p = resolveTool(tool).path
    cache.set(tool, p)
  }
  return p
}
