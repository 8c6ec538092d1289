import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { createServer } from 'node:net'
import { resolveTool, SOURCE_LABEL, type ToolName } from './ffmpeg-path'
import { ensureWritableDir } from '../core/data-dir'
import { execToolResult } from './ffmpeg-runner'

export interface DoctorCheck {
  name: string
  ok: boolean
  detail: string
  /** What to do when not ok. */
  fix?: string
}

/** "ffmpeg version 5.1.9-0+deb12u1 Copyright…" → "5.1.9-0+deb12u1". */
export function parseFfmpegVersion(text: string): string | undefined {
  const m = /^ff(?:mpeg|probe) version (\S+)/m.exec(text)
  return m?.[1]
}

/** Names of the encoders listed by `ffmpeg -encoders`. */
export function parseEncoders(text: string): Set<string> {
  const names = new Set<string>()
  for (const line of text.split('\n')) {
    const m = /^\s[VAS][.A-Z]{5}\s+(\S+)\s/.exec(line)
    if (m) names.add(m[1]!)
  }
  return names
}

/** One bounded run of the binary the doctor found (which may not be the one the studio would use by default). */
async function run(tool: ToolName, path: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  const r = await execToolResult(tool, args, { path, timeout: 15_000 })
  const why = r.error && !r.stdout && !r.stderr ? r.error.message : ''
  return { ok: r.ok, out: `${r.stdout}${r.stderr}${why}` }
}

async function toolCheck(tool: ToolName, env: NodeJS.ProcessEnv): Promise<{ check: DoctorCheck; path?: string }> {
  let found: ReturnType<typeof resolveTool>
  try {
    found = resolveTool(tool, env)
  } catch (err) {
    return {
      check: {
        name: tool,
        ok: false,
        detail: (err as Error).message,
        fix: `Install ffmpeg${tool === 'ffprobe' ? ' (it includes ffprobe)' : ''} or set WEBTV_${tool.toUpperCase()} to its path.`
      }
    }
  }
  const r = await run(tool, found.path, ['-hide_banner', '-version'])
  const version = parseFfmpegVersion(r.out) ?? (r.ok ? 'unknown version' : undefined)
  if (!version) {
    return {
      check: {
        name: tool,
        ok: false,
        detail: `${found.path} did not run (${r.out.trim().split('\n')[0] || 'no output'})`,
        fix: `Install a working ${tool} or point WEBTV_${tool.toUpperCase()} at one.`
      }
    }
  }
  return {
    check: { name: tool, ok: true, detail: `${found.path} (${version}, ${SOURCE_LABEL[found.source]})` },
    path: found.path
  }
}

/**
 * Clips air as MPEG-TS, so ffprobe must read it: a static linux-x64 ffprobe build
 * was seen to crash on every TS file. A 0.1 s file made by our ffmpeg, in the data
 * folder (nothing is written outside it), probed, then removed.
 */
async function readsMpegTs(ffmpeg: string, ffprobe: string, dataDir: string): Promise<DoctorCheck> {
  const name = 'ffprobe reads MPEG-TS'
  const file = join(dataDir, `doctor-check-${process.pid}.ts`)
  try {
    ensureWritableDir(dataDir)
    const made = await run('ffmpeg', ffmpeg, [
      '-hide_banner',
      '-loglevel',
      'error',
      '-nostdin',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'sine=d=0.1',
      '-c:a',
      'aac',
      '-f',
      'mpegts',
      file
    ])
    if (!made.ok)
      return {
        name,
        ok: false,
        detail: `could not make a test file with ffmpeg (${made.out.trim().split('\n')[0] ?? 'no output'})`,
        fix: 'Check the ffmpeg above.'
      }
    const r = await execToolResult(
      'ffprobe',
      ['-v', 'error', '-show_entries', 'format=format_name', '-of', 'csv=p=0', file],
      { path: ffprobe, timeout: 15_000 }
    )
    if (r.ok && /mpegts/.test(r.stdout)) return { name, ok: true, detail: 'yes' }
    const why = r.error?.signal
      ? `it crashed (${r.error.signal})`
      : `exit ${r.error?.code ?? 0}: ${r.stderr.trim().split('\n')[0] ?? ''}`
    return {
      name,
      ok: false,
      detail: `${ffprobe} cannot read MPEG-TS: ${why}`,
      fix: 'Point WEBTV_FFPROBE at another ffprobe (e.g. the one from your ffmpeg package).'
    }
  } catch (err) {
    return { name, ok: false, detail: (err as Error).message }
  } finally {
    try {
      rmSync(file, { force: true })
    } catch {
      /* the data folder is unusable: its own check says so */
    }
  }
}

export function portFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer()
    srv.once('error', () => resolve(false))
    srv.listen(port, host, () => srv.close(() => resolve(true)))
  })
}

export interface DoctorOptions {
  env?: NodeJS.ProcessEnv
  dataDir: string
  ports: Array<{ port: number; setting: string; what: string }>
}

/** Everything the studio needs from this machine, checked for real. */
export async function runDoctor(opts: DoctorOptions): Promise<DoctorCheck[]> {
  const env = opts.env ?? process.env
  const checks: DoctorCheck[] = []
  const ffmpeg = await toolCheck('ffmpeg', env)
  checks.push(ffmpeg.check)
  const ffprobe = await toolCheck('ffprobe', env)
  checks.push(ffprobe.check)
  if (ffmpeg.path && ffprobe.path) checks.push(await readsMpegTs(ffmpeg.path, ffprobe.path, opts.dataDir))
  if (ffmpeg.path) {
    const encoders = parseEncoders((await run('ffmpeg', ffmpeg.path, ['-hide_banner', '-encoders'])).out)
    for (const [enc, why] of [
      ['libx264', 'H.264 video for conforming clips'],
      ['aac', 'AAC audio for conforming clips']
    ] as const) {
      checks.push(
        encoders.has(enc)
          ? { name: `encoder ${enc}`, ok: true, detail: `present (${why})` }
          : {
              name: `encoder ${enc}`,
              ok: false,
              detail: `missing (${why})`,
              fix: 'Use an ffmpeg build with libx264 and aac (Debian/Ubuntu: apt-get install ffmpeg).'
            }
      )
    }
  } else {
    checks.push({ name: 'encoders', ok: false, detail: 'not checked: no ffmpeg', fix: 'Install ffmpeg first.' })
  }
  try {
    ensureWritableDir(opts.dataDir)
    checks.push({ name: 'data folder', ok: true, detail: `${opts.dataDir} is writable` })
  } catch (err) {
    checks.push({
      name: 'data folder',
      ok: false,
      detail: (err as Error).message,
      fix: 'Use --data-dir DIR or WEBTV_DATA_DIR with a folder you can write to.'
    })
  }
  for (const p of opts.ports) {
    const free = await portFree(p.port)
    checks.push(
      free
        ? { name: `port ${p.port}`, ok: true, detail: `free (${p.what})` }
        : {
            name: `port ${p.port}`,
            ok: false,
            detail: `in use (${p.what})`,
            fix: `Stop the program using it or change ${p.setting}.`
          }
    )
  }
  return checks
}
